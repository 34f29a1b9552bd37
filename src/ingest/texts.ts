/**
 * Text inputs to a fabric, format detected from content: what `--from FILE[,FILE]` does once the
 * bytes are text, pure so that the CLI's loader and the browser's dropped files share it. lspci may
 * be two files (tree and verbose); every other format is one.
 */
import { PeerdmaError, withFile } from '../errors/index.js';
import { detectTexts } from './detect.js';
import { loadHwloc } from './hwloc/index.js';
import { loadLspci } from './lspci/index.js';
import { loadSpec } from './spec/index.js';
import type { LoadResult, TextInput } from './types.js';

/** Detect and load text inputs (all of one format; lspci may be two files). */
export function loadTexts(texts: readonly TextInput[]): LoadResult {
  const f0 = detectTexts(texts);
  const first = texts[0]!;
  if (f0 !== 'lspci' && texts.length > 1)
    throw new PeerdmaError('E_USAGE', `${f0} input is one file, got ${texts.length}`);
  try {
    if (f0 === 'lspci') return loadLspci(texts);
    if (f0 === 'hwloc') return loadHwloc(first);
    return loadSpec(first);
  } catch (e) {
    throw withFile(e, first.name);
  }
}
