import type { KResult } from '../core/errno.js';
import type { CostLedger } from '../dma/ledger.js';
import { fenceLine } from '../dmabuf/bufinfo.js';
import type { DmaBuf } from '../dmabuf/objects.js';
import type { DriverFinding, MapCost } from '../drivers/env.js';
import type { DmabufMrMode } from '../drivers/rdma/dmabuf-mr.js';
import type { PairCandidate, ScenarioWorld } from './world.js';

/**
 * The founding scenario's result as data (one JSON document, schemaVersion 1) and the step
 * recorder that snapshots route, map type, mapping cost so far and fences after every step.
 */
export interface DemoStep {
  readonly n: number;
  readonly name: string;
  readonly detail: string;
  readonly ok: boolean;
  readonly errno?: string;
  /** Where the importer's DMA goes at this step (`none: …` before the map and after teardown). */
  readonly route: string;
  /** The pair's P2PDMA map type (the verdict the attach and the map act on). */
  readonly mapType: string;
  /** DMA-API calls made by the drivers so far, and their estimated CPU cost (ns). */
  readonly dmaCalls: number;
  readonly cpuNs: number;
  /** The map/unmap operations this step made, each with its cost ledger (`ledger: null`: none kept). */
  readonly mappings: readonly DemoMapping[];
  readonly fences: readonly string[];
}

/** One map or unmap a step made: strategy, importer, DMA-API calls and the full cost ledger. */
export interface DemoMapping extends Omit<MapCost, 'ledger'> {
  readonly ledger: CostLedger | null;
}

export interface DemoPair {
  readonly accel: string;
  readonly nic: string;
  readonly accelBdf: string;
  readonly nicBdf: string;
  readonly mapType: string;
  readonly distance: number | null;
  readonly issues: readonly string[];
}

export interface DemoResult {
  readonly schemaVersion: 1;
  readonly machine: string;
  readonly ruleSet: string;
  /** The P2PDMA rule set the verdicts used (the newest not newer than `ruleSet`). */
  readonly p2pRuleSet: string;
  readonly iommu: string;
  /** The capture did not say whether DMA remapping is on; `iommu` is an assumption. */
  readonly iommuAssumed: boolean;
  readonly strategy: string;
  readonly mrMode: DmabufMrMode;
  readonly pair: DemoPair | null;
  /** Why no pair was usable (candidates with their verdicts), when `pair` is null. */
  readonly noPair: { readonly reason: string; readonly candidates: readonly DemoPair[] } | null;
  readonly steps: readonly DemoStep[];
  readonly verified: boolean;
  readonly findings: readonly DriverFinding[];
  readonly kernelLog: readonly string[];
  /** WARN-class violations recorded during the run (`KIND rule: message`); empty when clean. */
  readonly violations: readonly string[];
  readonly pristine: readonly string[];
}

export const pairOf = (c: PairCandidate): DemoPair => ({
  accel: c.accel.name ?? c.accel.bdf,
  nic: c.nic.name ?? c.nic.bdf,
  accelBdf: c.accel.bdf,
  nicBdf: c.nic.bdf,
  mapType: c.mapType,
  distance: c.distance,
  issues: c.issues,
});

export class Steps {
  buf: DmaBuf | null = null;
  /** Where the importer's DMA goes (set once the buffer is mapped for it). */
  route = 'none: not mapped for the importer yet';
  /** Map/unmap operations already attributed to a step. */
  #shown = 0;
  constructor(
    readonly w: ScenarioWorld,
    readonly out: DemoStep[],
    readonly mapType: string,
  ) {}

  /** Record a step; `costs` limits the cost tally to the first n map/unmap operations. */
  add(name: string, r: KResult<string>, costs?: number): boolean {
    const all = this.w.env.mapper.costs;
    const done = costs === undefined ? all : all.slice(0, costs);
    const dmaCalls = done.reduce(
      (s, c) => s + Object.values(c.calls).reduce((a, b) => a + b, 0),
      0,
    );
    const cpuNs = Math.round(done.reduce((s, c) => s + c.cpuNs, 0));
    const mappings = done
      .slice(this.#shown)
      .map((c): DemoMapping => ({ ...c, calls: { ...c.calls }, ledger: c.ledger ?? null }));
    this.#shown = Math.max(this.#shown, done.length);
    const b = this.buf;
    const fences = b && !b.released ? this.w.k.dmabuf.withLock(b, () => describeFences(b)) : [];
    this.out.push({
      n: this.out.length + 1,
      name,
      detail: r.ok ? r.value : r.message,
      ok: r.ok,
      ...(r.ok ? {} : { errno: r.errno }),
      route: this.route,
      mapType: this.mapType,
      dmaCalls,
      cpuNs,
      mappings,
      fences,
    });
    return r.ok;
  }
}

/** The buffer's fences as debugfs bufinfo prints them (caller holds the reservation lock). */
const describeFences = (b: DmaBuf): string[] => b.resv.describe().map(fenceLine);
