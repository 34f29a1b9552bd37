/**
 * `peerdma bandwidth`: one pair (P2P vs bounce, the limiting link named), concurrent flows, or the
 * all-pairs matrices laid out like CUDA's p2pBandwidthLatencyTest, as text, JSON and an SVG heatmap;
 * and the bandwidth section of `peerdma report`. Wording of the model's notes lives here.
 */
import type { BandwidthRecord, PairReport } from '../app/bandwidth.js';
import type { PciFunction } from '../pci/types.js';
import type { BandwidthMatrices, MatrixEnd, MatrixKind, RateKind } from '../perf/matrix.js';
import type { FlowResult, PerfModel, PerfNote, Rate } from '../perf/model.js';
import { prettyJson } from '../util/json.js';
import { columnGroups, PIECE_CHARS, Pieces } from './format.js';

/** 2: flows' `gbps` renamed `GBps` (the unit in the name). */
export const BANDWIDTH_SCHEMA_VERSION = 2;

/** A device as the outputs label it: its name, else its BDF without the default domain. */
export const deviceLabel = (f: PciFunction): string => f.name ?? f.bdf.replace(/^0000:/, '');
/**
 * GB/s to the 0.01 every output prints, through float32 first: the all-pairs matrices store
 * float32, so a pair's own solve and its matrix cell print the same digits even on a .xx5 edge.
 */
const r2 = (x: number) => Math.round(Math.fround(x) * 100) / 100;
export function rateText(r: Rate): string {
  const lo = r2(r.lo).toFixed(2);
  const hi = r2(r.hi).toFixed(2);
  const core = lo === hi ? lo : `${lo}–${hi}`;
  return r.atLeast ? `≥ ${core}` : core;
}

export function noteText(n: PerfNote): string {
  switch (n.code) {
    case 'maptype_uncertain':
      return 'the kernel verdict hinges on a missing fact (see `peerdma check`); the root-complex route is assumed';
    case 'rc_unmeasured':
      return 'no published P2P measurement for this CPU family: the root-complex figures are the range of the measured families, not a prediction';
    case 'rc_lower_bound':
      return 'the published root-complex figure for this CPU family only bounds it from below (the links were the limit when it was measured)';
    case 'rc_fanout_collapse':
      return 'one switch writes to peers behind several root ports: measured systems collapse here (published-numbers §2.1/§2.2); the figure is not a confident prediction';
    case 'link_degraded':
      return `link trained below capability: ${(n.evidence.links as string[]).join(', ')}`;
    case 'driver_refuses_p2p':
      return n.evidence.hardwareRoute === true
        ? `the driver of ${String(n.evidence.device)} (${String(n.evidence.driver)}) refuses P2P: this is what the hardware route could carry, not what the driver will do`
        : `the driver of ${String(n.evidence.device)} (${String(n.evidence.driver)}) refuses P2P although the kernel allows it: only the bounce is available`;
    case 'chip_fabric_available':
      return `the pair sits in two partitions of switch chip ${String(n.evidence.chip)}: the kernel sees separate hierarchies, a vendor P2P path could stay inside the chip (--mode p2p-hw)`;
    case 'chip_fabric_route':
      return `through the internal fabric of switch chip ${String(n.evidence.chip)}, not the CPU; the kernel sees separate hierarchies (its verdict: ${String(n.evidence.kernel)}), so only a vendor P2P path takes this route`;
  }
}

function header(model: PerfModel): string {
  const m = model.fabric.machine;
  const rc = model.graph.rc;
  return `machine ${m.name ?? '(unnamed)'}; root complex: ${rc.label}; ${model.op === 'write' ? 'posted writes' : 'DMA reads'}, large transfers\n`;
}

const routeText = (r: FlowResult) =>
  r.route.kind === 'bounce'
    ? 'bounce through host memory'
    : `P2P ${r.mapType}, via ${VIA[r.route.via]}`;
const VIA = {
  switch: 'the switch',
  'root-complex': 'the root complex',
  'chip-fabric': 'the chip fabric',
  'host-memory': 'host memory',
} as const;

function notesBlock(results: readonly FlowResult[], indent = '  '): string {
  const seen = new Map<string, string>();
  for (const r of results) for (const n of r.notes) seen.set(`${n.code}`, noteText(n));
  return [...seen.values()].map((t) => `${indent}note: ${t}\n`).join('');
}

