/** map-cost: CPU and metadata against export size, one line (and one symbol) per strategy. */
import * as Plot from '@observablehq/plot';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { buildMapCost, type MapCostReport } from '../../src/app/map-cost.js';
import { formatSize, parseSize } from '../../src/dma/shape.js';
import type { IommuMode } from '../../src/iommu/types.js';
import type { Fabric } from '../../src/pci/fabric.js';
import { DASHES } from '../../src/report/svg.js';

interface Point {
  readonly strategy: string;
  readonly size: number;
  readonly cpuNs: number;
  readonly bytes: number;
}

export interface CostProps {
  readonly fabric: Fabric;
  readonly size: string;
  readonly onSize: (s: string) => void;
  readonly iommu: IommuMode | null;
}

function chart(
  points: Point[],
  y: 'cpuNs' | 'bytes',
  size: number,
  title: string,
): SVGElement | HTMLElement {
  const names = [...new Set(points.map((q) => q.strategy))];
  return Plot.plot({
    title,
    width: 760,
    height: 320,
    marginLeft: 70,
    x: { type: 'log', label: 'export size (bytes)' },
    y: { type: 'log', label: y === 'cpuNs' ? 'map + unmap CPU (ns)' : 'metadata held (bytes)' },
    color: { legend: true },
    symbol: { legend: true },
    ariaLabel: title,
    marks: [
      Plot.ruleX([size], { stroke: 'black', strokeDasharray: '4 3' }),
      Plot.text([size], {
        x: (d: number) => d,
        frameAnchor: 'top',
        text: () => 'your size',
        dy: -2,
      }),
      // One dash pattern and one symbol size per strategy: lines that coincide stay visible
      // (dashes interleave, symbols nest as concentric rings).
      ...names.flatMap((name, k) => {
        const mine = points.filter((q) => q.strategy === name);
        return [
          Plot.line(mine, {
            x: 'size',
            y,
            stroke: 'strategy',
            strokeWidth: 1.5,
            strokeDasharray: DASHES[k % DASHES.length]!,
          }),
          Plot.dot(mine, { x: 'size', y, stroke: 'strategy', symbol: 'strategy', r: 2.5 + 2 * k }),
        ];
      }),
    ],
  });
}

export function CostView(p: CostProps) {
  const res = useMemo((): { r: MapCostReport } | { error: string } => {
    try {
      return {
        r: buildMapCost(p.fabric, {
          size: parseSize(p.size),
          ...(p.iommu !== null ? { iommu: p.iommu } : {}),
        }),
      };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }, [p.fabric, p.size, p.iommu]);
  const cpu = useRef<HTMLDivElement>(null);
  const mem = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!('r' in res) || cpu.current === null || mem.current === null) return;
    const r = res.r;
    const points: Point[] = r.sweep.flatMap((c) =>
      c.costs
        .filter((k) => k.ok)
        .map((k) => ({
          strategy: k.strategy,
          size: Number(c.size),
          cpuNs: Math.max(1, k.cpuNs),
          bytes: Math.max(1, k.metadataBytes),
        })),
    );
    const size = Number(r.main.size);
    cpu.current.replaceChildren(chart(points, 'cpuNs', size, 'map + unmap CPU estimate'));
    mem.current.replaceChildren(chart(points, 'bytes', size, 'metadata held while mapped'));
  }, [res]);
  return (
    <section aria-label="map cost">
      <div class="controls">
        <label>
          Export size{' '}
          <input
            value={p.size}
            size={8}
            onChange={(e) => p.onSize((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      {'error' in res ? (
        <p class="error" role="alert">
          {res.error}
        </p>
      ) : (
        <>
          <p>
            {res.r.provider.name ?? res.r.provider.bdf} → {res.r.client.name ?? res.r.client.bdf}:{' '}
            {res.r.mapType}, IOMMU {res.r.mode} ({res.r.modeSource}), {res.r.main.chunk} chunks
          </p>
          <div ref={cpu} class="chart" />
          <div ref={mem} class="chart" />
          <table>
            <caption>At {formatSize(res.r.main.size)} (the charts' text alternative)</caption>
            <thead>
              <tr>
                <th>strategy</th>
                <th>CPU (ns)</th>
                <th>metadata (bytes)</th>
                <th>segments</th>
              </tr>
            </thead>
            <tbody>
              {res.r.main.costs.map((k) => (
                <tr key={k.strategy}>
                  <td>{k.strategy}</td>
                  <td>{k.ok ? k.cpuNs.toLocaleString('en') : (k.error ?? 'cannot map')}</td>
                  <td>{k.ok ? k.metadataBytes.toLocaleString('en') : '—'}</td>
                  <td>{k.ok ? k.segments : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ul>
            {res.r.conclusion.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
