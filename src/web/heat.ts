/**
 * The P2P heatmap's data at any size: one value per cell of the judged matrix in typed arrays (no
 * per-cell objects, so 1,024 endpoints are a million numbers, not a million records), the colour
 * domain both renderings share (the SVG cells up to HEATMAP_SVG_MAX endpoints, a canvas above),
 * the canvas layout with its label thinning, hit-testing of a pointer position, and the RGBA
 * pixels of the picture. Colours come from the caller (the page's Plot scale), so this stays pure.
 */
import { localityClass } from '../p2pdma/locality.js';
import { cellDistance, cellMapType, MT_CODES } from '../p2pdma/matrix.js';
import type { BandwidthMatrices } from '../perf/matrix.js';
import type { Judged } from './judge.js';

export type Show = 'maptype' | 'class' | 'distance' | 'bandwidth';

/** Up to this many endpoints every cell is an SVG element (focusable, labelled, in a table too). */
export const HEATMAP_SVG_MAX = 64;

/** The map-type colours, in legend order. */
export const MT_COLORS: ReadonlyMap<string, string> = new Map([
  ['BUS_ADDR', '#1a9850'],
  ['THRU_HOST_BRIDGE', '#fdae61'],
  ['NOT_SUPPORTED', '#d73027'],
  ['uncertain', '#999999'],
]);

/** A categorical metric: each cell an index into `domain` (NONE: no value). */
export interface OrdinalGrid {
  readonly kind: 'ordinal';
  readonly n: number;
  readonly domain: readonly string[];
  readonly index: Uint8Array;
}

/** A numeric metric: NaN where a cell has no value (the bandwidth diagonal). */
export interface ContinuousGrid {
  readonly kind: 'continuous';
  readonly n: number;
  readonly values: Float64Array;
  /** Extent of the finite values ([0, 0] when there are none). */
  readonly domain: readonly [number, number];
}

export type Grid = OrdinalGrid | ContinuousGrid;

export const NONE = 255;

function ordinal(n: number, value: (a: number, b: number) => string, order?: readonly string[]) {
  const raw: string[] = new Array(n * n);
  const seen = new Set<string>();
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = value(a, b);
      raw[a * n + b] = v;
      seen.add(v);
    }
  }
  // A fixed order when the metric has one (map types); else sorted, as Plot orders a domain.
  const domain = order ?? [...seen].sort();
  const at = new Map(domain.map((d, i) => [d, i]));
  const index = new Uint8Array(n * n);
  for (let k = 0; k < raw.length; k++) index[k] = at.get(raw[k]!) ?? NONE;
  return { kind: 'ordinal', n, domain, index } as const;
}

function continuous(n: number, value: (a: number, b: number) => number): ContinuousGrid {
  const values = new Float64Array(n * n);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = value(a, b);
      values[a * n + b] = v;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return { kind: 'continuous', n, values, domain: lo <= hi ? [lo, hi] : [0, 0] };
}

/**
 * The metric shown, for every (provider row, client column) cell. Bandwidth is the low end of the
 * predicted uni-directional P2P GB/s (row → column), NaN on the diagonal; it needs `bw`.
 */
export function metricGrid(j: Judged, show: Show, bw?: BandwidthMatrices): Grid {
  const m = j.matrix;
  const n = m.devices.length;
  if (show === 'maptype') {
    // Straight from the codes (a million cells at 1,024 endpoints): code → legend position.
    const domain = [...MT_COLORS.keys()];
    const lut = MT_CODES.map((c) => domain.indexOf(c));
    const index = new Uint8Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) index[a * n + b] = lut[cellMapType(m, a, b)] ?? NONE;
    }
    return { kind: 'ordinal', n, domain, index };
  }
  if (show === 'class') {
    // A class depends on the two functions' places only: two functions on different buses answer
    // as their parent bridges do (siblings of a bus answer alike), so each pair of bridges is
    // asked once. Same bus, VFs and functions without a parent bridge are asked one by one.
    const devs = m.devices;
    // Parent bridge of each device as a small number (-1: ask one by one).
    const ids = new Map<string, number>();
    const par = devs.map((f) => {
      if (f.parent === null || f.physfn !== null) return -1;
      let id = ids.get(f.parent);
      if (id === undefined) {
        id = ids.size;
        ids.set(f.parent, id);
      }
      return id;
    });
    const p = ids.size;
    const memo: (string | undefined)[] = new Array(p * p);
    return ordinal(n, (a, b) => {
      const pa = par[a]!;
      const pb = par[b]!;
      if (pa < 0 || pb < 0 || pa === pb) return localityClass(j.fabric, devs[a]!, devs[b]!);
      const k = pa * p + pb;
      let v = memo[k];
      if (v === undefined) {
        v = localityClass(j.fabric, devs[a]!, devs[b]!);
        memo[k] = v;
      }
      return v;
    });
  }
  if (show === 'distance') return continuous(n, (a, b) => cellDistance(m, a, b));
  if (bw === undefined) throw new Error('the bandwidth metric needs the bandwidth matrices');
  return continuous(n, (a, b) => {
    if (a === b) return Number.NaN;
    const v = bw.cell('uniP2p', a, b, 'lo');
    return Number.isFinite(v) ? v : Number.NaN;
  });
}

