/**
 * The bundled example machines (examples/NAME.yaml), addressed as `example:NAME`. The folder is
 * found relative to the package root, so this works from src/ (tsx) and from dist/ (after tsc).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeerdmaError } from '../errors/index.js';
import { type CompiledSpec, isCompiledSpec } from '../ingest/spec/compiled.js';

export const DEFAULT_EXAMPLE = 'default';

export interface ExampleInfo {
  readonly name: string;
  /** `machine.description` of the spec. */
  readonly title: string;
  /** The header comment: what the example demonstrates. */
  readonly description: string;
}

export interface Example {
  readonly name: string;
  readonly path: string;
  readonly text: string;
}

/** The examples folder: `<package root>/examples`, two levels above this file in src/ and dist/. */
export function examplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '..', '../../..']) {
    const dir = join(here, up, 'examples');
    if (existsSync(join(dir, `${DEFAULT_EXAMPLE}.yaml`))) return dir;
  }
  throw new PeerdmaError('E_IO', `cannot find the bundled examples folder near ${here}`);
}

function names(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort((a, b) => (a === DEFAULT_EXAMPLE ? -1 : b === DEFAULT_EXAMPLE ? 1 : a.localeCompare(b)));
}

/** The names of the bundled examples, the default first. */
export function listExampleNames(): string[] {
  return names(examplesDir());
}

export function listExamples(): ExampleInfo[] {
  const dir = examplesDir();
  return names(dir).map((name) => {
    const text = readFileSync(join(dir, `${name}.yaml`), 'utf8');
    return { name, title: titleOf(text), description: headerOf(text, name) };
  });
}

/** The text of `examples/NAME.yaml`; E_NOT_FOUND lists the available names. */
export function readExample(name: string): Example {
  const dir = examplesDir();
  const all = names(dir);
  if (!all.includes(name)) {
    throw new PeerdmaError('E_NOT_FOUND', `no example '${name}'; available: ${all.join(', ')}`);
  }
  const path = join(dir, `${name}.yaml`);
  return { name, path, text: readFileSync(path, 'utf8') };
}

/**
 * Where the build writes the compiled examples (`scripts/compile-examples.mjs`): `dist/examples/`
 * beside this file's folder. From src/ there is none and examples load from YAML.
 */
export function compiledExamplesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
}

/**
 * The compiled form of an example, when the build wrote one from exactly this YAML text (an edited
 * example, a missing or foreign file: null, and the caller loads the YAML).
 */
export function readCompiledExample(
  ex: Example,
  dir: string = compiledExamplesDir(),
): CompiledSpec | null {
  const file = join(dir, `${ex.name}.json`);
  if (!existsSync(file)) return null;
  try {
    const c: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isCompiledSpec(c) && c.source === ex.text ? c : null;
  } catch {
    return null;
  }
}

/** The YAML parser, loaded only by `listExamples` (loading an example must not pay for it). */
const yamlParse = (text: string): unknown =>
  (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

function titleOf(text: string): string {
  try {
    const doc = yamlParse(text) as { machine?: { description?: unknown } } | null;
    const d = doc?.machine?.description;
    return typeof d === 'string' ? d : '';
  } catch {
    return '';
  }
}

function headerOf(text: string, name: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lines.push(line.replace(/^#\s?/, ''));
  }
  return lines
    .join(' ')
    .replace(new RegExp(`^${name}:\\s*`), '')
    .trim();
}
