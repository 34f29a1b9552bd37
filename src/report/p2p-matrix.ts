/**
 * `peerdma matrix` rendered (src/app/matrix.ts): every endpoint pair laid out like
 * `nvidia-smi topo -m` with a legend, its JSON, and the P2P section of `peerdma report`.
 */
import type { CompactMatrix, MatrixView, P2pSummary, PairDetail } from '../app/matrix.js';
import type { MatrixShow } from '../app/options.js';
import { LOCALITY_CODES } from '../app/options.js';
import { rulesChoiceData } from '../p2pdma/kernel-release.js';
import { LOCALITY_LEGEND } from '../p2pdma/locality.js';
import {
  cellDistance,
  cellMapType,
  distanceRows,
  MT_BUS_ADDR,
  MT_NOT_SUPPORTED,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
  matrixDevices,
} from '../p2pdma/matrix.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { prettyJson, stringifyJson } from '../util/json.js';
import { deviceLabels, numaWithCpus } from './device-names.js';
import { findingHint, findingText } from './findings.js';
import { columnGroups, hex4, PIECE_CHARS, Pieces } from './format.js';
import { hintText, issueText, P2P_SCHEMA_VERSION, rulesLines } from './p2p-text.js';

export type { MatrixShow };

const MT_SHORT = ['NS', 'BUS', 'THB', '?'];

/** nvidia-smi's "NUMA Affinity" column: the function's node, else its host bridge's; -1 → N/A. */
function numaOf(fabric: Fabric, f: PciFunction): string {
  const n = isKnown(f.numaNode) ? f.numaNode : fabric.hostBridge(f.hostBridge).numaNode;
  if (!isKnown(n)) return '?';
  return n < 0 ? 'N/A' : String(n);
}

export interface MatrixTextOptions {
  /**
   * Wrap at this many columns: a matrix wider than that is printed in groups of client columns,
   * each with the row heads again. null/absent: one block however wide (piped output).
   */
  readonly width?: number | null;
}

/** The matrix as one string (`renderMatrixPieces` joined). */
export function renderMatrix(
  view: MatrixView,
  show: MatrixShow,
  opts: MatrixTextOptions = {},
): string {
  return [...renderMatrixPieces(view, show, opts)].join('');
}

/**
 * The matrix text in pieces of about `pieceChars` characters, each ending with a line's '\n' (so
 * line-local transforms such as colour or the ASCII fallback may be applied piece by piece): a
 * 4,096-device matrix (~117 MB of text) is written without ever being one string.
 */
export function* renderMatrixPieces(
  view: MatrixView,
  show: MatrixShow,
  opts: MatrixTextOptions = {},
  pieceChars: number = PIECE_CHARS,
): Generator<string, void, undefined> {
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  const hidden = matrixDevices(fabric, { all: true }).length - devs.length;
  if (devs.length === 0) {
    yield `no devices to compare${hidden > 0 ? ' (try --all)' : ''}\n`;
    return;
  }
  const names = deviceLabels(devs);
  const labels = names.labels;
  // nvidia-smi heads the columns with the device names; long names fall back to D0, D1, …
  const named = labels.every((l) => l.length <= 8);
  const heads = named ? labels : devs.map((_, j) => `D${j}`);
  const w = Math.max(5, ...labels.map((l) => l.length)) + 1;
  const rowHeads = labels.map((l, i) => (named ? '' : `D${i}`.padEnd(5)) + l.padEnd(w));
  const headW = named ? w : 5 + w;
  const cw = Math.max(5, ...heads.map((h) => h.length + 1));
  const cells = new CellTexts(view, show, cw);
  // Column groups: as many client columns as fit beside the row heads (at least one).
  const n = devs.length;
  const groups = columnGroups(n, headW, cw, opts.width ?? null);
  // Map types and distances (the class comes from the view). One group: each row read once from
  // the matrix (its tables are never filled); several: the tables, filled on first read.
  const byCell = show !== 'class';
  const mt = new Int8Array(n);
  const d = distanceRows(matrix);
  const out = new Pieces(pieceChars);
  /** For lists of lines (`forEach`). */
  const line = (l: string) => out.line(l);
  for (const [start, end] of groups) {
    const last = end === n;
    if (groups.length > 1) {
      if (start > 0) out.line('');
      out.line(`clients ${start + 1}-${end} of ${n}:`);
    }
    out.line(
      `${''.padEnd(headW)}${heads
        .slice(start, end)
        .map((h) => h.padStart(cw))
        .join('')}${last ? '  NUMA' : ''}`,
    );
    for (let i = 0; i < n; i++) {
      out.text(rowHeads[i]!);
      if (!byCell) for (let j = start; j < end; j++) out.text(cells.text(i, j, 0, 0));
      else if (groups.length === 1) {
        // Distances only when they are shown (row() skips them for null).
        matrix.row(i, mt, show === 'distance' ? d : null);
        for (let j = start; j < end; j++) out.text(cells.text(i, j, mt[j]!, d[j]!));
      } else
        for (let j = start; j < end; j++)
          out.text(cells.text(i, j, cellMapType(matrix, i, j), cellDistance(matrix, i, j)));
      // A row of a group before the last ends with a cell (never a space): nothing to trim.
      if (last) out.line(`  ${numaWithCpus(numaOf(fabric, devs[i]!), devs[i]!)}`);
      else out.text('\n');
      if (out.full) yield out.take();
    }
  }
  if (hidden > 0)
    [
      '',
      `${hidden} of ${hidden + n} non-bridge functions not shown (not a GPU, accelerator, NIC or NVMe and no memory BAR of 1 MiB or more, or not in --class); --all shows them`,
    ].forEach(line);
  ['', 'rows: provider (memory owner), columns: client (DMA initiator)'].forEach(line);
  rulesLines(rulesChoiceData(view.choice)).forEach(line);
  legend(show).forEach(line);
  out.line(
    '  NUMA = the device\'s NUMA node (nvidia-smi "NUMA Affinity"); N/A: none; ?: not in the input',
  );
  if (devs.some((x) => x.cpulist !== undefined))
    out.line('  CPUs = the CPUs near the device (local_cpulist; nvidia-smi "CPU Affinity")');
  if (names.legend.length > 0) ['', ...names.legend].forEach(line);
  if (env.overlay.bootLog.length)
    ['', 'boot log (command line):', ...env.overlay.bootLog.map((l) => `  ${l}`)].forEach(line);
  yield out.take();
}

