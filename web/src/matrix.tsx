/**
 * The P2P matrix as a heatmap: Observable Plot SVG cells (focusable, labelled, with a table
 * alternative) up to HEATMAP_SVG_MAX endpoints, one canvas with the same colour scale above; a
 * click (or Enter, or the two pickers) selects a pair.
 */
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { MT_CODES } from '../../src/p2pdma/matrix.js';
import {
  type Grid,
  HEATMAP_SVG_MAX,
  MT_COLORS,
  metricGrid,
  type Show,
} from '../../src/web/heat.js';
import {
  AtLeastCells,
  bandwidthOf,
  type Cell,
  cellRecord,
  cells,
  type Judged,
  LOCALITY_LEGEND,
  short,
} from '../../src/web/judge.js';
import { HeatCanvas } from './heatcanvas.js';

export type { Show };

const mtShort = (m: string) =>
  m === 'BUS_ADDR' ? 'BUS' : m === 'THRU_HOST_BRIDGE' ? 'THB' : m === 'NOT_SUPPORTED' ? 'NS' : '?';

/** What a cell says for the metric shown (its text in the heatmap and in the table). */
function cellText(d: Cell, show: Show): string {
  if (show === 'distance') return String(d.distance);
  if (show === 'class') return d.locality;
  if (show === 'bandwidth') return d.GBpsText === '' ? '—' : d.GBpsText;
  return mtShort(d.mapType);
}

function cellLabel(d: Cell): string {
  const bw = d.GBpsText === '' ? '' : `, P2P ${d.GBpsText} GB/s`;
  return `${d.provider} → ${d.client}: ${d.mapType}, distance ${d.distance}, ${d.locality}${bw}`;
}
/** The colour scale of a metric, with its domain stated (the SVG and the canvas draw the same). */
function colorOf(show: Show, grid: Grid): Plot.ScaleOptions {
  if (show === 'maptype')
    return {
      type: 'ordinal',
      domain: [...MT_COLORS.keys()],
      range: [...MT_COLORS.values()],
      legend: true,
    };
  if (grid.kind === 'ordinal')
    return { type: 'ordinal', domain: [...grid.domain], scheme: 'Tableau10', legend: true };
  return {
    type: 'linear',
    domain: [...grid.domain],
    scheme: show === 'bandwidth' ? 'Blues' : 'Viridis',
    legend: true,
    ...(show === 'bandwidth' ? { label: 'P2P GB/s (uni-directional, low end)' } : {}),
  };
}

export interface MatrixProps {
  readonly judged: Judged;
  readonly show: Show;
  readonly onShow: (s: Show) => void;
  readonly pair: readonly [string, string] | null;
  readonly onPair: (p: readonly [string, string]) => void;
}

