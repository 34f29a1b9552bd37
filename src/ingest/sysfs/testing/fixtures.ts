/** Where the shared fixtures live: `<repo>/../shared` (CI clones main with shared/ beside it). */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
export const SYSFS_FIXTURES = join(SHARED, 'fixtures/sysfs');
export const ORACLE_FIXTURES = join(SHARED, 'fixtures/kernel-oracle');

/** Every sysfs tarball: the hwloc captures and each kernel-oracle machine's `sysfs.tar.gz`. */
export function fixtureTarballs(): string[] {
  const a = readdirSync(SYSFS_FIXTURES)
    .filter((f) => f.endsWith('.tar.gz'))
    .map((f) => join(SYSFS_FIXTURES, f));
  const b = readdirSync(ORACLE_FIXTURES)
    .map((d) => join(ORACLE_FIXTURES, d, 'sysfs.tar.gz'))
    .filter((p) => existsSync(p));
  return [...a, ...b].sort();
}
