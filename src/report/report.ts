/**
 * `peerdma report --json` (docs/json.md): every section of the report as the document its own
 * command prints with --json, under one envelope, written in pieces (`reportJsonChunks`): the P2P
 * section is the bytes `matrix --json` writes (never one string, never parsed back), so a machine
 * with thousands of endpoints is never one document in memory. A section that could not be
 * computed for this machine carries `{error: {code, message}}` in its place.
 */

import type { ReportP2p, ReportRecord, Section } from '../app/report.js';
import { prettyJson } from '../util/json.js';
import { bandwidthJsonChunks, renderBandwidthPieces } from './bandwidth.js';
import { renderDemoSection } from './demo.js';
import { mapCostJson, renderMapCostSection } from './map-cost.js';
import { matrixJsonChunks, renderP2pSection } from './p2p-matrix.js';
import { renderTopo, topoJsonPieces } from './topo.js';

export const REPORT_SCHEMA_VERSION = 1;

/** The `{error: {code, message}}` that stands for a section that failed. */
export function sectionError(error: unknown): { error: { code: string; message: string } } {
  const e = error as { code?: unknown; message?: unknown } | null;
  return {
    error: {
      code: typeof e?.code === 'string' ? e.code : 'E_INTERNAL',
      message: typeof e?.message === 'string' ? e.message : String(error),
    },
  };
}

/** A section's text: its own pieces when it ran, its error document when it did not. */
function* section<T>(
  s: Section<T>,
  pieces: (v: T) => Iterable<string | Uint8Array>,
): Generator<string | Uint8Array> {
  if (s.ok) yield* pieces(s.value);
  else yield prettyJson(sectionError(s.error));
}

export interface ReportJsonOptions {
  /** About how many bytes each piece of the P2P section holds (matrixJsonChunks). */
  readonly chunkBytes?: number;
  /** Byte chunks the consumer has written out, filled again by the P2P section (matrixJsonChunks). */
  readonly free?: Uint8Array[];
}

/**
 * `{schemaVersion: 1, topology, p2p, demo, mapCost, bandwidth}` in pieces (text, or UTF-8 bytes
 * for the P2P section), with a trailing newline: topology as `topo --json`, p2p as `matrix --json`
 * (the default device selection), demo as `demo --json`, mapCost as `map-cost --json`, bandwidth
 * as `bandwidth --json` (the matrices), each exactly the text that command prints without its
 * newline. Parsed, it is the document `JSON.parse` of each command's output would give.
 */
export function* reportJsonChunks(
  rec: ReportRecord,
  opts: ReportJsonOptions = {},
): Generator<string | Uint8Array> {
  yield `{\n  "schemaVersion": ${REPORT_SCHEMA_VERSION},\n  "topology": `;
  yield* topoJsonPieces(rec.fabric);
  yield ',\n  "p2p": ';
  yield* section(rec.p2p, (p: ReportP2p) =>
    matrixJsonChunks(p.view, p.compact, opts.chunkBytes, opts.free),
  );
  yield ',\n  "demo": ';
  yield* section(rec.demo, (doc) => [prettyJson(doc)]);
  yield ',\n  "mapCost": ';
  yield* section(rec.mapCost, (r) => [prettyJson(mapCostJson(r))]);
  yield ',\n  "bandwidth": ';
  yield* section(rec.bandwidth, bandwidthJsonChunks);
  yield '\n}\n';
}

/** `== Title ====…` as wide as the report (76 columns and the title, at least three `=`). */
function heading(title: string): string {
  return `== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n`;
}

/**
 * One section of the text report: the heading, the section's own text without the heading its
 * command prints (its first line, when that is `== … ==`), a line end if it lacks one, a blank line.
 */
function* textSection(title: string, pieces: Iterable<string>): Generator<string> {
  yield heading(title);
  let first = true;
  let last = '';
  for (const p of pieces) {
    const body = first ? p.replace(/^== .* ==\n/, '') : p;
    first = false;
    if (body.length === 0) continue;
    yield body;
    last = body;
  }
  yield last.endsWith('\n') ? '\n' : '\n\n';
}

/** A section's value; a section that failed stops the report there (its error is thrown). */
function value<T>(s: Section<T>): T {
  if (!s.ok) throw s.error;
  return s.value;
}

/**
 * `peerdma report` as text in pieces of whole lines, section after section, each rendered only
 * when the one before has been taken (a machine with thousands of endpoints is never one string).
 * A section that failed for this machine ends the report: the generator throws its error after
 * the sections before it.
 */
export function* renderReportPieces(rec: ReportRecord): Generator<string> {
  yield* textSection('Topology', [renderTopo(rec.fabric)]);
  yield* textSection('P2P verdicts (kernel p2pdma rules)', [renderP2pSection(value(rec.p2p))]);
  yield* textSection('DMA-BUF: the founding scenario', [renderDemoSection(value(rec.demo))]);
  yield* textSection('DMA mapping cost', [renderMapCostSection(value(rec.mapCost))]);
  yield* textSection(
    'Bandwidth and latency (PCIe model)',
    renderBandwidthPieces(value(rec.bandwidth), {}),
  );
}

/** The first section that failed (the report stops its text there; --json exits 2 with it). */
export function firstSectionError(rec: ReportRecord): unknown {
  for (const s of [rec.p2p, rec.demo, rec.mapCost, rec.bandwidth]) if (!s.ok) return s.error;
  return undefined;
}