export function renderPair(model: PerfModel, p: PairReport): string {
  const out = [header(model), `${deviceLabel(p.src)} → ${deviceLabel(p.dst)}\n`];
  const line = (what: string, r: FlowResult) =>
    `  ${what.padEnd(34)} ${rateText(r.rate).padStart(14)} GB/s  limited by ${r.bottleneck}\n`;
  const p2pWhat =
    p.p2p.route.kind === 'bounce'
      ? p.p2p.notes.some((n) => n.code === 'driver_refuses_p2p')
        ? 'P2P refused by the driver → bounce'
        : `P2P refused (${p.p2p.mapType}) → bounce`
      : routeText(p.p2p);
  out.push(line(p2pWhat, p.p2p));
  out.push(line('bounce through host memory', p.bounce));
  out.push(
    `  latency (fabric, one posted write): P2P ${(p.p2p.route.latencyNs / 1000).toFixed(2)} µs, bounce ${(p.bounce.route.latencyNs / 1000).toFixed(2)} µs\n`,
  );
  if (p.bidir) {
    const sum = (rs: readonly FlowResult[]): Rate => ({
      lo: rs.reduce((t, r) => t + r.rate.lo, 0),
      hi: rs.reduce((t, r) => t + r.rate.hi, 0),
      atLeast: rs.some((r) => r.rate.atLeast),
    });
    out.push(`  both directions at once (sum):\n`);
    out.push(
      `    P2P    ${rateText(sum(p.bidir.p2p)).padStart(14)} GB/s  limited by ${p.bidir.p2p[0]!.bottleneck}\n`,
    );
    out.push(
      `    bounce ${rateText(sum(p.bidir.bounce)).padStart(14)} GB/s  limited by ${p.bidir.bounce[0]!.bottleneck}\n`,
    );
  }
  out.push(notesBlock([p.p2p, p.bounce, ...(p.bidir ? [...p.bidir.p2p, ...p.bidir.bounce] : [])]));
  return out.join('');
}

function flowJson(r: FlowResult) {
  return {
    src: deviceLabel(r.src),
    dst: deviceLabel(r.dst),
    srcBdf: r.src.bdf,
    dstBdf: r.dst.bdf,
    mapType: r.mapType,
    route: r.route.kind === 'bounce' ? 'bounce' : r.route.via,
    GBps: { lo: r2(r.rate.lo), hi: r2(r.rate.hi), atLeast: r.rate.atLeast },
    bottleneck: r.bottleneck,
    latencyNs: Math.round(r.route.latencyNs),
    mps: r.route.mps,
    mrrs: r.route.mrrs,
    notes: r.notes.map((n) => ({ code: n.code, text: noteText(n), ...n.evidence })),
  };
}

function docHead(model: PerfModel, kind: string) {
  return {
    schemaVersion: BANDWIDTH_SCHEMA_VERSION,
    kind,
    machine: model.fabric.machine.name,
    rootComplex: { profile: model.graph.rc.id, label: model.graph.rc.label },
    op: model.op,
    units: { bandwidth: 'GB/s (1e9 B/s)', latency: 'ns' },
  };
}

export function pairJson(model: PerfModel, p: PairReport) {
  return {
    ...docHead(model, 'pair'),
    p2p: flowJson(p.p2p),
    bounce: flowJson(p.bounce),
    bidir: p.bidir
      ? { p2p: p.bidir.p2p.map(flowJson), bounce: p.bidir.bounce.map(flowJson) }
      : null,
  };
}

export function renderFlows(model: PerfModel, rs: readonly FlowResult[]): string {
  const w = Math.max(4, ...rs.map((r) => `${deviceLabel(r.src)} → ${deviceLabel(r.dst)}`.length));
  const out = [header(model), `${rs.length} concurrent flows, max-min fair sharing\n`];
  for (const r of rs) {
    out.push(
      `  ${`${deviceLabel(r.src)} → ${deviceLabel(r.dst)}`.padEnd(w)}  ${rateText(r.rate).padStart(14)} GB/s  ${routeText(r).padEnd(34)} limited by ${r.bottleneck}\n`,
    );
  }
  const total: Rate = {
    lo: rs.reduce((t, r) => t + r.rate.lo, 0),
    hi: rs.reduce((t, r) => t + r.rate.hi, 0),
    atLeast: rs.some((r) => r.rate.atLeast),
  };
  out.push(`  ${'total'.padEnd(w)}  ${rateText(total).padStart(14)} GB/s\n`);
  out.push(notesBlock(rs));
  return out.join('');
}

