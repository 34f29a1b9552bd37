/** `topo`: the machine as loaded, for the tree, its JSON and its spec. */
import type { LoadResult } from '../ingest/types.js';
import { type AppContext, loadMachine, type SourceRequest } from './context.js';

/** The loaded machine and the loader's warnings. */
export type TopoRecord = LoadResult;

export function topo(req: SourceRequest, ctx: AppContext): Promise<TopoRecord> {
  return loadMachine(ctx, req);
}
