/**
 * /sys/kernel/debug/dma_buf/bufinfo, as `dma_buf_debug_show()` (drivers/dma-buf/dma-buf.c) prints it.
 * The formats, by the kernels that print them:
 *
 * - `exp_name` (v3.15 – v5.2): header `size\tflags\tmode\tcount\texp_name` (padded `%-8s` from
 *   v4.12), rows `%08zu\t%08x\t%08x\t%08ld\t%s`.
 * - `exp_name+ino` (v5.3, with DMA_BUF_SET_NAME): header `…\texp_name\t%-8s` ("ino"), rows
 *   `…\t%s\t%08lu\t%s` — the name printed as "" when unset.
 * - `exp_name+ino+name` (a 2022 patch, after v5.17's dma_resv_describe; the release that took it
 *   is not pinned here): header `…\tino     \tname`, the name `<none>` when unset.
 * The format is told from the header line, never from a version.
 *
 * After each row: fence lines (`\tExclusive fence: …` / `\tShared fence: …` before v5.17,
 * `\t<usage> fence:<driver> <timeline> seq N [un]signalled` from dma_resv_describe after),
 * `\tAttached Devices:`, one `\t<dev_name>` per attachment, `Total N devices attached`, a blank
 * line; at the end `Total N objects, M bytes`. A line that fits none of these is E_PARSE naming the
 * file and line.
 */
import { PeerdmaError } from '../errors/index.js';
import type { Bufinfo, BufinfoFormat, BufinfoObject } from './types.js';

const ROW_RE = /^(\d+)\t([0-9a-f]{8})\t([0-9a-f]{8})\t(\d+)\t(.*)$/;
const DEVICES_TOTAL_RE = /^Total (\d+) devices attached$/;
const OBJECTS_TOTAL_RE = /^Total (\d+) objects, (\d+) bytes$/;

interface Building {
  line: number;
  size: bigint;
  flags: number;
  mode: number;
  count: number;
  exporter: string;
  ino: number | null;
  name: string | null;
  fences: string[];
  attached: string[];
  inDevices: boolean;
}

export function parseBufinfo(text: string, file: string): Bufinfo {
  const lines = text.split('\n');
  const fail = (i: number, why: string): PeerdmaError =>
    new PeerdmaError('E_PARSE', `bufinfo: ${why}`, { file, line: i + 1 });
  let format: BufinfoFormat | null = null;
  const objects: BufinfoObject[] = [];
  let cur: Building | null = null;
  let total: Bufinfo['total'] = null;
  const close = () => {
    if (cur === null) return;
    const { inDevices: _, ...o } = cur;
    objects.push(o);
    cur = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    if (format === null) {
      if (line === 'Dma-buf Objects:') continue;
      format = headerFormat(line);
      if (format === null)
        throw fail(
          i,
          `expected the 'size flags mode count exp_name …' header, got '${clip(line)}'`,
        );
      continue;
    }
    if (line.startsWith('\t')) {
      const body = line.replace(/^\t+/, '');
      if (cur === null) throw fail(i, `'${clip(body)}' outside any object`);
      if (body === 'Attached Devices:') cur.inDevices = true;
      else if (cur.inDevices) cur.attached.push(body);
      else if (/fence:/.test(body)) cur.fences.push(body);
      else throw fail(i, `expected a fence line or 'Attached Devices:', got '${clip(body)}'`);
      continue;
    }
    const dt = DEVICES_TOTAL_RE.exec(line);
    if (dt) {
      if (cur === null) throw fail(i, "'Total … devices attached' outside any object");
      const building: Building = cur;
      if (Number(dt[1]) !== building.attached.length)
        throw fail(i, `says ${dt[1]} devices attached, ${building.attached.length} listed`);
      close();
      continue;
    }
    const ot = OBJECTS_TOTAL_RE.exec(line);
    if (ot) {
      close();
      total = { objects: Number(ot[1]), bytes: BigInt(ot[2]!) };
      continue;
    }
    close();
    cur = row(line, i, format, fail);
  }
  close();
  if (format === null) throw fail(Math.max(0, lines.length - 1), 'no header line');
  return { format, objects, total };
}

function headerFormat(line: string): BufinfoFormat | null {
  const cols = line.split('\t').map((c) => c.trim());
  const base = ['size', 'flags', 'mode', 'count', 'exp_name'];
  if (!base.every((c, k) => cols[k] === c)) return null;
  const rest = cols.slice(5).join(' ');
  if (rest === '') return 'exp_name';
  if (rest === 'ino') return 'exp_name+ino';
  if (rest === 'ino name') return 'exp_name+ino+name';
  return null;
}

function row(
  line: string,
  i: number,
  format: BufinfoFormat,
  fail: (i: number, why: string) => PeerdmaError,
): Building {
  const m = ROW_RE.exec(line);
  if (!m)
    throw fail(
      i,
      `expected an object row 'size\\tflags\\tmode\\tcount\\texp_name…', got '${clip(line)}'`,
    );
  let exporter = m[5]!;
  let ino: number | null = null;
  let name: string | null = null;
  if (format !== 'exp_name') {
    // exp_name never holds a tab; the name (set from user space) may: it is the rest of the line.
    const parts = exporter.split('\t');
    if (parts.length < 3 || !/^\d+$/.test(parts[1]!))
      throw fail(i, `expected '…\\texp_name\\tino\\tname', got '${clip(line)}'`);
    exporter = parts[0]!;
    ino = Number(parts[1]);
    const raw = parts.slice(2).join('\t');
    name = raw === '' || (format === 'exp_name+ino+name' && raw === '<none>') ? null : raw;
  }
  return {
    line: i + 1,
    size: BigInt(m[1]!),
    flags: Number.parseInt(m[2]!, 16),
    mode: Number.parseInt(m[3]!, 16),
    count: Number(m[4]),
    exporter,
    ino,
    name,
    fences: [],
    attached: [],
    inDevices: false,
  };
}

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s).replace(/\t/g, '\\t');
