/**
 * What the page shows, computed from a base machine and the what-if state: the edited fabric, the
 * all-pairs matrix (the fast path `peerdma matrix` uses), a pair's verdict, and the pair's map type
 * under every rule set (the kernel-version slider shows where it flips).
 */
import { type PairReport, pairReport } from '../app/bandwidth.js';
import { type CheckRecord, checkRecord } from '../app/check.js';
import { buildMatrix } from '../app/matrix.js';
import type { P2pEnv } from '../p2pdma/env.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import { LOCALITY_LEGEND, localityClass } from '../p2pdma/locality.js';
import { cellDistance, cellMapType, MT_CODES, type PairMatrix } from '../p2pdma/matrix.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { mainlineRuleSets, type RuleSet } from '../p2pdma/rulesets.js';
import type { Fabric } from '../pci/fabric.js';
import { type BandwidthMatrices, bandwidthMatrices } from '../perf/matrix.js';
import { flowMapType, PerfModel, type Rate } from '../perf/model.js';
import { rateText, deviceLabel as short } from '../report/bandwidth.js';
import { applyEdits, type Edits } from './whatif.js';

export { LOCALITY_LEGEND };

export interface Inputs {
  readonly rules: string | null;
  readonly cmdline: string;
  readonly edits: Edits;
}

export interface Judged {
  readonly fabric: Fabric;
  readonly env: P2pEnv;
  readonly matrix: PairMatrix;
  /** The what-if command line (undefined: none). */
  readonly cmdline: string | undefined;
  /** The rule set name the what-if state names (undefined: the default). */
  readonly rules: string | undefined;
}

/** Edit the machine and judge every pair of its endpoints (the matrix's default selection). */
export function judge(base: Fabric, inputs: Inputs): Judged {
  const fabric = applyEdits(base, inputs.edits);
  const cmdline = inputs.cmdline === '' ? undefined : inputs.cmdline;
  // The `matrix` use case's own builder (default selection), as `peerdma matrix` runs it.
  const view = buildMatrix(fabric, inputs.rules ?? undefined, cmdline, {});
  const rules = inputs.rules ?? undefined;
  return { fabric, env: view.env, cmdline, rules, matrix: view.matrix };
}

export interface Cell {
  readonly i: number;
  readonly j: number;
  readonly provider: string;
  readonly client: string;
  readonly mapType: string;
  readonly distance: number;
  readonly locality: string;
  /** Predicted uni-directional P2P GB/s, provider → client (low end; null: not computed, diagonal). */
  readonly GBps: number | null;
  /** The same as text, a range as `lo–hi`, a lower bound as `≥ lo–hi` (empty when null). */
  readonly GBpsText: string;
  /** The figure is a floor (a published root-complex number that is only a lower bound). */
  readonly atLeast: boolean;
}

/** A device as the matrix labels it (as every output does): its name, else its short BDF. */
export { short };

function gbps(
  bw: BandwidthMatrices | undefined,
  floors: AtLeastCells | null,
  a: number,
  b: number,
) {
  const r = bw === undefined ? null : uniP2pRate(bw, a, b, floors);
  return {
    GBps: r === null ? null : r.lo,
    GBpsText: r === null ? '' : rateText(r),
    atLeast: r?.atLeast ?? false,
  };
}

/** One cell of the matrix as a record (`floors`: which bandwidth figures are lower bounds). */
export function cellRecord(
  j: Judged,
  a: number,
  b: number,
  bw?: BandwidthMatrices,
  floors: AtLeastCells | null = null,
): Cell {
  const devs = j.matrix.devices;
  return {
    i: a,
    j: b,
    provider: short(devs[a]!),
    client: short(devs[b]!),
    mapType: MT_CODES[cellMapType(j.matrix, a, b)]!,
    distance: cellDistance(j.matrix, a, b),
    locality: localityClass(j.fabric, devs[a]!, devs[b]!),
    ...gbps(bw, floors, a, b),
  };
}

