/**
 * What every use case needs from its shell: a way to load a machine (`--from`), the few other
 * things that touch files (a calibration file, a machine's raw tree, the bundled example list, a
 * snapshot written to disk) and somewhere to send load warnings as soon as they exist. app/ never
 * references src/node: the CLI injects src/node's host (`node/host.ts`), a server or the browser
 * passes its own (a cache, an uploaded capture), a test passes a stub.
 */

import type { LoadWarning } from '../errors/index.js';
import { PeerdmaError } from '../errors/index.js';
import type { InputFormat, LoadResult, VirtualFs } from '../ingest/types.js';
import { inputFormat } from './options.js';

/** Which machine: `example:NAME` (default example when absent), `live`, a path; a forced format. */
export interface SourceRequest {
  readonly from?: string | undefined;
  readonly format?: string | undefined;
  /** `--pci-ids FILE`: names from this pci.ids (sysfs sources default to the system's). */
  readonly pciIds?: string | undefined;
}

/** One bundled example machine (`examples` use case). */
export interface ExampleInfo {
  readonly name: string;
  /** `machine.description` of the spec. */
  readonly title: string;
  /** The header comment: what the example demonstrates. */
  readonly description: string;
}

/** A capture of a machine's PCI facts, packed (`snapshot` use case). */
export interface SnapshotBytes {
  readonly bytes: Uint8Array;
  readonly functions: number;
  readonly entries: number;
  readonly notes: readonly string[];
}

export interface AppContext {
  /** Load a machine (format already validated). */
  readonly load: (
    from: string | undefined,
    format: InputFormat | undefined,
    opts?: { readonly pciIds?: string | undefined },
  ) => Promise<LoadResult>;
  /** Receives the loader's warnings right after loading (before the use case can still fail). */
  readonly onWarnings?: (warnings: readonly LoadWarning[]) => void;
  /** A small text file named by an option (`--calibration`); `what` names it in errors. */
  readonly readText?: (path: string, what: string) => Promise<string>;
  /** The raw tree of a live machine or a snapshot (`buffers` reads dma-buf facts from it). */
  readonly openTree?: (from: string, what: string) => Promise<VirtualFs>;
  /** The bundled examples. */
  readonly listExamples?: () => Promise<readonly ExampleInfo[]>;
  /** Capture the machine under `root`. */
  readonly snapshot?: (root: string) => Promise<SnapshotBytes>;
  /** Write a whole output file. */
  readonly writeFile?: (path: string, data: Uint8Array) => Promise<void>;
}

/** A host capability the use case needs; a shell without it gets a typed E_UNSUPPORTED. */
export function need<K extends Exclude<keyof AppContext, 'load' | 'onWarnings'>>(
  ctx: AppContext,
  key: K,
): NonNullable<AppContext[K]> {
  const f = ctx[key];
  if (f === undefined)
    throw new PeerdmaError('E_UNSUPPORTED', `this shell cannot ${key} (no host capability)`);
  return f as NonNullable<AppContext[K]>;
}

/** Validate the request, load the machine and hand its warnings to the shell. */
export async function loadMachine(ctx: AppContext, src: SourceRequest): Promise<LoadResult> {
  const res = await ctx.load(
    src.from,
    inputFormat(src.format),
    src.pciIds === undefined ? {} : { pciIds: src.pciIds },
  );
  ctx.onWarnings?.(res.warnings);
  return res;
}