/** The text of a matrix cell, padded to the column width: made once per distinct text. */
class CellTexts {
  readonly #view: MatrixView;
  readonly #show: MatrixShow;
  readonly #cw: number;
  /** maptype: by map type; [4]: the diagonal's X. */
  readonly #mapTypes: string[];
  /** distance: by distance * 2 (+1 when undecided); class: by class. */
  readonly #cache = new Map<number | string, string>();

  constructor(view: MatrixView, show: MatrixShow, cw: number) {
    this.#view = view;
    this.#show = show;
    this.#cw = cw;
    this.#mapTypes = [...MT_SHORT, 'X'].map((s) => s.padStart(cw));
  }

  /** Cell (i, j) with map type `t` and distance `d` (class: not read). */
  text(i: number, j: number, t: number, d: number): string {
    if (this.#show === 'maptype') return this.#mapTypes[i === j && t === MT_BUS_ADDR ? 4 : t]!;
    const key: number | string =
      this.#show === 'class' ? this.#view.locality(i, j) : d * 2 + (t === MT_UNCERTAIN ? 1 : 0);
    let s = this.#cache.get(key);
    if (s === undefined) {
      if (typeof key === 'string') s = key === 'unknown' ? '?' : key;
      else s = t === MT_UNCERTAIN ? `${d}?` : String(d);
      s = s.padStart(this.#cw);
      this.#cache.set(key, s);
    }
    return s;
  }
}

export function legend(show: MatrixShow): string[] {
  if (show === 'class')
    return [
      'Legend:',
      ...LOCALITY_LEGEND.map(([k, d]) => `  ${k.padEnd(4)} = ${d}`),
      '  ?    = NUMA node of a host bridge unknown',
      '  (nvidia-smi also shows NV# for bonded NVLinks; peerdma sees PCIe only)',
    ];
  if (show === 'distance')
    return [
      'Legend:',
      '  n  = pci_p2pdma_distance() (hops via the common upstream device, or over both full chains)',
      '  -1 = refused (NOT_SUPPORTED)',
      '  n? = undecided: a missing fact decides between n and -1 (run `peerdma check`)',
    ];
  return [
    'Legend:',
    '  X   = the device itself (BUS_ADDR, distance 0)',
    '  BUS = BUS_ADDR: traffic turns around below the host bridge; the client uses PCI bus addresses',
    '  THB = THRU_HOST_BRIDGE: through the root complex; mapped like ordinary memory (IOMMU)',
    '  NS  = NOT_SUPPORTED: refused (-1); mapping fails with -EREMOTEIO',
    '  ?   = undecided: a missing fact decides it (run `peerdma check A B` for which)',
  ];
}

/** One ordered pair of `matrix --json --pairs`, in full. */
function pairRecord(p: PairDetail): object {
  return {
    provider: p.provider,
    client: p.client,
    mapType: p.mapType,
    distance: p.distance,
    class: p.class,
    path: p.path,
    acsBridges: p.acsBridges,
    issues: p.issues.map((x) => ({ ...x, text: issueText(x), hintText: hintText(x) })),
    ...(p.possible !== undefined ? { possible: p.possible, missing: p.missing } : {}),
  };
}

/** The fields of `matrix --json --pairs` before its `pairs`. */
function pairsHead(view: MatrixView) {
  const { env, matrix } = view;
  return {
    schemaVersion: P2P_SCHEMA_VERSION,
    ruleSet: env.rules.name,
    ...(env.rules.caveat ? { ruleSetNote: env.rules.caveat } : {}),
    rules: rulesChoiceData(view.choice),
    bootLog: env.overlay.bootLog,
    devices: matrix.devices.map((d) => d.bdf),
    labels: deviceLabels(matrix.devices).labels,
  };
}

/** `matrix --json --pairs`: every ordered pair in full, both directions (schemaVersion 1). */
export function matrixJson(view: MatrixView): object {
  const pairs: object[] = [];
  let walked = 0;
  for (const p of view.pairs()) {
    if (p.walked) walked++;
    pairs.push(pairRecord(p));
  }
  return { ...pairsHead(view), pairs, stats: { pairs: pairs.length, walked } };
}

/**
 * `matrix --json --pairs` as text in pieces of about `chunkChars`: exactly what printing
 * `matrixJson(view)` with two-space indentation gives (without the final newline), but one pair
 * at a time, so 16.7 M pairs (~1.8 KB each) stream out instead of being held.
 */
export function* matrixPairsChunks(view: MatrixView, chunkChars = 1 << 16): Generator<string> {
  let out = `${prettyJson(pairsHead(view)).slice(0, -2)},\n  "pairs": [`;
  let pairs = 0;
  let walked = 0;
  for (const p of view.pairs()) {
    if (p.walked) walked++;
    out += `${pairs++ === 0 ? '' : ','}\n    ${prettyJson(pairRecord(p), '    ')}`;
    if (out.length >= chunkChars) {
      yield out;
      out = '';
    }
  }
  yield `${out}${pairs === 0 ? ']' : '\n  ]'},\n  "stats": ${prettyJson({ pairs, walked }, '  ')}\n}`;
}

export interface P2pSectionOptions {
  /** How many notable findings to list (default 8). */
  readonly maxFindings?: number;
  /** Above this many devices the section gives counts and findings without the grid (default 64). */
  readonly maxDevices?: number;
}

/** For `peerdma report`: a compact map-type matrix plus the notable findings. */
export function renderP2pSection(sum: P2pSummary, opts: P2pSectionOptions = {}): string {
  const { view, counts } = sum;
  const n = view.matrix.devices.length;
  // A grid of thousands of columns informs nobody (and costs a string per cell): say where it is.
  const out =
    n <= (opts.maxDevices ?? 64)
      ? [renderMatrix(view, 'maptype').trimEnd()]
      : [
          `${n} devices: the grid is left out of the report (peerdma matrix [--class …] draws it; --json gives every pair, ≈4 B each)`,
        ];
  const max = opts.maxFindings ?? 8;
  // Distinct findings by wording; refusals and fixable causes before informational ones.
  const found = new Map<string, number>();
  for (const { finding, rank } of sum.notable) {
    const h = findingHint(finding);
    const text = `  - ${findingText(finding)}${h ? `\n      fix: ${h}` : ''}`;
    found.set(text, Math.min(found.get(text) ?? rank, rank));
  }
  const findings = [...found].sort((a, b) => a[1] - b[1]).map(([text]) => text);
  if (sum.crossPairs > 0) {
    findings.push(
      `  - ${sum.crossPairs} pair(s) share no upstream bridge below the host bridge; whether they may go through the root complex is the host-bridge rule's call (see \`peerdma check A B\`)`,
    );
  }
  if (sum.allowlisted.size > 0) {
    const what = (a: { entry: string | null; ids: readonly number[] | null }) =>
      `${a.entry ?? 'allowlisted'}${a.ids ? ` ${hex4(a.ids[0]!)}:${hex4(a.ids[1]!)}` : ''}`;
    const kinds = [...new Set([...sum.allowlisted.values()].map(what))].join('; ');
    findings.push(
      `  - the ${view.env.rules.name} allowlist opens the host-bridge route on ${[...sum.allowlisted.keys()].sort().join(', ')} (${kinds})`,
    );
  }
  if (sum.acsPorts.length > 0) {
    // One parameter for the whole machine: the union of every pair's ACS list.
    const ports = sum.acsPorts;
    findings.unshift(
      `  - ACS redirect on ${ports.length} port(s) sends ${sum.acsPairs} pair(s) up to the root complex instead of turning around below it: ${ports.join(', ')}\n      fix: add the kernel parameter: pci=disable_acs_redir=${ports.join(';')}`,
    );
  }
  out.push(
    '',
    `pairs of distinct devices (ordered): ${counts[MT_BUS_ADDR]} BUS_ADDR, ${counts[MT_THRU_HOST_BRIDGE]} THRU_HOST_BRIDGE, ${counts[MT_NOT_SUPPORTED]} NOT_SUPPORTED, ${counts[MT_UNCERTAIN]} undecided`,
  );
  if (findings.length) {
    out.push('notable findings:', ...findings.slice(0, max));
    if (findings.length > max) out.push('  … and more (peerdma matrix --json)');
  }
  return `${out.join('\n')}\n`;
}

export const MATRIX_SCHEMA_VERSION = 2;

const MT_NAMES = ['NOT_SUPPORTED', 'BUS_ADDR', 'THRU_HOST_BRIDGE', 'uncertain'];

/**
 * A byte buffer the document is written into (ASCII digits and punctuation directly, JSON text
 * through UTF-8), handed out as chunks of about `chunkBytes`. A chunk's memory is never written
 * again unless the consumer hands it back through `free` (a stream keeps a chunk until written).
 */
class ByteChunks {
  #buf: Uint8Array;
  /** Where the next byte goes in the buffer. */
  at = 0;
  readonly #chunkBytes: number;
  readonly #free: Uint8Array[];
  readonly #utf8 = new TextEncoder();

  constructor(chunkBytes: number, free: Uint8Array[]) {
    this.#chunkBytes = Math.max(1, chunkBytes);
    this.#free = free;
    this.#buf = this.#fresh();
  }

  /** A buffer the consumer is done with, else a new one. */
  #fresh(): Uint8Array {
    const b = this.#free.pop();
    // Room for a chunk and one more row as long as a chunk (a chunk is taken after the row that
    // fills it), so that a long row rarely grows the buffer; pages never written cost nothing.
    return b === undefined ? new Uint8Array(2 * this.#chunkBytes + 4096) : new Uint8Array(b.buffer);
  }

  /** Room for `k` more bytes. */
  room(k: number): Uint8Array {
    if (this.at + k > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.at + k));
      grown.set(this.#buf.subarray(0, this.at));
      this.#buf = grown;
    }
    return this.#buf;
  }

  /** JSON text (any characters) as UTF-8. */
  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const buf = this.room(s.length * 3);
    this.at += this.#utf8.encodeInto(s, buf.subarray(this.at)).written;
  }

