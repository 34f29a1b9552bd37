import { looksLikeHwloc } from './hwloc/index.js';
import { looksLikeLspci } from './lspci/index.js';
import { looksLikeSpec } from './spec/index.js';
import type { InputFormat } from './types.js';

/** Detect a text input's format from its content (null: none of ours). */
export function detectTextFormat(text: string): InputFormat | null {
  if (looksLikeHwloc(text)) return 'hwloc';
  if (looksLikeLspci(text)) return 'lspci';
  if (looksLikeSpec(text)) return 'spec';
  return null;
}
