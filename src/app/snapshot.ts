/** `snapshot`: capture this machine's PCI facts (read-only allowlist) into a .tar.gz. */
import { writeWholeFile } from '../node/files.js';
import { snapshotWithStats } from '../node/snapshot.js';

export interface SnapshotRequest {
  /** The tree holding sys/ and proc/ (default `/`). */
  readonly root: string;
  /** Archive to write. */
  readonly output: string;
}

export interface SnapshotRecord {
  readonly output: string;
  readonly functions: number;
  readonly entries: number;
  readonly bytes: number;
  /** What could not be read (not root: debugfs bufinfo, other users' dma-buf fds). */
  readonly notes: readonly string[];
}

export async function snapshot(req: SnapshotRequest): Promise<SnapshotRecord> {
  const snap = await snapshotWithStats(req.root);
  writeWholeFile(req.output, snap.bytes);
  return {
    output: req.output,
    functions: snap.functions,
    entries: snap.entries,
    bytes: snap.bytes.length,
    notes: snap.notes,
  };
}
