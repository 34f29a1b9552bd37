/**
 * `report` (what `npm start` runs): every use case on one machine with its defaults — topology,
 * the P2P matrix summary, the DMA-BUF demo and the mapping costs. A section that cannot be computed
 * for this machine carries its error, so a shell can show the sections before it.
 */
import type { Fabric } from '../pci/fabric.js';
import { type BandwidthRecord, buildBandwidthMatrices } from './bandwidth.js';
import { type AppContext, loadMachine, type SourceRequest } from './context.js';
import { buildDemo, type DemoDoc } from './demo.js';
import { buildMapCost, type MapCostReport } from './map-cost.js';
import {
  buildMatrix,
  type CompactMatrix,
  compactMatrix,
  type P2pSummary,
  summaryOfCompact,
} from './matrix.js';

export type Section<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** The P2P section: the summary the text shows and the compact matrix `report --json` writes. */
export interface ReportP2p extends P2pSummary {
  readonly compact: CompactMatrix;
}

export interface ReportRecord {
  readonly fabric: Fabric;
  readonly p2p: Section<ReportP2p>;
  readonly demo: Section<DemoDoc>;
  readonly mapCost: Section<MapCostReport>;
  readonly bandwidth: Section<BandwidthRecord>;
}

function section<T>(run: () => T): Section<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

export function buildReport(fabric: Fabric): ReportRecord {
  return {
    fabric,
    p2p: section(() => {
      const view = buildMatrix(fabric, undefined, undefined, {});
      // One pass over the pairs: the summary is read off the compact matrix `--json` writes.
      const compact = compactMatrix(view);
      return { ...summaryOfCompact(view, compact), compact };
    }),
    demo: section(() => buildDemo(fabric)),
    mapCost: section(() => buildMapCost(fabric)),
    bandwidth: section(() => buildBandwidthMatrices(fabric)),
  };
}

export async function report(req: SourceRequest, ctx: AppContext): Promise<ReportRecord> {
  const { fabric } = await loadMachine(ctx, req);
  return buildReport(fabric);
}
