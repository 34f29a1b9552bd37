/**
 * `peerdma bandwidth`: one pair (P2P vs bounce, the limiting link named), concurrent flows, or the
 * all-pairs matrices laid out like CUDA's p2pBandwidthLatencyTest, as text, JSON and an SVG heatmap;
 * and the bandwidth section of `peerdma report`. Wording of the model's notes lives here.
 */
import type { BandwidthRecord, PairReport } from '../app/bandwidth.js';
import type { PciFunction } from '../pci/types.js';
import type { BandwidthMatrices, MatrixEnd, MatrixKind, RateKind } from '../perf/matrix.js';
import type { FlowResult, PerfModel, PerfNote, Rate } from '../perf/model.js';
import { columnGroups } from './format.js';

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

function grid(
  n: number,
  cell: (i: number, j: number) => string,
  title: string,
  width: number | null = null,
): string {
  const cells: string[][] = [];
  for (let i = 0; i < n; i++) {
    const row: string[] = [];
    for (let j = 0; j < n; j++) row.push(i === j ? '-' : cell(i, j));
    cells.push(row);
  }
  const w = Math.max(6, ...cells.flat().map((c) => c.length)) + 1;
  const out = [`${title}\n`];
  // Wider than `width`: groups of columns, each under the row numbers again.
  const groups = columnGroups(n, 6, w, width);
  for (const [start, end] of groups) {
    if (groups.length > 1)
      out.push(`${start > 0 ? '\n' : ''}columns ${start}-${end - 1} of ${n}:\n`);
    const heads = Array.from({ length: end - start }, (_, k) => String(start + k).padStart(w));
    out.push(`   D\\D${heads.join('')}\n`);
    for (let i = 0; i < n; i++)
      out.push(
        `${String(i).padStart(6)}${cells[i]!.slice(start, end)
          .map((c) => c.padStart(w))
          .join('')}\n`,
      );
  }
  return out.join('');
}

/** Text options: `width` wraps each matrix by column groups (null/absent: one block). */
export interface BandwidthTextOptions {
  readonly width?: number | null;
}

export function renderMatrices(
  model: PerfModel,
  m: BandwidthMatrices,
  opts: BandwidthTextOptions = {},
): string {
  const width = opts.width ?? null;
  const { n } = m;
  if (n === 0) return 'no devices to compare (try --all or --class)\n';
  const { ranged } = m;
  const out = [header(model), 'Devices:\n'];
  m.devices.forEach((d, i) => {
    out.push(
      `  ${String(i).padStart(3)}  ${deviceLabel(d).padEnd(14)} ${d.bdf}  ${d.description ?? ''}\n`.replace(
        / +\n$/,
        '\n',
      ),
    );
  });
  out.push('\n');
  for (const [key, title] of TITLES) {
    out.push(
      grid(
        n,
        (i, j) => {
          const a = r2(m.cell(key, i, j, 'lo')).toFixed(2);
          const b = ranged ? r2(m.cell(key, i, j, 'hi')).toFixed(2) : a;
          return a === b ? a : `${a}-${b}`;
        },
        title,
        width,
      ),
    );
    out.push('\n');
  }
  out.push(
    grid(
      n,
      (i, j) => (m.cell('latBounce', i, j) / 1000).toFixed(2),
      'P2P=Disabled Latency Matrix (us, fabric only)',
      width,
    ),
  );
  out.push('\n');
  out.push(
    grid(
      n,
      (i, j) => (m.cell('latP2p', i, j) / 1000).toFixed(2),
      `P2P=Enabled Latency (P2P ${model.op === 'write' ? 'Writes' : 'Reads'}) Matrix (us, fabric only)`,
      width,
    ),
  );
  out.push('\n');
  out.push(
    'P2P=Enabled uses the route the kernel allows for each direction (a refused pair falls back to the bounce, as\n' +
      'the CUDA sample does). Latency is the fabric alone (switches, root complex, socket link); a\n' +
      'p2pBandwidthLatencyTest run adds several µs of driver and launch overhead.\n',
  );
  if (ranged)
    out.push(
      `note: ${noteText({ code: model.graph.rc.id === 'unknown' ? 'rc_unmeasured' : 'rc_lower_bound', evidence: {} })}; cells show lo-hi\n`,
    );
  else if (model.graph.rc.rcFlow.atLeast)
    out.push(`note: ${noteText({ code: 'rc_lower_bound', evidence: {} })}\n`);
  return out.join('');
}

