/**
 * What every use case needs from its shell: a way to load a machine (`--from`) and somewhere to
 * send load warnings as soon as they exist. The default loader is src/node's; a server or a test
 * may pass its own (a cache, an in-memory capture).
 */
import type { LoadWarning } from '../errors/index.js';
import type { InputFormat, LoadResult } from '../ingest/types.js';
import { inputFormat } from './options.js';

/** Which machine: `example:NAME` (default example when absent), `live`, a path; a forced format. */
export interface SourceRequest {
  readonly from?: string | undefined;
  readonly format?: string | undefined;
  /** `--pci-ids FILE`: names from this pci.ids (sysfs sources default to the system's). */
  readonly pciIds?: string | undefined;
}

export interface AppContext {
  /** Load a machine (format already validated); default: src/node's loader. */
  readonly load?: (
    from: string | undefined,
    format: InputFormat | undefined,
    opts?: { readonly pciIds?: string | undefined },
  ) => Promise<LoadResult>;
  /** Receives the loader's warnings right after loading (before the use case can still fail). */
  readonly onWarnings?: (warnings: readonly LoadWarning[]) => void;
}

/** The context of a local shell: files through src/node, load warnings not reported. */
export const LOCAL: AppContext = {};

/** src/node's loader, imported when first needed (a shell that brings its own never loads it). */
async function localLoad(
  from: string | undefined,
  format: InputFormat | undefined,
  opts: { readonly pciIds?: string | undefined } = {},
) {
  const { loadSource } = await import('../node/load.js');
  return loadSource(from, {
    ...(format === undefined ? {} : { format }),
    ...(opts.pciIds === undefined ? {} : { pciIds: opts.pciIds }),
  });
}

/** Validate the request, load the machine and hand its warnings to the shell. */
export async function loadMachine(ctx: AppContext, src: SourceRequest): Promise<LoadResult> {
  const res = await (ctx.load ?? localLoad)(
    src.from,
    inputFormat(src.format),
    src.pciIds === undefined ? {} : { pciIds: src.pciIds },
  );
  ctx.onWarnings?.(res.warnings);
  return res;
}
