/**
 * Splits each input into tree sections and verbose blocks, in one pass over its lines. Both kinds
 * may follow each other in one file in either order, or come in separate files.
 */
import { PeerdmaError } from '../../errors/index.js';
import { formatBdf } from '../../pci/bdf.js';
import { MAX_INPUT_BYTES } from '../limits.js';
import type { TextInput } from '../types.js';
import { TreeSection } from './tree.js';
import { VerboseParser } from './verbose.js';

export { MAX_INPUT_BYTES };
export const MAX_LINE_CHARS = 64 * 1024;

export interface Scanned {
  readonly trees: TreeSection[];
  readonly verbose: VerboseParser;
  /** Lines skipped as not lspci's (shell prompts, pcilib messages), for a warning. */
  readonly skipped: { file: string; line: number }[];
  /**
   * Inputs whose last verbose block has no closing blank line (lspci prints one after every
   * function): the output was probably cut off inside that function.
   */
  readonly unterminated: { file: string; line: number; bdf: string }[];
  readonly fileNames: string[];
}

/** UTF-8 size of a string, counted only when it could be over the limit. */
function overLimit(text: string): number | null {
  if (text.length > MAX_INPUT_BYTES) return text.length;
  if (text.length * 3 <= MAX_INPUT_BYTES) return null;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 2 : 3;
  }
  return bytes > MAX_INPUT_BYTES ? bytes : null;
}

const isNoise = (t: string): boolean =>
  t.startsWith('pcilib:') || /^\s*[$#]\s*(sudo\s+)?lspci\b/.test(t.slice(0, 200));

export function scan(inputs: readonly TextInput[]): Scanned {
  const out: Scanned = {
    trees: [],
    verbose: new VerboseParser(),
    skipped: [],
    unterminated: [],
    fileNames: inputs.map((i) => i.name),
  };
  for (const input of inputs) scanOne(input, out);
  return out;
}

function scanOne(input: TextInput, out: Scanned): void {
  const { name, text } = input;
  const size = overLimit(text);
  if (size !== null) {
    throw new PeerdmaError('E_TOO_LARGE', `input is ${size} bytes, over the 256 MiB limit`, {
      file: name,
    });
  }
  const v = out.verbose;
  let tree: TreeSection | null = null;
  let pos = 0;
  let no = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    no++;
    if (nl - pos > MAX_LINE_CHARS) {
      throw new PeerdmaError('E_TOO_LARGE', `line is over ${MAX_LINE_CHARS} characters`, {
        file: name,
        line: no,
      });
    }
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (no === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    const c = line[0];
    if (c === undefined || line.trim().length === 0) {
      tree = null;
      v.end();
      continue;
    }
    if (tree && TreeSection.isContinuation(line)) {
      tree.add(line, no);
      continue;
    }
    if (TreeSection.isStart(line)) {
      v.end();
      tree = new TreeSection(name);
      out.trees.push(tree);
      tree.add(line, no);
      continue;
    }
    tree = null;
    if (c === '\t' || c === ' ') {
      if (!v.inBlock && isNoise(line)) continue;
      v.field(line, name, no);
      continue;
    }
    if (VerboseParser.isHeader(line)) {
      v.header(line, name, no);
      continue;
    }
    if (isNoise(line)) {
      out.skipped.push({ file: name, line: no });
      continue;
    }
    throw new PeerdmaError('E_PARSE', `not lspci -t or -v output: '${line.slice(0, 120)}'`, {
      file: name,
      line: no,
      column: 1,
    });
  }
  const open = v.current;
  if (open !== null) out.unterminated.push({ file: name, line: no, bdf: formatBdf(open.addr) });
  v.end();
}