export function flowsJson(model: PerfModel, rs: readonly FlowResult[]) {
  return { ...docHead(model, 'flows'), flows: rs.map(flowJson) };
}

// ---- matrices ----

const TITLES = [
  ['uniBounce', 'Unidirectional P2P=Disabled Bandwidth Matrix (GB/s)'],
  ['uniP2p', 'Unidirectional P2P=Enabled Bandwidth Matrix (GB/s)'],
  ['bidiBounce', 'Bidirectional P2P=Disabled Bandwidth Matrix (GB/s)'],
  ['bidiP2p', 'Bidirectional P2P=Enabled Bandwidth Matrix (GB/s)'],
] as const;

/** GB/s as a cell prints it (0.01, through float32). */
const rateCell = (v: number) => r2(v).toFixed(2);
/** ns as a latency cell prints it (µs, 0.01). */
const usCell = (v: number) => (v / 1000).toFixed(2);

/**
 * The text of a cell from its two ends (`lo-hi` where they print differently), padded to the
 * column width once that is known: made once per distinct pair of values (a machine has few).
 */
class CellTexts {
  readonly #fmt: (v: number) => string;
  readonly #one = new Map<number, string>();
  readonly #two = new Map<number, Map<number, string>>();
  #lo = Number.NaN;
  #hi = Number.NaN;
  #last = '';
  /** Padded texts are made at this width (0: not yet, texts unpadded). */
  width = 0;

  constructor(fmt: (v: number) => string) {
    this.#fmt = fmt;
  }

  #single(v: number): string {
    let t = this.#one.get(v);
    if (t === undefined) {
      t = this.#fmt(v);
      this.#one.set(v, t);
    }
    return t;
  }

  /** The cell with ends lo and hi (padded to `width` when set). */
  text(lo: number, hi: number): string {
    if (lo === this.#lo && hi === this.#hi) return this.#last;
    let byHi = this.#two.get(lo);
    if (byHi === undefined) {
      byHi = new Map();
      this.#two.set(lo, byHi);
    }
    let t = byHi.get(hi);
    if (t === undefined) {
      const a = this.#single(lo);
      const b = lo === hi ? a : this.#single(hi);
      t = (a === b ? a : `${a}-${b}`).padStart(this.width);
      byHi.set(hi, t);
    }
    this.#lo = lo;
    this.#hi = hi;
    this.#last = t;
    return t;
  }

  /** Forget the texts made so far (before padding them to a new width). */
  pad(width: number): void {
    this.width = width;
    this.#two.clear();
    this.#lo = Number.NaN;
    this.#hi = Number.NaN;
  }
}

/** One matrix of the text: its title, the row reader of its ends, and how a value prints. */
interface GridSpec {
  readonly title: string;
  readonly kind: MatrixKind;
  /** Read the hi end too (ranged rate matrices). */
  readonly ranged: boolean;
  readonly fmt: (v: number) => string;
}

/**
 * Lines of one matrix (the CUDA sample's layout; wider than `width`: groups of columns, each under
 * the row numbers again), pushed into `out`. The column width comes from a first pass over the rows.
 */
function* gridLines(
  m: BandwidthMatrices,
  spec: GridSpec,
  width: number | null,
  out: Pieces,
): Generator<string, void, undefined> {
  const { n } = m;
  const lo = new Float64Array(n);
  const hi = spec.ranged ? new Float64Array(n) : lo;
  const texts = new CellTexts(spec.fmt);
  const fill = (i: number, from: number, to: number) => {
    m.row(spec.kind, i, 'lo', lo, from, to);
    if (spec.ranged) m.row(spec.kind, i, 'hi', hi, from, to);
  };
  let longest = 6;
  for (let i = 0; i < n; i++) {
    fill(i, 0, n);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const l = texts.text(lo[j]!, hi[j]!).length;
      if (l > longest) longest = l;
    }
  }
  const w = longest + 1;
  texts.pad(w);
  const dash = '-'.padStart(w);
  out.line(spec.title);
  const groups = columnGroups(n, 6, w, width);
  for (const [start, end] of groups) {
    if (groups.length > 1) {
      if (start > 0) out.line('');
      out.line(`columns ${start}-${end - 1} of ${n}:`);
    }
    let head = '   D\\D';
    for (let k = start; k < end; k++) head += String(k).padStart(w);
    out.line(head);
    for (let i = 0; i < n; i++) {
      fill(i, start, end);
      let row = String(i).padStart(6);
      for (let j = start; j < end; j++) row += j === i ? dash : texts.text(lo[j]!, hi[j]!);
      out.line(row);
      if (out.full) yield out.take();
    }
  }
}