  /** ASCII punctuation and numbers. */
  ascii(s: string): void {
    const buf = this.room(s.length);
    let at = this.at;
    for (let k = 0; k < s.length; k++) buf[at++] = s.charCodeAt(k);
    this.at = at;
  }

  /** A non-negative integer in decimal. */
  uint(v: number): void {
    this.at = putInt(this.room(10), this.at, v);
  }

  /** Whether a chunk is due. */
  get full(): boolean {
    return this.at >= this.#chunkBytes;
  }

  /** What was written since the last take (another buffer continues). */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.at);
    this.#buf = this.#fresh();
    this.at = 0;
    return out;
  }
}

/** An integer in decimal at `at` of `buf` (as `String(v)` spells it); the position after it. */
function putInt(buf: Uint8Array, at: number, v: number): number {
  // The common cases inline: one digit, two digits, -1 (refused).
  if (v >= 0 && v < 10) buf[at++] = 0x30 + v;
  else if (v >= 10 && v < 100) {
    buf[at++] = 0x30 + ((v / 10) | 0);
    buf[at++] = 0x30 + (v % 10);
  } else if (v === -1) {
    buf[at++] = 0x2d;
    buf[at++] = 0x31;
  } else {
    const s = String(v);
    for (let x = 0; x < s.length; x++) buf[at++] = s.charCodeAt(x);
  }
  return at;
}