const rows = (m: BandwidthMatrices, kind: MatrixKind, end: MatrixEnd = 'lo') =>
  Array.from({ length: m.n }, (_, i) =>
    Array.from({ length: m.n }, (_, j) => (i === j ? null : r2(m.cell(kind, i, j, end)))),
  );

export function matricesJson(model: PerfModel, m: BandwidthMatrices) {
  const ends = (key: RateKind) => ({
    lo: rows(m, key),
    ...(m.ranged ? { hi: rows(m, key, 'hi') } : {}),
  });
  return {
    ...docHead(model, 'matrices'),
    devices: m.devices.map((d, i) => ({ index: i, name: deviceLabel(d), bdf: d.bdf })),
    ranged: m.ranged,
    unidirectional: { p2pDisabled: ends('uniBounce'), p2pEnabled: ends('uniP2p') },
    bidirectional: { p2pDisabled: ends('bidiBounce'), p2pEnabled: ends('bidiP2p') },
    latencyNs: { p2pDisabled: rows(m, 'latBounce'), p2pEnabled: rows(m, 'latP2p') },
  };
}

/** A heatmap of the unidirectional P2P=Enabled matrix (low end of the ranges). */
export function matricesSvg(m: BandwidthMatrices): string {
  const { n } = m;
  const cell = Math.max(8, Math.min(40, Math.floor(640 / Math.max(1, n))));
  const pad = 120;
  const size = pad + n * cell + 20;
  const at = (i: number, j: number) => m.cell('uniP2p', i, j);
  let max = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j && Number.isFinite(at(i, j))) max = Math.max(max, at(i, j));
  const color = (v: number) => {
    const t = max > 0 ? v / max : 0;
    const h = Math.round(t * 220); // 0 red (slow) → 220 blue (fast)
    return `hsl(${h},70%,${Math.round(40 + 20 * (1 - t))}%)`;
  };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 30}" font-family="sans-serif" font-size="${Math.min(11, cell - 2)}">`,
    `<text x="4" y="16" font-size="13">Unidirectional P2P=Enabled bandwidth (GB/s), max ${r2(max)}</text>`,
  ];
  m.devices.forEach((d, i) => {
    parts.push(`<text x="4" y="${30 + pad + i * cell + cell * 0.7}">${esc(deviceLabel(d))}</text>`);
    parts.push(
      `<text transform="translate(${pad + i * cell + cell * 0.7},${30 + pad - 4}) rotate(-60)">${esc(deviceLabel(d))}</text>`,
    );
  });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const v = at(i, j);
      parts.push(
        `<rect x="${pad + j * cell}" y="${30 + pad + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${color(v)}"><title>${esc(deviceLabel(m.devices[i]!))} → ${esc(deviceLabel(m.devices[j]!))}: ${r2(v)} GB/s</title></rect>`,
      );
    }
  }
  parts.push('</svg>\n');
  return parts.join('\n');
}

/** Any bandwidth record as text. */
export function renderBandwidth(rec: BandwidthRecord, opts: BandwidthTextOptions = {}): string {
  if (rec.kind === 'pair') return renderPair(rec.model, rec.pair);
  if (rec.kind === 'flows') return renderFlows(rec.model, rec.flows);
  return renderMatrices(rec.model, rec.matrices, opts);
}

/** Any bandwidth record as one JSON document. */
export function bandwidthJson(rec: BandwidthRecord): object {
  if (rec.kind === 'pair') return pairJson(rec.model, rec.pair);
  if (rec.kind === 'flows') return flowsJson(rec.model, rec.flows);
  return matricesJson(rec.model, rec.matrices);
}
