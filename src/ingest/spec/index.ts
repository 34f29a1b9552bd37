import { PeerdmaError } from '../../errors/index.js';
import type { LoadResult, TextInput } from '../types.js';
import { SpecBuilder } from './build.js';
import {
  COMPILED_SPEC_VERSION,
  type CompiledSpec,
  plainSource,
  recordingSource,
} from './compiled.js';
import { MachineSpec, type MachineSpecDoc } from './schema.js';
import { parseSource, type SourceDoc } from './yaml.js';

export { MachineSpec, type MachineSpecDoc, machineJsonSchema } from './schema.js';
export { CLASS_SHORTHANDS, VENDOR_SHORTHANDS } from './units.js';
export { fabricToSpec, specToYaml } from './write.js';

/** The marker line every spec starts with (YAML); JSON specs carry `"peerdma": 1`. */
export const SPEC_MARKER = 'peerdma: 1';

/**
 * Loads a machine spec (YAML or JSON, docs/spec-format.md). Every error names the file, line and
 * column of the offending node: `machine.yaml:14:9: devices[2].bars[0].size: expected … [E_SCHEMA]`.
 */
export function loadSpec(input: TextInput): LoadResult {
  const src = parseSource(input);
  return new SpecBuilder(validate(src), src).build();
}

/**
 * Loads a spec that is already plain data (the JSON `peerdma serve` hands the page): the same
 * schema and builder as loadSpec without a YAML parse (seconds for a machine of thousands of
 * functions); an error names the file and the field, there being no line to name.
 */
export function loadSpecValue(name: string, value: unknown): LoadResult {
  const src = plainSource(value, name);
  return new SpecBuilder(validate(src), src).build();
}

/**
 * Compile a spec ahead of time (the bundled examples, at build time): validate it, build it once
 * recording the locations the builder asks for. `loadCompiledSpec` (compiled.ts) replays it.
 */
export function compileSpec(input: TextInput): CompiledSpec {
  const src = parseSource(input);
  const data = validate(src);
  const rec = recordingSource(src);
  new SpecBuilder(data, rec.doc).build();
  return {
    compiledSpec: COMPILED_SPEC_VERSION,
    source: input.text,
    data,
    locations: rec.locations,
  };
}

function validate(src: SourceDoc): MachineSpecDoc {
  const res = MachineSpec.safeParse(src.value);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path, ...keys.slice(0, 1)] as (string | number)[];
    const split = src.commaSplitFrom(path);
    const message =
      split !== null
        ? `'${path.at(-1)}' reads as a field because a comma ends a value inside {…}: quote the value of ${split} (${split}: "…, ${path.at(-1)}")`
        : issue.code === 'unrecognized_keys'
          ? `unknown field '${keys[0]}'`
          : issue.path.length === 0 && (src.value === null || typeof src.value !== 'object')
            ? 'expected a mapping with peerdma: 1 at the top'
            : issue.message;
    throw new PeerdmaError('E_SCHEMA', message, src.locate(path, { key: keys.length > 0 }));
  }
  return res.data;
}

/** True for a YAML or JSON document with a top-level `peerdma: 1` marker. Pure and cheap. */
export function looksLikeSpec(text: string): boolean {
  return (
    /^peerdma:[ \t]*1[ \t]*(?:#.*)?$/m.test(text) ||
    /^\s*\{[\s\S]*"peerdma"\s*:\s*1\b/.test(text.slice(0, 65536))
  );
}
