/** Test-only: the kernel-oracle fixtures, found at `<repo>/../shared` (CI clones shared/ beside main). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextInput } from '../../types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const ORACLE_DIR = join(repoRoot, '..', 'shared', 'fixtures', 'kernel-oracle');

export const MACHINES = [
  'a-same-switch',
  'b-root-ports',
  'c-iommu',
  'e-pxb-numa',
  'g-amd-zen-cpu',
  'i-switch-multifunction-sriov',
] as const;
export type Machine = (typeof MACHINES)[number];

export function oracleInput(machine: Machine, file: string): TextInput {
  return {
    name: `${machine}/${file}`,
    text: readFileSync(join(ORACLE_DIR, machine, file), 'utf8'),
  };
}

export interface Verdicts {
  readonly iommuGroups: Readonly<Record<string, { type: string; devices: string[] }>>;
  readonly pairs: readonly { provider: string; client: string }[];
}

export function oracleVerdicts(machine: Machine): Verdicts {
  return JSON.parse(readFileSync(join(ORACLE_DIR, machine, 'verdicts.json'), 'utf8')) as Verdicts;
}