/** Every cell of the matrix as records (for the heatmap and its table alternative). */
export function cells(j: Judged, bw?: BandwidthMatrices): Cell[] {
  const n = j.matrix.devices.length;
  const floors = bw === undefined ? null : new AtLeastCells(j, bw);
  const out: Cell[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out.push(cellRecord(j, a, b, bw, floors));
  return out;
}

/** The `check` use case's record (verdict, route, reasons, fix, kernel log) for one pair. */
export function pairRecord(j: Judged, provider: string, client: string): CheckRecord {
  const p2p = new P2pdma(j.fabric, j.env.rules, j.cmdline);
  return checkRecord(j.fabric, p2p.verdict(j.fabric.resolve(provider), j.fabric.resolve(client)));
}

/** Every mainline release's rule set, oldest first (the kernel slider's stops). */
export function rulesByVersion(): readonly RuleSet[] {
  return mainlineRuleSets();
}

/**
 * The slider stop of a rule set: its mainline release (a stable point release such as
 * linux-6.8.0 sits on linux-6.8; a name past the newest release on the newest stop).
 */
export function sliderStop(rules: RuleSet, ordered: readonly RuleSet[] = rulesByVersion()): number {
  const i = ordered.findIndex(
    (r) => r.release[0] === rules.release[0] && r.release[1] === rules.release[1],
  );
  return i >= 0 ? i : ordered.length - 1;
}

/**
 * What the slider stores for a stop: null for the stop of the machine's own kernel (judged, as
 * `peerdma` does with no --rules, by the rules its kernel release picks), else the stop's name.
 */
export function rulesForStop(fabric: Fabric, name: string): string | null {
  const ordered = rulesByVersion();
  return ordered[sliderStop(chooseRules(fabric.machine).rules, ordered)]!.name === name
    ? null
    : name;
}

export interface ReleaseRun {
  /** First and last release of a run of releases that answer the same. */
  readonly from: string;
  readonly to: string;
  readonly mapType: string;
}

/** Consecutive releases with the same answer, folded into runs: each run's start is a flip. */
export function runsOf(across: readonly { rules: string; mapType: string }[]): ReleaseRun[] {
  const out: ReleaseRun[] = [];
  for (const a of across) {
    const last = out[out.length - 1];
    if (last !== undefined && last.mapType === a.mapType)
      out[out.length - 1] = { ...last, to: a.rules };
    else out.push({ from: a.rules, to: a.rules, mapType: a.mapType });
  }
  return out;
}

/** The pair's map type under each rule set, oldest first. */
export function acrossRules(
  j: Judged,
  provider: string,
  client: string,
): { rules: string; mapType: string }[] {
  return rulesByVersion().map((r) => {
    const p2p = new P2pdma(j.fabric, r, j.cmdline);
    const v = p2p.verdict(j.fabric.resolve(provider), j.fabric.resolve(client));
    return {
      rules: r.name,
      mapType: v.mapType === 'uncertain' ? `uncertain (${v.possible.join('|')})` : v.mapType,
    };
  });
}

/** The bandwidth model of the judged (edited) machine, under its rule set and command line. */
export function perfModelOf(j: Judged): PerfModel {
  return new PerfModel(j.fabric, {
    ...(j.rules !== undefined ? { ruleSet: j.rules } : {}),
    ...(j.cmdline !== undefined ? { cmdline: j.cmdline } : {}),
  });
}

/** All-pairs predicted bandwidth over the matrix's devices (posted writes), as `peerdma bandwidth --all`. */
export function bandwidthOf(j: Judged): BandwidthMatrices {
  return bandwidthMatrices(perfModelOf(j), j.matrix.devices);
}

/**
 * Uni-directional P2P GB/s from row device `a` to column device `b` (null on the diagonal); with
 * `floors`, flagged `atLeast` exactly when the pair's own solve (the pair panel) says so.
 */
export function uniP2pRate(
  bw: BandwidthMatrices,
  a: number,
  b: number,
  floors: AtLeastCells | null = null,
): Rate | null {
  if (a === b) return null;
  const lo = bw.cell('uniP2p', a, b, 'lo');
  const hi = bw.cell('uniP2p', a, b, 'hi');
  if (!Number.isFinite(lo)) return null;
  return { lo, hi: Number.isFinite(hi) ? hi : lo, atLeast: floors?.at(a, b) ?? false };
}

/**
 * Which cells of the all-pairs P2P matrix are lower bounds. The matrices carry numbers only; the
 * flag is the one `PerfModel.solve` sets for the flow alone, as `PerfModel.aloneAtLeast` reads it
 * off the lone-flow limit with the map type the matrices already hold. Machines without any floor
 * answer at once.
 */
export class AtLeastCells {
  readonly #bw: BandwidthMatrices;
  readonly #model: PerfModel;
  readonly #any: boolean;

  constructor(j: Judged, bw: BandwidthMatrices, model: PerfModel = perfModelOf(j)) {
    this.#bw = bw;
    this.#model = model;
    this.#any = model.graph.mayFloor;
  }

  /** Flow from row device `a` to column device `b`. */
  at(a: number, b: number): boolean {
    if (!this.#any || a === b) return false;
    const m = this.#model;
    const devs = this.#bw.devices;
    return m.aloneAtLeast(devs[a]!, devs[b]!, flowMapType(this.#bw.pairs, a, b, m.op));
  }
}

/** One pair's P2P and bounce flows alone (the `bandwidth --src --dst` use case's record). */
export function pairBandwidth(j: Judged, src: string, dst: string): PairReport {
  return pairReport(perfModelOf(j), j.fabric.resolve(src), j.fabric.resolve(dst), false);
}