/** Text options: `width` wraps each matrix by column groups (null/absent: one block). */
export interface BandwidthTextOptions {
  readonly width?: number | null;
}

/**
 * The matrices' text in pieces of about `pieceChars` characters, each ending with a line's '\n':
 * 4,096 devices (six matrices of 16.8 M cells, 0.7–1 GB of text: lo–hi ranges double the cells)
 * are written without ever being one string.
 */
export function* matricesPieces(
  model: PerfModel,
  m: BandwidthMatrices,
  opts: BandwidthTextOptions = {},
  pieceChars: number = PIECE_CHARS,
): Generator<string, void, undefined> {
  const width = opts.width ?? null;
  const { n } = m;
  if (n === 0) {
    yield 'no devices to compare (try --all or --class)\n';
    return;
  }
  const { ranged } = m;
  const out = new Pieces(pieceChars);
  out.text(header(model));
  out.line('Devices:');
  for (let i = 0; i < n; i++) {
    const d = m.devices[i]!;
    out.text(
      `  ${String(i).padStart(3)}  ${deviceLabel(d).padEnd(14)} ${d.bdf}  ${d.description ?? ''}\n`.replace(
        / +\n$/,
        '\n',
      ),
    );
    if (out.full) yield out.take();
  }
  out.line('');
  const grids: GridSpec[] = [
    ...TITLES.map(([kind, title]) => ({ title, kind, ranged, fmt: rateCell })),
    {
      title: 'P2P=Disabled Latency Matrix (us, fabric only)',
      kind: 'latBounce',
      ranged: false,
      fmt: usCell,
    },
    {
      title: `P2P=Enabled Latency (P2P ${model.op === 'write' ? 'Writes' : 'Reads'}) Matrix (us, fabric only)`,
      kind: 'latP2p',
      ranged: false,
      fmt: usCell,
    },
  ];
  for (const spec of grids) {
    yield* gridLines(m, spec, width, out);
    out.line('');
  }
  out.text(
    'P2P=Enabled uses the route the kernel allows for each direction (a refused pair falls back to the bounce, as\n' +
      'the CUDA sample does). Latency is the fabric alone (switches, root complex, socket link); a\n' +
      'p2pBandwidthLatencyTest run adds several µs of driver and launch overhead.\n',
  );
  if (ranged)
    out.line(
      `note: ${noteText({ code: model.graph.rc.id === 'unknown' ? 'rc_unmeasured' : 'rc_lower_bound', evidence: {} })}; cells show lo-hi`,
    );
  else if (model.graph.rc.rcFlow.atLeast)
    out.line(`note: ${noteText({ code: 'rc_lower_bound', evidence: {} })}`);
  yield out.take();
}

/** A matrix's cell as JSON prints it: r2, null when not finite (and on the diagonal). */
const jsonCell = (v: number): string => {
  const x = r2(v);
  return Number.isFinite(x) ? String(x) : 'null';
};

/**
 * The oracle of `matricesJsonChunks` (tests): the document as one object, every matrix n × n
 * nested arrays. Too big to build on thousands of devices: the CLI writes the chunks.
 */