/** The value of one cell as the colour scale takes it (null: no value). */
export function gridValue(g: Grid, k: number): string | number | null {
  if (g.kind === 'ordinal') return g.index[k] === NONE ? null : g.domain[g.index[k]!]!;
  const v = g.values[k]!;
  return Number.isNaN(v) ? null : v;
}

/** Where the canvas heatmap puts things, in CSS pixels from the canvas's top-left corner. */
export interface HeatLayout {
  readonly n: number;
  /** Side of one cell. */
  readonly cell: number;
  /** Left margin (row labels) and top margin (column labels). */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  /** Every `labelStep`-th device gets a label on each axis (the rest would overlap). */
  readonly labelStep: number;
}

/** The label font's line height: labels closer than this overlap. */
export const LABEL_PX = 11;

/**
 * Cells as large as fit `plot` pixels (at most 14, at least 1: at 1,024 endpoints one pixel per
 * cell), margins for the labels, and every k-th label so that labels are LABEL_PX apart.
 */
export function heatLayout(n: number, plot = 1024, left = 120, top = 110): HeatLayout {
  const cell = Math.max(1, Math.min(14, Math.floor(plot / Math.max(1, n))));
  return {
    n,
    cell,
    left,
    top,
    width: left + n * cell + 8,
    height: top + n * cell + 8,
    labelStep: Math.max(1, Math.ceil(LABEL_PX / cell)),
  };
}

/** The indices that get a label: 0, step, 2·step, … */
export function labelled(l: HeatLayout): number[] {
  const out: number[] = [];
  for (let i = 0; i < l.n; i += l.labelStep) out.push(i);
  return out;
}

/** The (provider row, client column) under a point, or null outside the cells. */
export function cellAt(l: HeatLayout, x: number, y: number): readonly [number, number] | null {
  const c = Math.floor((x - l.left) / l.cell);
  const r = Math.floor((y - l.top) / l.cell);
  if (c < 0 || r < 0 || c >= l.n || r >= l.n) return null;
  return [r, c];
}

/** The centre of a cell, in the same coordinates as `cellAt` takes. */
export function cellCentre(l: HeatLayout, row: number, col: number): readonly [number, number] {
  return [l.left + (col + 0.5) * l.cell, l.top + (row + 0.5) * l.cell];
}

export type Rgba = readonly [number, number, number, number];

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** RGBA as one 32-bit word laid out in memory as R, G, B, A bytes. */
function word(c: Rgba): number {
  return LITTLE_ENDIAN
    ? (c[0] | (c[1] << 8) | (c[2] << 16) | (c[3] << 24)) >>> 0
    : ((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | c[3]) >>> 0;
}

/**
 * The picture, one pixel per cell (row-major, as ImageData wants it). `colour` is asked once per
 * category or distinct number; a cell without a value gets `empty`.
 */
export function paintRgba(
  g: Grid,
  colour: (v: string | number) => Rgba,
  empty: Rgba = [255, 255, 255, 0],
): Uint8ClampedArray<ArrayBuffer> {
  const cells = g.n * g.n;
  const out = new Uint32Array(cells);
  const none = word(empty);
  if (g.kind === 'ordinal') {
    const lut = g.domain.map((d) => word(colour(d)));
    for (let k = 0; k < cells; k++) out[k] = g.index[k] === NONE ? none : lut[g.index[k]!]!;
  } else {
    const cache = new Map<number, number>();
    for (let k = 0; k < cells; k++) {
      const v = g.values[k]!;
      if (Number.isNaN(v)) {
        out[k] = none;
        continue;
      }
      let w = cache.get(v);
      if (w === undefined) {
        w = word(colour(v));
        cache.set(v, w);
      }
      out[k] = w;
    }
  }
  return new Uint8ClampedArray(out.buffer);
}

/** `#rgb`, `#rrggbb` and `rgb(r, g, b)` (what Plot's schemes give) as RGBA; null otherwise. */
export function parseColour(s: string): Rgba | null {
  const t = s.trim();
  let m = /^#([0-9a-f]{6})$/i.exec(t);
  if (m) {
    const v = Number.parseInt(m[1]!, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255, 255];
  }
  m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(t);
  if (m) {
    const h = (x: string) => Number.parseInt(x + x, 16);
    return [h(m[1]!), h(m[2]!), h(m[3]!), 255];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+))?\s*\)$/i.exec(t);
  if (m) {
    const a = m[4] === undefined ? 1 : Number(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), Math.round(a * 255)];
  }
  return null;
}
