/** `snapshot`: capture this machine's PCI facts (read-only allowlist) into a .tar.gz. */
import { type AppContext, need } from './context.js';

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

export async function snapshot(req: SnapshotRequest, ctx: AppContext): Promise<SnapshotRecord> {
  const write = need(ctx, 'writeFile');
  const snap = await need(ctx, 'snapshot')(req.root);
  await write(req.output, snap.bytes);
  return {
    output: req.output,
    functions: snap.functions,
    entries: snap.entries,
    bytes: snap.bytes.length,
    notes: snap.notes,
  };
}