export function matricesJson(model: PerfModel, m: BandwidthMatrices) {
  const rows = (kind: MatrixKind, end: MatrixEnd = 'lo') =>
    Array.from({ length: m.n }, (_, i) =>
      Array.from({ length: m.n }, (_, j) => (i === j ? null : r2(m.cell(kind, i, j, end)))),
    );
  const ends = (key: RateKind) => ({
    lo: rows(key),
    ...(m.ranged ? { hi: rows(key, 'hi') } : {}),
  });
  return {
    ...matricesHead(model, m),
    unidirectional: { p2pDisabled: ends('uniBounce'), p2pEnabled: ends('uniP2p') },
    bidirectional: { p2pDisabled: ends('bidiBounce'), p2pEnabled: ends('bidiP2p') },
    latencyNs: { p2pDisabled: rows('latBounce'), p2pEnabled: rows('latP2p') },
  };
}

function matricesHead(model: PerfModel, m: BandwidthMatrices) {
  return {
    ...docHead(model, 'matrices'),
    devices: m.devices.map((d, i) => ({ index: i, name: deviceLabel(d), bdf: d.bdf })),
    ranged: m.ranged,
  };
}

/**
 * `bandwidth --json` of the matrices (docs/json.md) in pieces of about `pieceChars` characters,
 * without the trailing newline: the head pretty-printed as JSON.stringify(…, 2) prints it, each
 * matrix row on one line (`[null,24.51,…]`), the text of each distinct number made once.
 */
export function* matricesJsonChunks(
  model: PerfModel,
  m: BandwidthMatrices,
  pieceChars: number = PIECE_CHARS,
): Generator<string, void, undefined> {
  const { n } = m;
  const out = new Pieces(pieceChars);
  const head = prettyJson(matricesHead(model, m));
  out.text(`${head.slice(0, head.lastIndexOf('\n'))},\n`);
  const row = new Float64Array(n);
  const texts = new CellTexts(jsonCell);
  function* matrix(kind: MatrixKind, end: MatrixEnd, indent: string) {
    if (n === 0) {
      out.text('[]');
      return;
    }
    out.text('[\n');
    for (let i = 0; i < n; i++) {
      m.row(kind, i, end, row);
      let line = `${indent}  [`;
      for (let j = 0; j < n; j++) {
        if (j > 0) line += ',';
        const v = row[j]!;
        line += j === i ? 'null' : texts.text(v, v);
      }
      out.text(i + 1 < n ? `${line}],\n` : `${line}]\n`);
      if (out.full) yield out.take();
    }
    out.text(`${indent}]`);
  }
  const sections = [
    ['unidirectional', 'uniBounce', 'uniP2p'],
    ['bidirectional', 'bidiBounce', 'bidiP2p'],
  ] as const;
  for (const [name, off, on] of sections) {
    out.text(`  "${name}": {\n`);
    for (const [key, kind] of [
      ['p2pDisabled', off],
      ['p2pEnabled', on],
    ] as const) {
      out.text(`    "${key}": {\n      "lo": `);
      yield* matrix(kind, 'lo', '      ');
      if (m.ranged) {
        out.text(',\n      "hi": ');
        yield* matrix(kind, 'hi', '      ');
      }
      out.text(key === 'p2pDisabled' ? '\n    },\n' : '\n    }\n');
    }
    out.text('  },\n');
  }
  out.text('  "latencyNs": {\n    "p2pDisabled": ');
  yield* matrix('latBounce', 'lo', '    ');
  out.text(',\n    "p2pEnabled": ');
  yield* matrix('latP2p', 'lo', '    ');
  out.text('\n  }\n}');
  yield out.take();
}

/** Devices up to which the heatmap draws every cell as its own rect (≤ 6,320 rects). */
export const SVG_CELLS_UP_TO = 80;

/** A heatmap of the unidirectional P2P=Enabled matrix (`matricesSvgPieces` joined). */
export function matricesSvg(m: BandwidthMatrices): string {
  return [...matricesSvgPieces(m)].join('');
}

/**
 * A heatmap of the unidirectional P2P=Enabled matrix (low end of the ranges), in pieces of about
 * `pieceChars` characters. Up to SVG_CELLS_UP_TO devices every cell is a `<rect>` of its own;
 * beyond (the cells at their 8-pixel floor) each run of equal cells along a row is one `<rect>`
 * (a run of one is the cell's own rect, titled with its pair; a longer one names its first and
 * last column): 4,096 devices would otherwise be 16.8 M elements.
 */
