import { PeerdmaError } from '../errors/index.js';
import { looksLikeHwloc } from './hwloc/index.js';
import { looksLikeLspci } from './lspci/index.js';
import { looksLikeSpec } from './spec/index.js';
import type { InputFormat, TextInput } from './types.js';

/** Detect a text input's format from its content (null: none of ours). */
export function detectTextFormat(text: string): InputFormat | null {
  if (looksLikeHwloc(text)) return 'hwloc';
  if (looksLikeLspci(text)) return 'lspci';
  if (looksLikeSpec(text)) return 'spec';
  return null;
}

/** The one format of every text input, detected from content (typed errors name the file). */
export function detectTexts(texts: readonly TextInput[]): InputFormat {
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
  return f0;
}
