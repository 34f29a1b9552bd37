/**
 * `peerdma matrix` rendered (src/app/matrix.ts): every endpoint pair laid out like
 * `nvidia-smi topo -m` with a legend, its JSON, and the P2P section of `peerdma report`.
 */
import type { CompactMatrix, MatrixView, P2pSummary } from '../app/matrix.js';
import type { MatrixShow } from '../app/options.js';
import { LOCALITY_CODES } from '../app/options.js';
import { rulesChoiceData } from '../p2pdma/kernel-release.js';
import { LOCALITY_LEGEND } from '../p2pdma/locality.js';
import {
  cellDistance,
  cellMapType,
  MT_BUS_ADDR,
  MT_NOT_SUPPORTED,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
  matrixDevices,
} from '../p2pdma/matrix.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { hex } from '../util/hex.js';
import { deviceLabels, numaWithCpus } from './device-names.js';
import { findingHint, findingText } from './findings.js';
import { columnGroups, hex4 } from './format.js';
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

export function renderMatrix(
  view: MatrixView,
  show: MatrixShow,
  opts: MatrixTextOptions = {},
): string {
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  const hidden = matrixDevices(fabric, { all: true }).length - devs.length;
  if (devs.length === 0) return `no devices to compare${hidden > 0 ? ' (try --all)' : ''}\n`;
  const names = deviceLabels(devs);
  const labels = names.labels;
  // nvidia-smi heads the columns with the device names; long names fall back to D0, D1, …
  const named = labels.every((l) => l.length <= 8);
  const heads = named ? labels : devs.map((_, j) => `D${j}`);
  const w = Math.max(5, ...labels.map((l) => l.length)) + 1;
  const rowHead = (i: number) => (named ? '' : `D${i}`.padEnd(5)) + labels[i]!.padEnd(w);
  const headW = named ? w : 5 + w;
  const cw = Math.max(5, ...heads.map((h) => h.length + 1));
  const cell = (i: number, j: number): string => {
    let s: string;
    if (show === 'class') {
      const c = view.locality(i, j);
      s = c === 'unknown' ? '?' : c;
    } else if (show === 'distance') {
      const t = cellMapType(matrix, i, j);
      s =
        t === MT_UNCERTAIN ? `${cellDistance(matrix, i, j)}?` : String(cellDistance(matrix, i, j));
    } else
      s =
        i === j && cellMapType(matrix, i, j) === MT_BUS_ADDR
          ? 'X'
          : MT_SHORT[cellMapType(matrix, i, j)]!;
    return s.padStart(cw);
  };
  // Column groups: as many client columns as fit beside the row heads (at least one).
  const n = devs.length;
  const groups = columnGroups(n, headW, cw, opts.width ?? null);
  const lines: string[] = [];
  for (const [start, end] of groups) {
    const last = end === n;
    if (groups.length > 1) {
      if (start > 0) lines.push('');
      lines.push(`clients ${start + 1}-${end} of ${n}:`);
    }
    lines.push(
      `${''.padEnd(headW)}${heads
        .slice(start, end)
        .map((h) => h.padStart(cw))
        .join('')}${last ? '  NUMA' : ''}`,
    );
    devs.forEach((a, i) => {
      let row = rowHead(i);
      for (let j = start; j < end; j++) row += cell(i, j);
      lines.push(last ? `${row}  ${numaWithCpus(numaOf(fabric, a), a)}` : row.trimEnd());
    });
  }
  if (hidden > 0)
    lines.push(
      '',
      `${hidden} of ${hidden + n} non-bridge functions not shown (not a GPU, accelerator, NIC or NVMe and no memory BAR of 1 MiB or more, or not in --class); --all shows them`,
    );
  lines.push(
    '',
    'rows: provider (memory owner), columns: client (DMA initiator)',
    ...rulesLines(rulesChoiceData(view.choice)),
  );
  lines.push(...legend(show));
  lines.push(
    '  NUMA = the device\'s NUMA node (nvidia-smi "NUMA Affinity"); N/A: none; ?: not in the input',
  );
  if (devs.some((d) => d.cpulist !== undefined))
    lines.push('  CPUs = the CPUs near the device (local_cpulist; nvidia-smi "CPU Affinity")');
  if (names.legend.length > 0) lines.push('', ...names.legend);
  if (env.overlay.bootLog.length)
    lines.push('', 'boot log (command line):', ...env.overlay.bootLog.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
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

/** `matrix --json --pairs`: every ordered pair in full, both directions (schemaVersion 1). */
export function matrixJson(view: MatrixView): object {
  const { env, matrix } = view;
  const pairs: object[] = [];
  let walked = 0;
  for (const p of view.pairs()) {
    if (p.walked) walked++;
    pairs.push({
      provider: p.provider,
      client: p.client,
      mapType: p.mapType,
      distance: p.distance,
      class: p.class,
      path: p.path,
      acsBridges: p.acsBridges,
      issues: p.issues.map((x) => ({ ...x, text: issueText(x), hintText: hintText(x) })),
      ...(p.possible !== undefined ? { possible: p.possible, missing: p.missing } : {}),
    });
  }
  return {
    schemaVersion: P2P_SCHEMA_VERSION,
    ruleSet: env.rules.name,
    ...(env.rules.caveat ? { ruleSetNote: env.rules.caveat } : {}),
    rules: rulesChoiceData(view.choice),
    bootLog: env.overlay.bootLog,
    devices: matrix.devices.map((d) => d.bdf),
    labels: deviceLabels(matrix.devices).labels,
    pairs,
    stats: { pairs: pairs.length, walked },
  };
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
  #at = 0;
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
    return b === undefined ? new Uint8Array(this.#chunkBytes + 4096) : new Uint8Array(b.buffer);
  }

  /** Room for `k` more bytes. */
  room(k: number): Uint8Array {
    if (this.#at + k > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + k));
      grown.set(this.#buf.subarray(0, this.#at));
      this.#buf = grown;
    }
    return this.#buf;
  }

  get at(): number {
    return this.#at;
  }
  set at(v: number) {
    this.#at = v;
  }

  /** JSON text (any characters) as UTF-8. */
  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const buf = this.room(s.length * 3);
    this.#at += this.#utf8.encodeInto(s, buf.subarray(this.#at)).written;
  }

  /** ASCII punctuation and numbers. */
  ascii(s: string): void {
    const buf = this.room(s.length);
    let at = this.#at;
    for (let k = 0; k < s.length; k++) buf[at++] = s.charCodeAt(k);
    this.#at = at;
  }

  /** A non-negative integer in decimal. */
  uint(v: number): void {
    const buf = this.room(10);
    let at = this.#at;
    if (v < 10) buf[at++] = 0x30 + v;
    else if (v < 100) {
      buf[at++] = 0x30 + ((v / 10) | 0);
      buf[at++] = 0x30 + (v % 10);
    } else {
      const s = String(v);
      for (let k = 0; k < s.length; k++) buf[at++] = s.charCodeAt(k);
    }
    this.#at = at;
  }

  /** Whether a chunk is due. */
  get full(): boolean {
    return this.#at >= this.#chunkBytes;
  }

  /** What was written since the last take (another buffer continues). */
  take(): Uint8Array {
    const out = this.#buf.subarray(0, this.#at);
    this.#buf = this.#fresh();
    this.#at = 0;
    return out;
  }
}

/**
 * Row i of an n×n distance table as a JSON array, `[0,2,-1,…]` (what `join(',')` gives), written
 * into the chunk buffer without a string per cell.
 */
function distanceRow(d: Int8Array | Int16Array, n: number, out: ByteChunks, i: number): void {
  // At most 6 characters per value ("-32768") plus a comma, and the brackets.
  const buf = out.room(n * 7 + 2);
  let at = out.at;
  buf[at++] = 0x5b;
  const base = i * n;
  for (let k = 0; k < n; k++) {
    if (k > 0) buf[at++] = 0x2c;
    const v = d[base + k]!;
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
  }
  buf[at++] = 0x5d;
  out.at = at;
}

/**
 * `matrix --json` (schemaVersion 2, docs/json.md): the device list once, map types and locality
 * classes as one digit string per row, distances as one array per row, each distinct finding once
 * and referenced by the groups of devices it concerns. Yields the document as UTF-8 in pieces of
 * about `chunkBytes`, so a 4,096-device matrix is never one string (and never one encoding pass:
 * the digits and numbers are written as bytes). `matrixJsonText` joins it. `free`: chunks the
 * consumer has written out may be pushed there, and are then filled again (no new memory per
 * chunk; a chunk not handed back is never touched again).
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
  // Without a replacer first (several times faster); it changes bigints only, which throw without it.
  const j = (x: unknown): string => {
    try {
      return JSON.stringify(x);
    } catch {
      return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? hex(v) : v));
    }
  };
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
  // One ASCII digit per cell, `"0123…"`: map types from the n×n table, locality classes from the
  // table of group pairs (row i is its group's row, with X on the diagonal).
  const mt = c.mapType;
  yield* rows('mapType', (i) => {
    const buf = out.room(n + 2);
    let at = out.at;
    buf[at++] = 0x22;
    for (let k = 0, s = i * n; k < n; k++) buf[at++] = 0x30 + mt[s + k]!;
    buf[at++] = 0x22;
    out.at = at;
  });
  const { group, groupClass, groups: G } = c;
  const self = 0x30 + LOCALITY_CODES.indexOf('X');
  yield* rows('class', (i) => {
    const buf = out.room(n + 2);
    const start = out.at + 1;
    buf[start - 1] = 0x22;
    for (let k = 0, s = group[i]! * G; k < n; k++)
      buf[start + k] = 0x30 + groupClass[s + group[k]!]!;
    buf[start + i] = self;
    buf[start + n] = 0x22;
    out.at = start + n + 1;
  });
  yield* rows('distance', (i) => distanceRow(c.distance, n, out, i));
  out.ascii('"group":[');
  for (let i = 0; i < n; i++) {
    if (i > 0) out.ascii(',');
    out.uint(c.group[i]!);
  }
  out.ascii('],\n');
  const finding = (f: (typeof c.findings)[number]) => ({
    ...f,
    text: findingText(f),
    hintText: findingHint(f),
  });
  yield* rows('findings', (i) => out.text(j(finding(c.findings[i]!))), c.findings.length);
  // [g, h, finding…] per group pair, as JSON.stringify prints nested arrays (one per list, the tail).
  const { groupLists } = c;
  const bytes = (t: string) => Uint8Array.from(t, (ch) => ch.charCodeAt(0));
  const tails = c.findingLists.map((l) => bytes(`,${l.join(',')}]`));
  const maxTail = tails.reduce((m, t) => Math.max(m, t.length), 0);
  // `h` and `[g,` for every group, so that an entry is three short copies.
  const hText = Array.from({ length: G }, (_, h) => bytes(String(h)));
  out.ascii('"groupFindings":[');
  let first = true;
  for (let g = 0; g < G; g++) {
    const head = bytes(`${first ? '' : ','}[${g},`);
    const comma = bytes(`,[${g},`);
    const buf = out.room(G * (comma.length + 10 + maxTail));
    let at = out.at;
    for (let h = 0, s = g * G; h < G; h++) {
      const id = groupLists[s + h]!;
      if (id < 0) continue;
      const pre = first ? head : comma;
      first = false;
      for (let x = 0; x < pre.length; x++) buf[at++] = pre[x]!;
      const ht = hText[h]!;
      for (let x = 0; x < ht.length; x++) buf[at++] = ht[x]!;
      const tail = tails[id]!;
      for (let x = 0; x < tail.length; x++) buf[at++] = tail[x]!;
    }
    out.at = at;
    if (out.full) yield out.take();
  }
  out.text(`],\n"selfFindings":${JSON.stringify(c.selfFindings)},\n`);
  out.text(`"undecided":${j(c.undecided)},\n`);
  out.text(`"stats":${j({ pairs: n * n, groups: c.groups, walked: c.walked })}}\n`);
  yield out.take();
}

/** The whole `matrix --json` document as one string (tests, `report --json`). */
export function matrixJsonText(view: MatrixView, c: CompactMatrix, chunkBytes?: number): string {
  const utf8 = new TextDecoder();
  let s = '';
  for (const chunk of matrixJsonChunks(view, c, chunkBytes))
    s += utf8.decode(chunk, { stream: true });
  return s + utf8.decode();
}
