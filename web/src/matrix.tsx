/** The P2P matrix as an Observable Plot heatmap; a click (or the two pickers) selects a pair. */
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { MT_CODES } from '../../src/p2pdma/matrix.js';
import { type Cell, cells, type Judged, LOCALITY_LEGEND } from '../../src/web/judge.js';

export type Show = 'maptype' | 'class' | 'distance';
/** Above this many endpoints the heatmap is replaced by counts and the pickers. */
export const HEATMAP_MAX = 64;

const MT_COLORS: Record<string, string> = {
  BUS_ADDR: '#1a9850',
  THRU_HOST_BRIDGE: '#fdae61',
  NOT_SUPPORTED: '#d73027',
  uncertain: '#999999',
};

export interface MatrixProps {
  readonly judged: Judged;
  readonly show: Show;
  readonly onShow: (s: Show) => void;
  readonly pair: readonly [string, string] | null;
  readonly onPair: (p: readonly [string, string]) => void;
}

export function MatrixView(p: MatrixProps) {
  const devs = p.judged.matrix.devices;
  const all = useMemo(() => (devs.length <= HEATMAP_MAX ? cells(p.judged) : []), [p.judged]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    const m = p.judged.matrix.mapTypes;
    for (let i = 0; i < m.length; i++) {
      const k = MT_CODES[m[i]!]!;
      c.set(k, (c.get(k) ?? 0) + 1);
    }
    return c;
  }, [p.judged]);
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    el.replaceChildren();
    if (all.length === 0) return;
    const labels = devs.map((f) => f.name ?? f.bdf);
    const fill =
      p.show === 'maptype'
        ? {
            fill: 'mapType',
            color: {
              domain: Object.keys(MT_COLORS),
              range: Object.values(MT_COLORS),
              legend: true,
            },
          }
        : p.show === 'class'
          ? { fill: 'locality', color: { scheme: 'Tableau10', legend: true } as Plot.ScaleOptions }
          : { fill: 'distance', color: { scheme: 'Viridis', legend: true } as Plot.ScaleOptions };
    const sel = p.pair;
    const chart = Plot.plot({
      marginLeft: 110,
      marginBottom: 90,
      width: Math.max(420, 110 + 26 * labels.length),
      height: Math.max(300, 90 + 26 * labels.length),
      x: { domain: labels, label: 'client (DMA initiator)', tickRotate: -50 },
      y: { domain: labels, label: 'provider (memory owner)' },
      color: fill.color,
      ariaLabel: `P2P matrix heatmap of ${labels.length} endpoints by ${p.show}`,
      ariaDescription: [...counts].map(([k, v]) => `${v} ${k}`).join(', '),
      marks: [
        Plot.cell(all, {
          x: 'client',
          y: 'provider',
          fill: fill.fill,
          inset: 0.5,
          title: (d: Cell) =>
            `${d.provider} → ${d.client}: ${d.mapType}, distance ${d.distance}, ${d.locality}`,
        }),
        Plot.text(all, {
          x: 'client',
          y: 'provider',
          text: (d: Cell) =>
            p.show === 'distance'
              ? String(d.distance)
              : p.show === 'class'
                ? d.locality
                : d.mapType === 'BUS_ADDR'
                  ? 'BUS'
                  : d.mapType === 'THRU_HOST_BRIDGE'
                    ? 'THB'
                    : d.mapType === 'NOT_SUPPORTED'
                      ? 'NS'
                      : '?',
          fontSize: 9,
          fill: 'black',
        }),
        ...(sel
          ? [
              Plot.cell([0], {
                x: () => devs.find((f) => f.bdf === sel[1])?.name ?? sel[1],
                y: () => devs.find((f) => f.bdf === sel[0])?.name ?? sel[0],
                stroke: 'black',
                strokeWidth: 2.5,
                fill: 'none',
              }),
            ]
          : []),
      ],
    });
    el.append(chart);
    const rects = [...el.querySelectorAll<SVGRectElement>('g[aria-label="cell"] rect')];
    rects.forEach((r, idx) => {
      const d = all[idx];
      if (!d) return;
      r.setAttribute('data-pair', `${devs[d.i]!.bdf} ${devs[d.j]!.bdf}`);
      r.style.cursor = 'pointer';
      r.addEventListener('click', () => p.onPair([devs[d.i]!.bdf, devs[d.j]!.bdf]));
    });
  }, [all, p.show, p.pair]);

  const pick = (which: 0 | 1, bdf: string) => {
    const cur = p.pair ?? [devs[0]?.bdf ?? '', devs[1]?.bdf ?? devs[0]?.bdf ?? ''];
    p.onPair(which === 0 ? [bdf, cur[1]] : [cur[0], bdf]);
  };
  return (
    <section aria-label="P2P matrix">
      <div class="controls">
        <label>
          Show{' '}
          <select
            value={p.show}
            onChange={(e) => p.onShow((e.target as HTMLSelectElement).value as Show)}
          >
            <option value="maptype">map type</option>
            <option value="class">locality class</option>
            <option value="distance">kernel distance</option>
          </select>
        </label>
        {(['provider', 'client'] as const).map((w, k) => (
          <label key={w}>
            {w}{' '}
            <select
              name={w}
              value={p.pair?.[k] ?? ''}
              onChange={(e) => pick(k as 0 | 1, (e.target as HTMLSelectElement).value)}
            >
              <option value="">—</option>
              {devs.map((f) => (
                <option key={f.bdf} value={f.bdf}>
                  {f.name ? `${f.name} (${f.bdf})` : f.bdf}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <p class="summary" data-testid="matrix-summary">
        {devs.length} endpoints, {devs.length * devs.length} ordered pairs:{' '}
        {[...counts].map(([k, v]) => `${v} ${k}`).join(' · ')}
        {devs.length > HEATMAP_MAX ? ` (heatmap drawn up to ${HEATMAP_MAX} endpoints)` : ''}
      </p>
      <div ref={host} class="heatmap" />
      {p.show === 'class' ? (
        <details>
          <summary>locality classes</summary>
          <ul>
            {LOCALITY_LEGEND.map(([k, v]) => (
              <li key={k}>
                <b>{k}</b> {v}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