/** The longest text of an asciiTable, in bytes. */
function longest(t: { off: Int32Array }): number {
  let m = 0;
  for (let k = 0; k + 1 < t.off.length; k++) m = Math.max(m, t.off[k + 1]! - t.off[k]!);
  return m;
}

/** ASCII text as bytes, one after the other, and where each starts (`off[k]`…`off[k + 1]`). */
function asciiTable(texts: readonly string[]): { bytes: Uint8Array; off: Int32Array } {
  const off = new Int32Array(texts.length + 1);
  let size = 0;
  for (const t of texts) size += t.length;
  const bytes = new Uint8Array(size);
  let at = 0;
  texts.forEach((t, k) => {
    off[k] = at;
    for (let x = 0; x < t.length; x++) bytes[at++] = t.charCodeAt(x);
  });
  off[texts.length] = at;
  return { bytes, off };
}

/**
 * The row written last, so that the next one can be written as a copy of its bytes (a memcpy per
 * run of equal cells instead of a loop per byte) with only the cells that differ written again.
 * Rows of the devices of one group differ only on the diagonal, and neighbouring groups' rows in a
 * few cells. A row is a head, its cells, and a tail; the caller finds the cells that differ
 * (`add`) and writes the first row, or any row that differs too much, itself (`done`).
 * The last row stays in the chunk it was written to: a chunk is handed out (`take`) only after a
 * whole row, and a chunk handed back is filled again only at the next `take`, after the next row.
 */
