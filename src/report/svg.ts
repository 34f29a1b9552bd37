/**
 * A tiny, deterministic SVG writer for log-log line charts: axes with decade ticks, one polyline
 * per series, markers, and a legend. Numbers are printed with fixed precision so the same input
 * gives byte-identical output.
 */
export interface Series {
  readonly name: string;
  /** [x, y] pairs, x and y > 0 (points with y ≤ 0 are skipped: they cannot sit on a log axis). */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
  /** Tick label for a power of ten on each axis (default `1e6`). */
  readonly xTick?: (v: number) => string;
  /** Explicit x ticks (e.g. powers of two for byte sizes); the x axis then spans ticks and data. */
  readonly xTicks?: readonly number[];
  readonly yTick?: (v: number) => string;
  /** Explicit y ticks; default: every power of ten the data spans. */
  readonly yTicks?: readonly number[];
  /** Vertical markers (e.g. crossover sizes) with a short label at the top. */
  readonly marks?: readonly { readonly x: number; readonly label: string }[];
}

/** Colour-blind-safe palette (Okabe–Ito). */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
];

/** Dash patterns, one per series, so overlapping lines stay distinguishable without colour. */
export const DASHES = ['', '7 4', '2 3', '9 3 2 3', '4 2', '1 2', '12 4'];

const f = (n: number) => (Math.round(n * 10) / 10).toFixed(1);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sci = (v: number) => `1e${Math.round(Math.log10(v))}`;

/** One chart as an SVG `<g>` fragment of the given size, to place with `svgDocument`. */
export function logLogChart(o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 70, r: 150, t: 30, b: 50 };
  const pts = o.series.flatMap((s) => s.points.filter(([x, y]) => x > 0 && y > 0));
  const span = (vs: number[]) => {
    const lo = Math.floor(Math.log10(Math.min(...vs)));
    const hi = Math.ceil(Math.log10(Math.max(...vs)));
    return [lo, hi === lo ? lo + 1 : hi] as const;
  };
  const [x0, x1] =
    o.xTicks && o.xTicks.length > 1
      ? ([
          Math.log10(Math.min(...o.xTicks, ...pts.map((p) => p[0]))),
          Math.log10(Math.max(...o.xTicks, ...pts.map((p) => p[0]))),
        ] as const)
      : pts.length
        ? span(pts.map((p) => p[0]))
        : ([0, 1] as const);
  const [y0, y1] =
    o.yTicks && o.yTicks.length > 1
      ? ([
          Math.log10(Math.min(...o.yTicks, ...pts.map((p) => p[1]))),
          Math.log10(Math.max(...o.yTicks, ...pts.map((p) => p[1]))),
        ] as const)
      : pts.length
        ? span(pts.map((p) => p[1]))
        : ([0, 1] as const);
  const px = (x: number) => m.l + ((Math.log10(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((Math.log10(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<text x="${f(m.l)}" y="18" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`,
  );
  const xt = o.xTick ?? sci;
  const yt = o.yTick ?? sci;
  const xs = o.xTicks ?? Array.from({ length: x1 - x0 + 1 }, (_, i) => 10 ** (x0 + i));
  for (const v of xs) {
    const x = px(v);
    out.push(`<line x1="${f(x)}" y1="${m.t}" x2="${f(x)}" y2="${H - m.b}" stroke="#eee"/>`);
    out.push(
      `<text x="${f(x)}" y="${H - m.b + 16}" font-size="10" text-anchor="middle">${esc(xt(v))}</text>`,
    );
  }
  const ys = o.yTicks ?? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i));
  for (const v of ys) {
    const y = py(v);
    out.push(`<line x1="${m.l}" y1="${f(y)}" x2="${W - m.r}" y2="${f(y)}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.l - 6}" y="${f(y + 3)}" font-size="10" text-anchor="end">${esc(yt(v))}</text>`,
    );
  }
  for (const k of o.marks ?? []) {
    const x = px(k.x);
    out.push(
      `<line x1="${f(x)}" y1="${m.t}" x2="${f(x)}" y2="${H - m.b}" stroke="#555" stroke-dasharray="3 3"/>`,
    );
    out.push(
      `<text x="${f(x + 3)}" y="${m.t + 10}" font-size="9" fill="#555">${esc(k.label)}</text>`,
    );
  }
  out.push(
    `<text x="${f((m.l + W - m.r) / 2)}" y="${H - 12}" font-size="12" text-anchor="middle">${esc(o.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(16 ${f((m.t + H - m.b) / 2)}) rotate(-90)" font-size="12" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const dash = DASHES[i % DASHES.length]!;
    const dashAttr = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    const p = s.points
      .filter(([x, y]) => x > 0 && y > 0)
      .map(([x, y]) => `${f(px(x))},${f(py(y))}`);
    if (p.length > 1)
      out.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashAttr} points="${p.join(' ')}"/>`,
      );
    for (const q of p) {
      const [cx, cy] = q.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`);
    }
    const ly = m.t + 10 + i * 18;
    out.push(
      `<line x1="${W - m.r + 10}" y1="${ly}" x2="${W - m.r + 30}" y2="${ly}" stroke="${colour}" stroke-width="2"${dashAttr}/>`,
    );
    out.push(`<text x="${W - m.r + 35}" y="${ly + 4}" font-size="11">${esc(s.name)}</text>`);
  });
  return `<g>\n${out.join('\n')}\n</g>`;
}

/** A standalone SVG document stacking `charts` (each `height` tall) vertically. */
export function svgDocument(charts: readonly string[], width = 640, height = 400): string {
  const H = height * charts.length;
  const body = charts
    .map((c, i) => `<g transform="translate(0 ${i * height})">\n${c}\n</g>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
