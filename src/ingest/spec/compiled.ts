/**
 * A spec compiled ahead of time: the validated document (what the schema returned) and every source
 * location the builder asked for, recorded while building it once. Loading it runs the builder
 * alone — no YAML parser, no schema library — and gives the same Fabric and warnings as the YAML
 * (the bundled examples are compiled at build time; `node/examples.ts` checks the YAML text still
 * matches before using one). This module must not import yaml.ts or schema.ts values.
 */
import type { SourceLocation } from '../../errors/index.js';
import type { LoadResult } from '../types.js';
import { SpecBuilder } from './build.js';
import type { MachineSpecDoc } from './schema.js';
import type { Path, SourceDoc } from './yaml.js';

export const COMPILED_SPEC_VERSION = 1;

export interface CompiledSpec {
  readonly compiledSpec: typeof COMPILED_SPEC_VERSION;
  /** The spec text it was compiled from (the loader compares it with the file it would read). */
  readonly source: string;
  /** The validated document. */
  readonly data: unknown;
  /** `locate` answers, keyed by `locationKey`. */
  readonly locations: Readonly<Record<string, SourceLocation>>;
}

const locationKey = (path: Path, opts?: { key?: boolean }) =>
  JSON.stringify([path, opts?.key === true]);

/** Wrap a parsed document so every location it gives is kept (compile time). */
export function recordingSource(src: SourceDoc): {
  doc: SourceDoc;
  locations: Record<string, SourceLocation>;
} {
  const locations: Record<string, SourceLocation> = {};
  return {
    locations,
    doc: {
      value: src.value,
      commaSplitFrom: (path) => src.commaSplitFrom(path),
      locate: (path, opts) => {
        const loc = src.locate(path, opts);
        locations[locationKey(path, opts)] = loc;
        return loc;
      },
    },
  };
}

/** True when `x` is a compiled spec of this version (a stale or foreign file is ignored). */
export function isCompiledSpec(x: unknown): x is CompiledSpec {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as CompiledSpec).compiledSpec === COMPILED_SPEC_VERSION &&
    typeof (x as CompiledSpec).source === 'string' &&
    typeof (x as CompiledSpec).locations === 'object'
  );
}

/** Build the machine of a compiled spec; `name` is the file name locations carry. */
export function loadCompiledSpec(c: CompiledSpec, name: string): LoadResult {
  return new SpecBuilder(c.data as MachineSpecDoc, plainSource(c.data, name, c.locations)).build();
}

/**
 * A document that has no text behind it (compiled, or plain data such as `peerdma serve` sends):
 * a location is the one recorded for it in `known`, else the file and the field path.
 */
export function plainSource(
  value: unknown,
  name: string,
  known: Readonly<Record<string, SourceLocation>> = {},
): SourceDoc {
  return {
    value,
    commaSplitFrom: () => null,
    locate: (path, opts) =>
      known[locationKey(path, opts)] ?? { file: name, field: path.join('.') || '(document)' },
  };
}
