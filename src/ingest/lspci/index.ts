/**
 * Loader for `lspci` text: the tree (`-tv`, `-tvnn`) and the verbose listing (`-vvv`, `-vvvnn`,
 * with or without `-D`), in one file or several, in any order. Pure: no I/O.
 */
import type { LoadResult, TextInput } from '../types.js';
import { assemble } from './assemble.js';
import { scan } from './scan.js';
import { TreeSection } from './tree.js';
import { VerboseParser } from './verbose.js';

export { MAX_INPUT_BYTES, MAX_LINE_CHARS } from './scan.js';

/** Build a Fabric from lspci outputs. Throws PeerdmaError (E_PARSE, E_TOPOLOGY, E_TOO_LARGE). */
export function loadLspci(inputs: readonly TextInput[]): LoadResult {
  return assemble(scan(inputs));
}

/** True when the text starts (after blank lines and a shell prompt) like lspci -t or -v output. */
export function looksLikeLspci(text: string): boolean {
  let pos = 0;
  for (let seen = 0; seen < 5 && pos < text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text
      .slice(pos, Math.min(nl, pos + 4096))
      .replace(/^\uFEFF/, '')
      .trimEnd();
    pos = nl + 1;
    if (line.trim().length === 0) continue;
    seen++;
    if (TreeSection.isStart(line) || VerboseParser.isHeader(line)) return true;
    if (!/^\s*[$#]\s*(sudo\s+)?lspci\b/.test(line)) return false;
  }
  return false;
}
