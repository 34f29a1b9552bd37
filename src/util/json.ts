import { hex } from './hex.js';

/** 64-bit values as hex strings, the convention of every `--json` document (docs/json.md). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? hex(value) : value;
}

/**
 * JSON.stringify without a replacer first (several times faster: most documents hold their 64-bit
 * values as hex strings already); JSON.stringify refuses a BigInt with a TypeError, and then the
 * replacer (which should change bigints only) writes it. The text is the same either way.
 */
export function stringifyJson(
  x: unknown,
  replacer: (key: string, value: unknown) => unknown = bigintReplacer,
  space?: number,
): string {
  try {
    return JSON.stringify(x, null, space);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(x, replacer, space);
  }
}

/**
 * A document as every `--json` command prints it (indent 2, 64-bit values as hex), without the
 * final newline, each line after the first starting with `indent`: the text of a value nested
 * that deep in a pretty-printed document.
 */
export function prettyJson(x: unknown, indent = ''): string {
  const text = stringifyJson(x, bigintReplacer, 2);
  return indent === '' ? text : text.replace(/\n/g, `\n${indent}`);
}
