/**
 * `peerdma report --json` (docs/json.md): every section of the report as the document its own
 * command prints with --json, under one envelope. A section that could not be computed for this
 * machine carries `{error: {code, message}}` in its place.
 */

import type { CompactMatrix } from '../app/matrix.js';
import type { ReportRecord, Section } from '../app/report.js';
import { bandwidthJson } from './bandwidth.js';
import { mapCostJson } from './map-cost.js';
import { matrixJsonText } from './p2p-matrix.js';
import { topoJson } from './topo.js';

export const REPORT_SCHEMA_VERSION = 1;

function sectionJson<T>(s: Section<T>, json: (v: T) => unknown): unknown {
  if (s.ok) return json(s.value);
  const e = s.error as { code?: unknown; message?: unknown } | null;
  return {
    error: {
      code: typeof e?.code === 'string' ? e.code : 'E_INTERNAL',
      message: typeof e?.message === 'string' ? e.message : String(s.error),
    },
  };
}

/**
 * `{schemaVersion: 1, topology, p2p, demo, mapCost, bandwidth}`: topology as `topo --json`, p2p
 * as `matrix --json` (the default device selection), demo as `demo --json`, mapCost as
 * `map-cost --json`, bandwidth as `bandwidth --json` (the matrices). `p2pCompact`: the compact
 * form of the p2p section's matrix (app's `compactMatrix`), when that section ran.
 */
export function reportJson(rec: ReportRecord, p2pCompact: CompactMatrix | null): object {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    topology: topoJson(rec.fabric),
    p2p: sectionJson(rec.p2p, (sum) =>
      p2pCompact === null ? null : JSON.parse(matrixJsonText(sum.view, p2pCompact)),
    ),
    demo: sectionJson(rec.demo, (doc) => doc),
    mapCost: sectionJson(rec.mapCost, mapCostJson),
    bandwidth: sectionJson(rec.bandwidth, bandwidthJson),
  };
}

/** The first section that failed (the report stops its text there; --json exits 2 with it). */
export function firstSectionError(rec: ReportRecord): unknown {
  for (const s of [rec.p2p, rec.demo, rec.mapCost, rec.bandwidth]) if (!s.ok) return s.error;
  return undefined;
}
