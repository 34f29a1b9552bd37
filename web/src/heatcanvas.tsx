/**
 * The P2P heatmap above HEATMAP_SVG_MAX endpoints: one canvas (a pixel per cell, scaled up without
 * smoothing), the same Plot colour scale and legend as the SVG cells, device labels thinned to
 * what fits, and the pair under the pointer (or the keyboard cursor) named in a live line; a
 * click or Enter opens the pair exactly as a cell click does.
 */
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  cellAt,
  type Grid,
  heatLayout,
  labelled,
  paintRgba,
  parseColour,
  type Rgba,
} from '../../src/web/heat.js';

export interface HeatCanvasProps {
  readonly grid: Grid;
  readonly color: Plot.ScaleOptions;
  /** Axis labels, one per device. */
  readonly labels: readonly string[];
  /** The full description of cell (row, column), as the SVG cell's aria-label says it. */
  readonly describe: (row: number, col: number) => string;
  /** Row and column of the selected pair, if any. */
  readonly selected: readonly [number, number] | null;
  readonly onCell: (row: number, col: number) => void;
  readonly title: string;
}

const clip = (s: string, max = 18) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function HeatCanvas(p: HeatCanvasProps) {
  const n = p.grid.n;
  const layout = useMemo(() => heatLayout(n), [n]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const legend = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<readonly [number, number] | null>(null);
  const [cursor, setCursor] = useState<readonly [number, number]>(p.selected ?? [0, 0]);

  useEffect(() => {
    const el = canvas.current;
    if (el === null) return;
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(layout.width * dpr);
    el.height = Math.round(layout.height * dpr);
    el.style.width = `${layout.width}px`;
    el.style.height = `${layout.height}px`;
    const ctx = el.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, layout.width, layout.height);
    const scale = Plot.scale({ color: p.color });
    // Plot's schemes give `#rrggbb` or `rgb(…)`; anything else goes through the canvas's parser.
    const colour = (v: string | number): Rgba => {
      const s = String(scale.apply!(v));
      const direct = parseColour(s);
      if (direct !== null) return direct;
      ctx.fillStyle = '#000';
      ctx.fillStyle = s;
      return parseColour(String(ctx.fillStyle)) ?? [0, 0, 0, 255];
    };
    const px = paintRgba(p.grid, colour);
    const off = document.createElement('canvas');
    off.width = n;
    off.height = n;
    off.getContext('2d')!.putImageData(new ImageData(px, n, n), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, layout.left, layout.top, n * layout.cell, n * layout.cell);
    ctx.fillStyle = '#222';
    ctx.font = '10px sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const at = labelled(layout);
    for (const i of at)
      ctx.fillText(clip(p.labels[i]!), layout.left - 4, layout.top + (i + 0.5) * layout.cell);
    ctx.textAlign = 'left';
    for (const j of at) {
      ctx.save();
      ctx.translate(layout.left + (j + 0.5) * layout.cell, layout.top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(clip(p.labels[j]!), 0, 0);
      ctx.restore();
    }
    ctx.font = 'bold 10px sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText('↓ provider (memory owner)', 2, 10);
    ctx.fillText('→ client (DMA initiator)', 2, 24);
    performance.measure('heatmap-draw', { start: t0, end: performance.now() });

    const host = legend.current;
    if (host !== null) host.replaceChildren(Plot.legend({ color: p.color }) as Node);
  }, [p.grid, p.color, layout, p.labels]);

  const fromEvent = (e: MouseEvent) => {
    const el = canvas.current!;
    const r = el.getBoundingClientRect();
    const x = ((e.clientX - r.left) * layout.width) / r.width;
    const y = ((e.clientY - r.top) * layout.height) / r.height;
    return cellAt(layout, x, y);
  };
  const onKey = (e: KeyboardEvent) => {
    const [i, j] = cursor;
    const last = n - 1;
    let to: readonly [number, number] | null = null;
    if (e.key === 'ArrowRight') to = [i, Math.min(last, j + 1)];
    else if (e.key === 'ArrowLeft') to = [i, Math.max(0, j - 1)];
    else if (e.key === 'ArrowDown') to = [Math.min(last, i + 1), j];
    else if (e.key === 'ArrowUp') to = [Math.max(0, i - 1), j];
    else if (e.key === 'Home') to = [i, 0];
    else if (e.key === 'End') to = [i, last];
    else if (e.key === 'PageDown') to = [Math.min(last, i + layout.labelStep), j];
    else if (e.key === 'PageUp') to = [Math.max(0, i - layout.labelStep), j];
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      p.onCell(i, j);
      return;
    }
    if (to === null) return;
    e.preventDefault();
    setCursor(to);
    setHover(to);
  };
  const box = (rc: readonly [number, number], cls: string, testid: string) => (
    <div
      class={cls}
      data-testid={testid}
      style={{
        left: `${layout.left + rc[1] * layout.cell - 1}px`,
        top: `${layout.top + rc[0] * layout.cell - 1}px`,
        width: `${layout.cell + 2}px`,
        height: `${layout.cell + 2}px`,
      }}
    />
  );
  return (
    <div class="heatcanvas">
      <div ref={legend} class="legend" />
      <p class="hover" data-testid="heat-hover" aria-live="polite">
        {hover
          ? p.describe(hover[0], hover[1])
          : 'Point at a cell (or focus the map and use the arrow keys) to name the pair; click or Enter opens its route.'}
      </p>
      <div class="heatwrap" style={{ width: `${layout.width}px`, height: `${layout.height}px` }}>
        <canvas
          ref={canvas}
          tabIndex={0}
          aria-label={`${p.title}. Arrow keys move between cells, Page Up and Down by ${layout.labelStep}, Enter opens the pair; the provider and client pickers above do the same.`}
          data-testid="heatmap-canvas"
          data-n={n}
          data-cell={layout.cell}
          data-left={layout.left}
          data-top={layout.top}
          data-label-step={layout.labelStep}
          onPointerMove={(e) => setHover(fromEvent(e))}
          onPointerLeave={() => setHover(null)}
          onClick={(e) => {
            const rc = fromEvent(e);
            if (rc !== null) {
              setCursor(rc);
              p.onCell(rc[0], rc[1]);
            }
          }}
          onFocus={() => setHover(cursor)}
          onKeyDown={onKey}
        />
        {p.selected ? box(p.selected, 'sel', 'heat-selected') : null}
        {hover ? box(hover, 'cursor', 'heat-cursor') : null}
      </div>
    </div>
  );
}
