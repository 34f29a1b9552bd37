/**
 * /proc/<pid>/fdinfo/<fd> of a dma-buf fd: the generic lines (fs/proc/fd.c: `pos`, `flags` in
 * octal, `mnt_id`, `ino` from v5.14) then `dma_buf_show_fdinfo()`'s `size:\t%zu`, `count:\t%ld`,
 * `exp_name:\t%s` and, when set, `name:\t%s` (v5.13+). Only dma-buf fds are read here (their
 * `fd/N` link says `/dmabuf:…` or `anon_inode:dmabuf`); without `exp_name` → null.
 * A line without `key:` is E_PARSE naming file and line; so is a dma-buf fd missing `size`.
 */
import { PeerdmaError } from '../errors/index.js';
import type { DmaBufFdinfo } from './types.js';

const LINE_RE = /^([A-Za-z_][A-Za-z0-9_-]*):\s*(.*)$/;

export function parseFdinfo(text: string, file: string): DmaBufFdinfo | null {
  const fields = new Map<string, { value: string; line: number }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const m = LINE_RE.exec(line);
    if (!m) {
      throw new PeerdmaError(
        'E_PARSE',
        `fdinfo: expected 'key:\\tvalue', got '${line.slice(0, 60)}'`,
        {
          file,
          line: i + 1,
        },
      );
    }
    if (!fields.has(m[1]!)) fields.set(m[1]!, { value: m[2]!, line: i + 1 });
  }
  const exp = fields.get('exp_name');
  if (exp === undefined) return null;
  const num = (key: string, re: RegExp, required: boolean): string | null => {
    const f = fields.get(key);
    if (f === undefined) {
      if (!required) return null;
      throw new PeerdmaError('E_PARSE', `fdinfo: a dma-buf fd without '${key}:'`, {
        file,
        line: exp.line,
      });
    }
    if (!re.test(f.value.trim()))
      throw new PeerdmaError('E_PARSE', `fdinfo: '${key}:' is not a number: '${f.value}'`, {
        file,
        line: f.line,
      });
    return f.value.trim();
  };
  const size = num('size', /^\d+$/, true)!;
  const count = num('count', /^-?\d+$/, true)!;
  const ino = num('ino', /^\d+$/, false);
  const flags = num('flags', /^[0-7]+$/, false);
  return {
    size: BigInt(size),
    count: Number(count),
    exporter: exp.value.trim(),
    name: fields.get('name')?.value ?? null,
    ino: ino === null ? null : Number(ino),
    flags: flags === null ? null : Number.parseInt(flags, 8),
  };
}