export function* matricesSvgPieces(
  m: BandwidthMatrices,
  pieceChars: number = PIECE_CHARS,
): Generator<string, void, undefined> {
  const { n } = m;
  const cell = Math.max(8, Math.min(40, Math.floor(640 / Math.max(1, n))));
  const pad = 120;
  const size = pad + n * cell + 20;
  const row = new Float64Array(n);
  const merge = n > SVG_CELLS_UP_TO;
  let max = 0;
  for (let i = 0; i < n; i++) {
    m.row('uniP2p', i, 'lo', row);
    for (let j = 0; j < n; j++)
      if (i !== j && Number.isFinite(row[j]!)) max = Math.max(max, row[j]!);
  }
  const color = (v: number) => {
    const t = max > 0 ? v / max : 0;
    const h = Math.round(t * 220); // 0 red (slow) → 220 blue (fast)
    return `hsl(${h},70%,${Math.round(40 + 20 * (1 - t))}%)`;
  };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const labels = m.devices.map((d) => esc(deviceLabel(d)));
  const out = new Pieces(pieceChars);
  out.line(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 30}" font-family="sans-serif" font-size="${Math.min(11, cell - 2)}">`,
  );
  out.line(
    `<text x="4" y="16" font-size="13">Unidirectional P2P=Enabled bandwidth (GB/s), max ${r2(max)}</text>`,
  );
  for (let i = 0; i < n; i++) {
    out.line(`<text x="4" y="${30 + pad + i * cell + cell * 0.7}">${labels[i]}</text>`);
    out.line(
      `<text transform="translate(${pad + i * cell + cell * 0.7},${30 + pad - 4}) rotate(-60)">${labels[i]}</text>`,
    );
    if (out.full) yield out.take();
  }
  const fills = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    m.row('uniP2p', i, 'lo', row);
    const y = 30 + pad + i * cell;
    for (let j = 0; j < n; ) {
      if (j === i) {
        j++;
        continue;
      }
      const v = row[j]!;
      let k = j + 1;
      if (merge) while (k < n && k !== i && Object.is(row[k], v)) k++;
      let fill = fills.get(v);
      if (fill === undefined) {
        fill = color(v);
        fills.set(v, fill);
      }
      const to = k - j === 1 ? labels[j] : `${labels[j]} … ${labels[k - 1]} (${k - j} devices)`;
      out.line(
        `<rect x="${pad + j * cell}" y="${y}" width="${(k - j) * cell - 1}" height="${cell - 1}" fill="${fill}"><title>${labels[i]} → ${to}: ${r2(v)} GB/s</title></rect>`,
      );
      j = k;
    }
    if (out.full) yield out.take();
  }
  out.line('</svg>');
  yield out.take();
}

/** Any bandwidth record as text (`renderBandwidthPieces` joined). */
export function renderBandwidth(rec: BandwidthRecord, opts: BandwidthTextOptions = {}): string {
  return [...renderBandwidthPieces(rec, opts)].join('');
}

/** Any bandwidth record as text, in pieces of whole lines (~64 KiB; the matrices' can be 0.7–1 GB). */
export function* renderBandwidthPieces(
  rec: BandwidthRecord,
  opts: BandwidthTextOptions = {},
): Generator<string, void, undefined> {
  if (rec.kind === 'pair') yield renderPair(rec.model, rec.pair);
  else if (rec.kind === 'flows') yield renderFlows(rec.model, rec.flows);
  else yield* matricesPieces(rec.model, rec.matrices, opts);
}

/**
 * Any bandwidth record as one JSON document object. The oracle of `bandwidthJsonChunks` in tests;
 * the matrices' document is too big to build on thousands of devices.
 */
export function bandwidthJson(rec: BandwidthRecord): object {
  if (rec.kind === 'pair') return pairJson(rec.model, rec.pair);
  if (rec.kind === 'flows') return flowsJson(rec.model, rec.flows);
  return matricesJson(rec.model, rec.matrices);
}

/**
 * Exactly the text `bandwidth --json` prints, without the trailing newline, in pieces: a pair or
 * flows pretty-printed whole; the matrices with each row on one line (`matricesJsonChunks`).
 */
export function* bandwidthJsonChunks(rec: BandwidthRecord): Generator<string, void, undefined> {
  if (rec.kind === 'matrices') yield* matricesJsonChunks(rec.model, rec.matrices);
  else yield prettyJson(bandwidthJson(rec));
}