export function MatrixView(p: MatrixProps) {
  const devs = p.judged.matrix.devices;
  const wantBw = p.show === 'bandwidth';
  const svg = devs.length <= HEATMAP_SVG_MAX;
  const bw = useMemo(() => (wantBw ? bandwidthOf(p.judged) : undefined), [p.judged, wantBw]);
  const all = useMemo(() => (svg ? cells(p.judged, bw) : []), [p.judged, bw, svg]);
  const grid = useMemo(() => metricGrid(p.judged, p.show, bw), [p.judged, p.show, bw]);
  const color = useMemo(() => colorOf(p.show, grid), [p.show, grid]);
  // The cells' own labels (an unnamed device is its short BDF), so every cell lands on its axis.
  const labels = useMemo(() => devs.map(short), [devs]);
  const floors = useMemo(
    () => (bw === undefined || svg ? null : new AtLeastCells(p.judged, bw)),
    [p.judged, bw, svg],
  );
  const index = useMemo(() => new Map(devs.map((f, i) => [f.bdf as string, i])), [devs]);
  const selected = useMemo((): readonly [number, number] | null => {
    const a = p.pair ? index.get(p.pair[0]) : undefined;
    const b = p.pair ? index.get(p.pair[1]) : undefined;
    return a === undefined || b === undefined ? null : [a, b];
  }, [index, p.pair]);
  /** The cell holding the keyboard focus (roving tabindex), as an index into `all`. */
  const focus = useRef(0);
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
    const fill = {
      maptype: 'mapType',
      class: 'locality',
      bandwidth: 'GBps',
      distance: 'distance',
    }[p.show];
    // A range (`lo–hi`) needs wider cells than a code or a distance.
    const cw = p.show === 'bandwidth' ? 64 : 26;
    // Text stays readable on the dark end of the Blues scale.
    const top = Math.max(0, ...all.map((d) => d.GBps ?? 0));
    const ink = (d: Cell) =>
      p.show === 'bandwidth' && d.GBps !== null && d.GBps > 0.7 * top ? 'white' : 'black';
    const chart = Plot.plot({
      marginLeft: 110,
      marginBottom: 90,
      width: Math.max(420, 110 + cw * labels.length),
      height: Math.max(300, 90 + (p.show === 'bandwidth' ? 30 : 26) * labels.length),
      x: { domain: labels, label: 'client (DMA initiator)', tickRotate: -50 },
      y: { domain: labels, label: 'provider (memory owner)' },
      color,
      ariaLabel: `P2P matrix heatmap of ${labels.length} endpoints by ${p.show}`,
      ariaDescription: [...counts].map(([k, v]) => `${v} ${k}`).join(', '),
      marks: [
        Plot.cell(all, {
          x: 'client',
          y: 'provider',
          fill,
          inset: 0.5,
          title: cellLabel,
        }),
        Plot.text(all, {
          x: 'client',
          y: 'provider',
          text: (d: Cell) => cellText(d, p.show),
          fontSize: p.show === 'bandwidth' ? 8 : 9,
          fill: ink,
        }),
        ...(selected
          ? [
              Plot.cell([0], {
                x: () => labels[selected[1]],
                y: () => labels[selected[0]],
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
    const n = devs.length;
    if (selected) focus.current = selected[0] * n + selected[1];
    if (focus.current >= rects.length) focus.current = 0;
    const choose = (d: Cell) => p.onPair([devs[d.i]!.bdf, devs[d.j]!.bdf]);
    rects.forEach((r, idx) => {
      const d = all[idx];
      if (!d) return;
      r.setAttribute('data-pair', `${devs[d.i]!.bdf} ${devs[d.j]!.bdf}`);
      r.setAttribute('role', 'button');
      r.setAttribute('aria-label', cellLabel(d));
      r.setAttribute('tabindex', idx === focus.current ? '0' : '-1');
      r.style.cursor = 'pointer';
      r.addEventListener('click', () => choose(d));
      r.addEventListener('focus', () => {
        focus.current = idx;
      });
      r.addEventListener('keydown', (e) => {
        const i = d.i;
        const j = d.j;
        let to: number | null = null;
        if (e.key === 'ArrowRight') to = i * n + Math.min(n - 1, j + 1);
        else if (e.key === 'ArrowLeft') to = i * n + Math.max(0, j - 1);
        else if (e.key === 'ArrowDown') to = Math.min(n - 1, i + 1) * n + j;
        else if (e.key === 'ArrowUp') to = Math.max(0, i - 1) * n + j;
        else if (e.key === 'Home') to = i * n;
        else if (e.key === 'End') to = i * n + n - 1;
        else if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          choose(d);
          return;
        }
        if (to === null) return;
        e.preventDefault();
        const next = rects[to];
        if (!next) return;
        r.setAttribute('tabindex', '-1');
        next.setAttribute('tabindex', '0');
        focus.current = to;
        next.focus();
      });
    });
  }, [all, p.show, color, labels, selected]);

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
            <option value="bandwidth">bandwidth (P2P GB/s)</option>
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
        {svg
          ? ''
          : ` (more than ${HEATMAP_SVG_MAX} endpoints: drawn as one picture; point at a cell to name it)`}
      </p>
      {p.show === 'bandwidth' ? (
        <p class="note">
          Predicted P2P GB/s, one direction (provider → client), posted writes, from the PCIe model
          as <code>peerdma bandwidth --all</code> computes it; a range is <i>lo–hi</i>, and{' '}
          <i>≥ lo–hi</i> a lower bound (a published root-complex figure that is only a floor), as
          the pair panel says it.
        </p>
      ) : null}
      <div ref={host} class="heatmap" />
      {svg ? null : (
        <HeatCanvas
          grid={grid}
          color={color}
          labels={labels}
          describe={(a, b) => cellLabel(cellRecord(p.judged, a, b, bw, floors))}
          selected={selected}
          onCell={(a, b) => p.onPair([devs[a]!.bdf, devs[b]!.bdf])}
          title={`P2P matrix heatmap of ${devs.length} endpoints by ${p.show}: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`}
        />
      )}
      {all.length > 0 ? (
        <details data-testid="matrix-table">
          <summary>The matrix as a table</summary>
          <table>
            <caption>
              Rows: provider (memory owner); columns: client (DMA initiator); cells:{' '}
              {p.show === 'bandwidth' ? 'P2P GB/s' : p.show}
            </caption>
            <thead>
              <tr>
                <th scope="col">provider \ client</th>
                {devs.map((f, j) => (
                  <th key={f.bdf} scope="col">
                    {all[j]?.client}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {devs.map((f, i) => (
                <tr key={f.bdf}>
                  <th scope="row">{all[i * devs.length]?.provider}</th>
                  {devs.map((g, j) => {
                    const d = all[i * devs.length + j]!;
                    return (
                      <td key={g.bdf} title={cellLabel(d)}>
                        {cellText(d, p.show)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
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
