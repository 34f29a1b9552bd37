/** The file tree behind a `--from` that has one: `live` (`/`), a sysfs capture directory, a snapshot. */
import { PeerdmaError } from '../errors/index.js';
import { MAX_INPUT_BYTES } from '../ingest/limits.js';
import type { VirtualFs } from '../ingest/types.js';
import { readInputFile, statInput } from './files.js';
import { dirVfs, tarVfs } from './vfs.js';

export async function openMachineTree(from: string, what: string): Promise<VirtualFs> {
  if (from === 'live') return dirVfs('/');
  const st = statInput(from, 'input');
  if (st.isDirectory()) return dirVfs(from);
  // Only a regular file, and only up to the input limit: never /dev/zero or a FIFO.
  const bytes = readInputFile(from, { maxBytes: MAX_INPUT_BYTES, what: 'input' });
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new PeerdmaError(
      'E_USAGE',
      `${what} reads a live machine or a snapshot (.tar.gz or an unpacked capture), not this file`,
      { file: from },
    );
  }
  return tarVfs(bytes, from);
}