class RowCopy {
  /** Where cell k of the last row starts, from the row's first byte; [cells]: where the last ends. */
  readonly off: Int32Array;
  /** The cells that differ from the last row (`nd` of them). */
  readonly diffs: Int32Array;
  nd = 0;
  /** The chunk holding the last row (null: none to copy from), where the row starts, its length. */
  buf: Uint8Array | null = null;
  start = 0;
  len = 0;
  readonly #cells: number;

  constructor(cells: number) {
    this.#cells = cells;
    this.off = new Int32Array(cells + 1);
    // Beyond an eighth of the cells differing, writing the row afresh costs about the same.
    this.diffs = new Int32Array(cells >> 3);
  }

  /** Note cell k as differing; false when there are too many for a copy to pay. */
  add(k: number): boolean {
    if (this.nd >= this.diffs.length) return false;
    this.diffs[this.nd++] = k;
    return true;
  }

  /** The differing cells in ascending order, each once (for `add` calls in any order). */
  sortDiffs(): void {
    const d = this.diffs;
    d.subarray(0, this.nd).sort();
    let m = 0;
    for (let x = 0; x < this.nd; x++) if (m === 0 || d[x] !== d[m - 1]) d[m++] = d[x]!;
    this.nd = m;
  }

  /** The row just written afresh: `len` bytes at `start` of `buf`, its cells' starts in `off`. */
  done(buf: Uint8Array, start: number, len: number): void {
    this.buf = buf;
    this.start = start;
    this.len = len;
  }

  /**
   * Write the last row with the cells in `diffs` (ascending, each once) written by `cell(k, buf,
   * at)`, which returns the position after the cell; `wide`: the most bytes a cell takes. `off`
   * becomes the new row's.
   */
  copy(out: ByteChunks, wide: number, cell: (k: number, buf: Uint8Array, at: number) => number) {
    const src = this.buf!;
    const s0 = this.start;
    const len = this.len;
    const buf = out.room(len + this.nd * wide);
    const base = out.at;
    const off = this.off;
    const copy = (from: number, to: number, at: number) => {
      if (to <= from) return;
      if (src === buf) buf.copyWithin(at, s0 + from, s0 + to);
      else buf.set(src.subarray(s0 + from, s0 + to), at);
    };
    let shift = 0; // how much longer the new row is so far
    let from = 0; // the first cell of the run being copied, and its first byte (the head with cell 0)
    let fromByte = 0;
    for (let x = 0; x < this.nd; x++) {
      const d = this.diffs[x]!;
      const startD = off[d]!;
      copy(fromByte, startD, base + fromByte + shift);
      if (shift !== 0) for (let k = from; k < d; k++) off[k] = off[k]! + shift;
      const oldEnd = off[d + 1]!;
      const at = base + startD + shift;
      const end = cell(d, buf, at);
      off[d] = startD + shift;
      shift += end - at - (oldEnd - startD);
      from = d + 1;
      fromByte = oldEnd;
    }
    copy(fromByte, len, base + fromByte + shift);
    if (shift !== 0) for (let k = from; k <= this.#cells; k++) off[k] = off[k]! + shift;
    out.at = base + len + shift;
    this.done(buf, base, len + shift);
  }
}

/**
 * Where rows of a table of n-cell rows differ, four bytes at a time where the rows start on a
 * multiple of four bytes (the cells of a differing word are then looked at one by one).
 */
class RowDiff {
  readonly #t: Int8Array | Int16Array | Int32Array;
  readonly #words: Int32Array;
  readonly #n: number;
  readonly #per: number; // cells per word
  readonly #aligned: boolean;

  constructor(t: Int8Array | Int16Array | Int32Array, n: number) {
    this.#t = t;
    this.#n = n;
    this.#per = 4 / t.BYTES_PER_ELEMENT;
    this.#aligned = t.byteOffset % 4 === 0 && n % this.#per === 0;
    this.#words = new Int32Array(t.buffer, t.byteOffset, this.#aligned ? t.length / this.#per : 0);
  }

