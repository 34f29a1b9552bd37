/** The file tree behind a `--from` that has one: `live` (`/`), a sysfs capture directory, a snapshot. */
import { readFileSync, statSync } from 'node:fs';
import { PeerdmaError } from '../errors/index.js';
import type { VirtualFs } from '../ingest/types.js';
import { dirVfs, tarVfs } from './vfs.js';

export async function openMachineTree(from: string, what: string): Promise<VirtualFs> {
  if (from === 'live') return dirVfs('/');
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(from);
  } catch (e) {
    throw new PeerdmaError('E_IO', `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      file: from,
    });
  }
  if (st.isDirectory()) return dirVfs(from);
  const bytes = readFileSync(from);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new PeerdmaError(
      'E_USAGE',
      `${what} reads a live machine or a snapshot (.tar.gz or an unpacked capture), not this file`,
      { file: from },
    );
  }
  return tarVfs(bytes, from);
}
