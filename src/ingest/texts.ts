/**
 * Text inputs to a fabric, format detected from content: what `--from FILE[,FILE]` does once the
 * bytes are text, pure so that the CLI's loader and the browser's dropped files share it. lspci may
 * be two files (tree and verbose); every other format is one.
 */
import { PeerdmaError, withFile } from '../errors/index.js';
import { detectTextFormat } from './detect.js';
import { loadHwloc } from './hwloc/index.js';
import { loadLspci } from './lspci/index.js';
import { loadSpec } from './spec/index.js';
import type { LoadResult, TextInput } from './types.js';

/** Detect and load text inputs (all of one format; lspci may be two files). */
export function loadTexts(texts: readonly TextInput[]): LoadResult {
  const formats = texts.map((t) => {
    const f = detectTextFormat(t.text);
    if (f === null) {
      throw new PeerdmaError(
        'E_FORMAT_UNKNOWN',
        'not a sysfs capture, lspci output, hwloc XML or peerdma spec (use --format to force one)',
        { file: t.name, line: 1 },
      );
    }
    return f;
  });
  const f0 = formats[0]!;
  const other = formats.findIndex((f) => f !== f0);
  if (other >= 0) {
    throw new PeerdmaError('E_USAGE', `inputs mix formats: ${f0} and ${formats[other]}`, {
      file: texts[other]!.name,
    });
  }
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