  /** Note in `rc` the cells where rows i and p differ; false: too many. */
  cells(i: number, p: number, rc: RowCopy, from = 0, to = this.#n): boolean {
    rc.nd = 0;
    const t = this.#t;
    const n = this.#n;
    const s = i * n;
    const q = p * n;
    if (!this.#aligned) {
      for (let k = from; k < to; k++) if (t[s + k] !== t[q + k] && !rc.add(k)) return false;
      return true;
    }
    const w = this.#words;
    const per = this.#per;
    const ws = s / per;
    const wq = q / per;
    for (let x = Math.floor(from / per), e = Math.ceil(to / per); x < e; x++) {
      if (w[ws + x] === w[wq + x]) continue;
      for (let k = x * per; k < (x + 1) * per; k++)
        if (t[s + k] !== t[q + k] && !rc.add(k)) return false;
    }
    return true;
  }
}

/**
 * `matrix --json` (schemaVersion 2, docs/json.md): the device list once, map types and locality
 * classes as one digit string per row, distances as one array per row, each distinct finding once
 * and referenced by the groups of devices it concerns. Yields the document as UTF-8 in pieces of
 * about `chunkBytes`, so a 4,096-device matrix is never one string (and never one encoding pass:
 * the digits and numbers are written as bytes; a row that differs from the one before in a few
 * cells is a copy of its bytes, RowCopy), without the final newline (the command writes it).
 * `matrixJsonText` joins it. `free`: chunks the consumer
 * has written out may be pushed there, and are then filled again (no new memory per chunk; a chunk
 * not handed back is never touched again).
 */
export function* matrixJsonChunks(
  view: MatrixView,
  c: CompactMatrix,
  chunkBytes = 1 << 20,
  free: Uint8Array[] = [],
): Generator<Uint8Array> {
  const { env, matrix } = view;
  const n = c.n;
  const head = {
    schemaVersion: MATRIX_SCHEMA_VERSION,
    ruleSet: env.rules.name,
    ...(env.rules.caveat ? { ruleSetNote: env.rules.caveat } : {}),
    rules: rulesChoiceData(view.choice),
    bootLog: env.overlay.bootLog,
    devices: matrix.devices.map((d) => d.bdf),
    mapTypes: MT_NAMES,
    classes: LOCALITY_CODES,
  };
  const j = (x: unknown): string => stringifyJson(x);
  const out = new ByteChunks(chunkBytes, free);
  out.text(`${j(head).slice(0, -1)},\n`);
  function* rows(name: string, row: (i: number) => void, count = n): Generator<Uint8Array> {
    out.ascii(`"${name}":[\n`);
    for (let i = 0; i < count; i++) {
      row(i);
      out.ascii(i + 1 < count ? ',\n' : '\n');
      if (out.full) yield out.take();
    }
    out.ascii('],\n');
  }
  // One ASCII digit per cell, `"0123…"`: map types from the matrix's rows, locality classes from
  // the table of group pairs (row i is its group's row, with X on the diagonal). Cell k of a row is
  // byte 1 + k.
  const digitRows = () => {
    const rc = new RowCopy(n);
    for (let k = 0; k <= n; k++) rc.off[k] = 1 + k;
    return rc;
  };
  // The matrix's rows i - 1 and i, filled one at a time (row i in slot i & 1).
  const mt = new Int8Array(2 * n);
  const dist = distanceRows(c.cells, 2);
  const fill = (i: number, distances: boolean): number => {
    const at = (i & 1) * n;
    c.cells.row(i, mt.subarray(at, at + n), distances ? dist.subarray(at, at + n) : null);
    return at;
  };
  // Where rows i - 1 and i can differ, when the matrix can tell (else the whole row is compared).
  const span = new Int32Array(2);
  /**
   * Row i (filled in slot i & 1 of `diff`'s table) written as a copy of the row before with the
   * cells where they differ spelled again (`cell`, at most `width` bytes each); false (nothing
   * written) when there is no row before or too many cells differ.
   */
  const copiedFromBefore = (
    i: number,
    rc: RowCopy,
    diff: RowDiff,
    width: number,
    cell: (k: number, buf: Uint8Array, at: number) => number,
  ): boolean => {
    if (rc.buf === null) return false;
    if (c.cells.differBetween?.(i, i - 1, span) !== true) {
      span[0] = 0;
      span[1] = n;
    }
    if (!diff.cells(i & 1, (i - 1) & 1, rc, span[0], span[1])) return false;
    rc.copy(out, width, cell);
    return true;
  };
  const mtRows = digitRows();
  const mtDiff = new RowDiff(mt, n);
  let mtAt = 0; // the row being written (offset into mt)
  const mtCell = (k: number, buf: Uint8Array, at: number): number => {
    buf[at] = 0x30 + mt[mtAt + k]!;
    return at + 1;
  };
  yield* rows('mapType', (i) => {
    mtAt = fill(i, false);
    if (copiedFromBefore(i, mtRows, mtDiff, 1, mtCell)) return;
    const buf = out.room(n + 2);
    const start = out.at;
    let at = start;
    buf[at++] = 0x22;
    for (let k = 0, s = mtAt; k < n; k++) buf[at++] = 0x30 + mt[s + k]!;
    buf[at++] = 0x22;
    out.at = at;
    mtRows.done(buf, start, n + 2);
  });
  const { group, groups: G } = c;
  // Two rows of group pairs spelled out (c.groupRows), slot s at s * G: the row being written and
  // the one before (for the cells where they differ).
  const gCls = new Int8Array(2 * G);
  const gLists = new Int32Array(2 * G);
  const slotGroup = [-1, -1];
  let lastSlot = 0;
  /** The slot holding group g's row; spelled into the other slot when neither does. */
  const slotOf = (g: number): number => {
    if (slotGroup[lastSlot] !== g) {
      lastSlot = 1 - lastSlot;
      if (slotGroup[lastSlot] !== g) {
        const at = lastSlot * G;
        c.groupRows.row(g, gCls.subarray(at, at + G), gLists.subarray(at, at + G));
        slotGroup[lastSlot] = g;
      }
    }
    return lastSlot;
  };
  const self = 0x30 + LOCALITY_CODES.indexOf('X');
  // The devices of each group, ascending: group g's are memList[memStart[g]…memStart[g + 1]].
  const memStart = new Int32Array(G + 1);
  for (let i = 0; i < n; i++) memStart[group[i]! + 1]!++;
  for (let g = 0; g < G; g++) memStart[g + 1]! += memStart[g]!;
  const memList = new Int32Array(n);
  const memAt = memStart.slice(0, G);
  for (let i = 0; i < n; i++) memList[memAt[group[i]!]!++] = i;
  const clsRows = digitRows();
  const clsGroupDiff = new RowDiff(gCls, G);
  const clsGroups = new RowCopy(G); // the groups where two groups' rows differ (its `diffs` only)
  let clsRow = 0; // the row being written: its device, and its group's row (offset into gCls)
  let clsAt = 0;
  const clsCell = (k: number, buf: Uint8Array, at: number): number => {
    buf[at] = k === clsRow ? self : 0x30 + gCls[clsAt + group[k]!]!;
    return at + 1;
  };
  /** Where class rows i - 1 and i differ: the two diagonal cells, and the devices of the groups
   * whose cells in the two groups' rows (slots s and before) differ. */
  const clsDiffs = (i: number, s: number, before: number): boolean => {
    const rc = clsRows;
    rc.nd = 0;
    if (!rc.add(i - 1) || !rc.add(i)) return false;
    if (s === before) return true;
    if (!clsGroupDiff.cells(s, before, clsGroups)) return false;
    for (let x = 0; x < clsGroups.nd; x++) {
      const h = clsGroups.diffs[x]!;
      for (let y = memStart[h]!; y < memStart[h + 1]!; y++) if (!rc.add(memList[y]!)) return false;
    }
    rc.sortDiffs();
    return true;
  };
  yield* rows('class', (i) => {
    clsRow = i;
    const before = lastSlot; // row i - 1's group
    const s = slotOf(group[i]!);
    clsAt = s * G;
    if (clsRows.buf !== null && clsDiffs(i, s, before)) {
      clsRows.copy(out, 1, clsCell);
      return;
    }
    const buf = out.room(n + 2);
    const start = out.at;
    buf[start] = 0x22;
    for (let k = 0; k < n; k++) buf[start + 1 + k] = 0x30 + gCls[clsAt + group[k]!]!;
    buf[start + 1 + i] = self;
    buf[start + 1 + n] = 0x22;
    out.at = start + n + 2;
    clsRows.done(buf, start, n + 2);
  });
  // `[0,2,-1,…]` (what `join(',')` gives): cell k is the number and the comma after it.
  const dRows = new RowCopy(n);
  const dDiff = new RowDiff(dist, n);
  let dAt = 0;
  const dCell = (k: number, buf: Uint8Array, at: number): number => {
    const end = putInt(buf, at, dist[dAt + k]!);
    if (k + 1 < n) buf[end] = 0x2c;
    return k + 1 < n ? end + 1 : end;
  };
  yield* rows('distance', (i) => {
    dAt = fill(i, true);
    if (copiedFromBefore(i, dRows, dDiff, 7, dCell)) return;
    // At most 6 characters per value ("-32768") plus a comma, and the brackets.
    const buf = out.room(n * 7 + 2);
    const start = out.at;
    const off = dRows.off;
    let at = start;
    buf[at++] = 0x5b;
    for (let k = 0; k < n; k++) {
      if (k > 0) buf[at++] = 0x2c;
      off[k] = at - start;
      at = putInt(buf, at, dist[dAt + k]!);
    }
    off[n] = at - start;
    buf[at++] = 0x5d;
    out.at = at;
    dRows.done(buf, start, at - start);
  });
  out.ascii('"group":[');
  for (let i = 0; i < n; i++) {
    if (i > 0) out.ascii(',');
    out.uint(c.group[i]!);
  }
  out.ascii('],\n');
  /** A finding with its wording: `j({ ...f, text, hintText })`, its parts written one after the
   * other (the finding's JSON without its closing brace, then the two texts). */
  const finding = (f: (typeof c.findings)[number]): void => {
    out.text(j(f));
    out.at--; // the closing brace
    out.ascii(',"text":');
    out.text(JSON.stringify(findingText(f)));
    out.ascii(',"hintText":');
    out.text(JSON.stringify(findingHint(f)));
    out.ascii('}');
  };
  yield* rows('findings', (i) => finding(c.findings[i]!), c.findings.length);
  // [g, h, finding…] per group pair, as JSON.stringify prints nested arrays: cell h of row g is
  // `,[g,h` and the tail of its list, `,1,2]` (or nothing); the document's first entry has no comma.
  const tails = asciiTable(c.findingLists.map((l) => `,${l.join(',')}]`));
  const hs = asciiTable(Array.from({ length: G }, (_, h) => String(h)));
  const wide = 2 + 11 + 1 + longest(hs) + longest(tails); // `,[` g `,` h tail
  const gDigits = new Uint8Array(16);
  let gLen = 0;
  let gAt = 0; // the row being written (offset into gLists)
  const entry = (h: number, buf: Uint8Array, at: number): number => {
    const id = gLists[gAt + h]!;
    if (id < 0) return at;
    buf[at++] = 0x2c;
    buf[at++] = 0x5b;
    for (let x = 0; x < gLen; x++) buf[at++] = gDigits[x]!;
    buf[at++] = 0x2c;
    for (let x = hs.off[h]!, e = hs.off[h + 1]!; x < e; x++) buf[at++] = hs.bytes[x]!;
    for (let x = tails.off[id]!, e = tails.off[id + 1]!; x < e; x++) buf[at++] = tails.bytes[x]!;
    return at;
  };
  const gRows = new RowCopy(G);
  const listDiff = new RowDiff(gLists, G);
  let started = false; // an entry was written (the next one starts with a comma)
  out.ascii('"groupFindings":[');
  for (let g = 0; g < G; g++) {
    const text = String(g);
    // Rows g - 1 and g: the same bytes where their lists agree, apart from the digits of g.
    const same = text.length === gLen;
    const firstDigit = same ? diffDigit(gDigits, text) : 0;
    gLen = text.length;
    for (let x = 0; x < gLen; x++) gDigits[x] = text.charCodeAt(x);
    const before = lastSlot; // row g - 1's
    const slot = slotOf(g);
    gAt = slot * G;
    let copied = false;
    if (same && started && gRows.buf !== null) {
      const rc = gRows;
      copied = listDiff.cells(slot, before, rc);
      if (copied) {
        rc.copy(out, wide, entry);
        const buf = rc.buf!;
        const off = rc.off;
        if (firstDigit === gLen - 1) {
          // Only the last digit of g changed (nine rows in ten): one byte per entry.
          const d = gDigits[firstDigit]!;
          const at = rc.start + 2 + firstDigit;
          for (let h = 0; h < G; h++) if (gLists[gAt + h]! >= 0) buf[at + off[h]!] = d;
        } else {
          for (let h = 0; h < G; h++) {
            if (gLists[gAt + h]! < 0) continue;
            const p = rc.start + off[h]! + 2;
            for (let x = firstDigit; x < gLen; x++) buf[p + x] = gDigits[x]!;
          }
        }
      }
    }
    if (!copied) {
      const buf = out.room(G * wide);
      const start = out.at;
      const off = gRows.off;
      let at = start;
      for (let h = 0; h < G; h++) {
        off[h] = at - start;
        at = entry(h, buf, at);
      }
      off[G] = at - start;
      if (!started && at > start) {
        // The document's first entry: no comma before it (and the next row is written afresh).
        buf.copyWithin(start, start + 1, at);
        at--;
        gRows.buf = null;
        started = true;
      } else gRows.done(buf, start, at - start);
      out.at = at;
    }
    if (out.full) yield out.take();
  }
  out.text(`],\n"selfFindings":${JSON.stringify(c.selfFindings)},\n`);
  out.text(`"undecided":${j(c.undecided)},\n`);
  out.text(`"stats":${j({ pairs: n * n, groups: c.groups, walked: c.walked })}}`);
  yield out.take();
}

/** The first digit where `text` differs from the digits in `d` (as many of them). */
function diffDigit(d: Uint8Array, text: string): number {
  let x = 0;
  while (x < text.length && d[x] === text.charCodeAt(x)) x++;
  return x;
}

/** The whole `matrix --json` document as one string, as the command prints it (with its newline). */
export function matrixJsonText(view: MatrixView, c: CompactMatrix, chunkBytes?: number): string {
  const utf8 = new TextDecoder();
  let s = '';
  for (const chunk of matrixJsonChunks(view, c, chunkBytes))
    s += utf8.decode(chunk, { stream: true });
  return `${s}${utf8.decode()}\n`;
}
