import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { PeerdmaError, type SourceLocation } from '../../errors/index.js';
import { MAX_NESTING, nestingBound } from '../../util/nesting.js';
import type { TextInput } from '../types.js';

export type Path = readonly (string | number)[];

/** A parsed YAML/JSON document that can say where any path of it sits in the text. */
export interface SourceDoc {
  readonly value: unknown;
  locate(path: Path, opts?: { key?: boolean }): SourceLocation;
  /**
   * When the last key of `path` sits in a flow map (`{…}`) with no `:` after it and follows another
   * key — what is left of a plain value that held a comma (`{model: Foo, Bar}` reads as a key
   * `Bar`) — the key before it (`model`); else null.
   */
  commaSplitFrom(path: Path): string | null;
}

/** `devices[2].bars[0].size` */
export function formatPath(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** A hand-written machine is a few KB; a spec written from a 10,000-function capture ~10 MB. */
export const MAX_SPEC_CHARS = 32 * 1024 * 1024;

/** Parse YAML (or JSON, a subset) keeping node ranges. Syntax errors → E_PARSE with line/column. */
export function parseSource(input: TextInput): SourceDoc {
  if (input.text.length > MAX_SPEC_CHARS) {
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `spec of ${input.text.length} characters is over the ${MAX_SPEC_CHARS / 1024 / 1024} Mi-character limit`,
      { file: input.name },
    );
  }
  refuseDeepNesting(input.text, input.name);
  const lc = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const first = doc.errors[0];
  if (first !== undefined) {
    const json = jsonSyntaxError(input.text);
    throw new PeerdmaError('E_PARSE', json?.message ?? first.message.split('\n')[0]!, {
      file: input.name,
      ...at(json?.offset ?? first.pos[0]),
    });
  }
  const locate = (path: Path, opts: { key?: boolean } = {}): SourceLocation => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === seg);
        if (pair && opts.key && i === path.length - 1 && isScalar(pair.key) && pair.key.range) {
          offset = pair.key.range[0];
          break;
        }
        next = pair?.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      const range = (next as Node | undefined)?.range;
      if (next === undefined || next === null || !range) break;
      node = next;
      offset = range[0];
    }
    return { file: input.name, ...at(offset), field: formatPath(path) || '(document)' };
  };
  // Integers beyond 2^53 lost precision when parsed: refuse them where they stand.
  const big = findUnsafeInt(doc.contents, []);
  if (big !== null) {
    throw new PeerdmaError(
      'E_SCHEMA',
      'integer beyond 2^53 loses precision: write it as a 0x… hex string or a size like 64GiB',
      locate(big),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new PeerdmaError('E_PARSE', e instanceof Error ? e.message : String(e), {
      file: input.name,
    });
  }
  const commaSplitFrom = (path: Path): string | null => {
    let node: unknown = doc.contents;
    for (const seg of path.slice(0, -1)) {
      if (isMap(node))
        node = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === seg)?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return null;
    }
    if (!isMap(node) || !node.flow) return null;
    const at = node.items.findIndex((it) => isScalar(it.key) && it.key.value === path.at(-1));
    const prev = node.items[at - 1];
    if (at < 1 || node.items[at]!.value !== null || !prev || !isScalar(prev.key)) return null;
    return isScalar(prev.value) && typeof prev.value.value === 'string'
      ? String(prev.key.value)
      : null;
  };
  return { value, locate, commaSplitFrom };
}

/** E_TOO_LARGE for a text nested deeper than MAX_NESTING, before the recursive parser sees it. */
export function refuseDeepNesting(text: string, file: string): void {
  const { depth, line } = nestingBound(text);
  if (depth > MAX_NESTING) {
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `nested more than ${MAX_NESTING} levels deep (indentation or brackets)`,
      { file, line },
    );
  }
}

/**
 * A document that opens with `{` is meant as JSON: the YAML parser's complaint about flow maps
 * would puzzle its author, so report JSON.parse's instead (with its offset when it gives one).
 */
function jsonSyntaxError(text: string): { message: string; offset: number } | null {
  if (!/^\s*\{/.test(text)) return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /at position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : text.trimEnd().length;
    return { message: `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, offset };
  }
}

function findUnsafeInt(node: unknown, path: (string | number)[]): Path | null {
  if (isScalar(node)) {
    const v = node.value;
    return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? path : null;
  }
  if (isMap(node)) {
    for (const it of node.items) {
      const k = isScalar(it.key) ? it.key.value : undefined;
      const hit = findUnsafeInt(it.value, [...path, typeof k === 'number' ? k : String(k)]);
      if (hit) return hit;
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const hit = findUnsafeInt(node.items[i], [...path, i]);
      if (hit) return hit;
    }
  }
  return null;
}
