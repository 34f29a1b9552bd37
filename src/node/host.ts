/**
 * The local host of a shell on this machine: what `AppContext` (src/app/context.ts) asks for,
 * answered from the file system. Every capability imports its module when first called, so a
 * command pays only for what it uses (`check` never loads tar or the snapshot code). Typed
 * structurally: node/ sits below app/ and does not import it.
 */
import type { InputFormat } from '../ingest/types.js';

export const LOCAL_HOST = {
  async load(
    from: string | undefined,
    format: InputFormat | undefined,
    opts: { readonly pciIds?: string | undefined } = {},
  ) {
    const { loadSource } = await import('./load.js');
    return loadSource(from, {
      ...(format === undefined ? {} : { format }),
      ...(opts.pciIds === undefined ? {} : { pciIds: opts.pciIds }),
    });
  },
  async readText(path: string, what: string) {
    const { readTextFile } = await import('./files.js');
    return readTextFile(path, what);
  },
  async openTree(from: string, what: string) {
    const { openMachineTree } = await import('./tree.js');
    return openMachineTree(from, what);
  },
  async listExamples() {
    const { listExamples } = await import('./examples.js');
    return listExamples();
  },
  async snapshot(root: string) {
    const { snapshotWithStats } = await import('./snapshot.js');
    return snapshotWithStats(root);
  },
  async writeFile(path: string, data: Uint8Array) {
    const { writeWholeFile } = await import('./files.js');
    writeWholeFile(path, data);
  },
};
