import type { StrategyName } from '../dma/strategies/index.js';
import type { DriverEnv } from '../drivers/env.js';
import { fromKernel } from '../drivers/kernel-env.js';
import { DriverRig } from '../drivers/rig.js';
import { machineIommuMode } from '../iommu/machine-mode.js';
import type { IommuMode } from '../iommu/types.js';
import { Kernel } from '../kernel/index.js';
import { categoryOf } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { refuser } from '../perf/facts.js';

/**
 * The shared setup of the scenarios: a Kernel for the fabric (IOMMU mode from what the machine
 * reports), the drivers wired to it, and the choice of an (accelerator, NIC) pair that can do P2P.
 */
export interface ScenarioOptions {
  readonly ruleSet?: string;
  readonly strategy?: StrategyName;
  readonly iommu?: IommuMode;
  readonly moveNotify?: boolean;
}

export interface ScenarioWorld {
  readonly k: Kernel;
  readonly env: DriverEnv;
  readonly rig: DriverRig;
}

/** The IOMMU mode a machine runs in: its default domain type, `none` when DMA remapping is off. */
/** The machine's IOMMU mode (shared rule: src/iommu/machine-mode.ts). */
export const iommuModeOf = (fabric: Fabric): IommuMode => machineIommuMode(fabric).mode;

/** True when the input does not say which IOMMU mode the machine runs, so it was assumed. */
export const iommuModeAssumed = (fabric: Fabric): boolean => machineIommuMode(fabric).assumed;

export function makeWorld(fabric: Fabric, opts: ScenarioOptions = {}): ScenarioWorld {
  const k = new Kernel({
    fabric,
    iommu: { mode: opts.iommu ?? iommuModeOf(fabric) },
    ...(opts.ruleSet !== undefined ? { ruleSet: opts.ruleSet } : {}),
    ...(opts.moveNotify !== undefined ? { moveNotify: opts.moveNotify } : {}),
  });
  const env = fromKernel(k, opts.strategy ? { strategy: opts.strategy } : {});
  const rig = new DriverRig(env);
  k.registerLeakProbe('drivers', () => rig.leftovers());
  return { k, env, rig };
}

export const isAccel = (f: PciFunction): boolean =>
  categoryOf(f) === 'accel' && f.bars.some((b) => b.space === 'mem' && b.is64 && b.prefetchable);
export const isRdmaNic = (f: PciFunction): boolean =>
  categoryOf(f) === 'nic' &&
  f.physfn === null &&
  (f.driver === 'mlx5_core' ||
    (isKnown(f.classCode) && f.classCode >> 8 === 0x0207) ||
    f.vendor === 0x15b3);

export interface PairCandidate {
  readonly accel: PciFunction;
  readonly nic: PciFunction;
  readonly distance: number | null;
  readonly mapType: string;
  readonly issues: readonly string[];
}

export type PairChoice =
  | { readonly ok: true; readonly pair: PairCandidate; readonly considered: number }
  | { readonly ok: false; readonly reason: string; readonly candidates: readonly PairCandidate[] };

/**
 * The (accelerator, NIC) pair the founding scenario runs on: P2P-capable (distance ≥ 0), shortest
 * distance first, then BDF order. With none, the candidates and their verdicts explain why.
 */
export function pickPair(w: ScenarioWorld): PairChoice {
  const fabric = w.k.fabric;
  const p2p = w.k.p2pdma;
  const accels = fabric.functions.filter(isAccel);
  const nics = fabric.functions.filter(isRdmaNic);
  if (accels.length === 0 || nics.length === 0)
    return { ok: false, reason: missingRoles(fabric, accels, nics), candidates: [] };
  const cands: PairCandidate[] = [];
  for (const a of accels) {
    for (const n of nics) {
      const v = p2p.verdict(a, n);
      const issues = v.issues.map((i): string => i.code);
      // A driver's stated policy (spec `p2p: refuses`) is not the kernel's: the pair stays a
      // candidate, tried last, so the run shows where the driver refuses.
      if (refuser(fabric, a, n) !== null) issues.push('driver_refuses_p2p');
      cands.push({
        accel: a,
        nic: n,
        distance: v.distance,
        mapType: v.mapType === 'uncertain' ? `uncertain (${v.possible.join('|')})` : v.mapType,
        issues,
      });
    }
  }
  const good = cands
    .filter((c) => c.distance !== null && c.distance >= 0)
    .sort(
      (x, y) =>
        Number(x.issues.includes('driver_refuses_p2p')) -
          Number(y.issues.includes('driver_refuses_p2p')) ||
        x.distance! - y.distance! ||
        (x.accel.bdf < y.accel.bdf
          ? -1
          : x.accel.bdf > y.accel.bdf
            ? 1
            : x.nic.bdf < y.nic.bdf
              ? -1
              : 1),
    );
  const best = good[0];
  if (best) return { ok: true, pair: best, considered: cands.length };
  return {
    ok: false,
    reason: `none of the ${cands.length} (accelerator, NIC) pairs can do P2P`,
    candidates: cands,
  };
}

/**
 * Why the fabric has no (accelerator, NIC) candidates at all: the missing role(s) and what the
 * fabric's endpoints are instead.
 */
function missingRoles(
  fabric: Fabric,
  accels: readonly PciFunction[],
  nics: readonly PciFunction[],
): string {
  const missing: string[] = [];
  if (accels.length === 0)
    missing.push('no accelerator (class 0x12/0x0b endpoint with a 64-bit prefetchable BAR)');
  if (nics.length === 0)
    missing.push('no RDMA NIC (InfiniBand class 0x0207, Mellanox, or mlx5_core)');
  const counts = new Map<string, number>();
  for (const f of fabric.functions) {
    let c: string = categoryOf(f);
    if (c === 'bridge' || c === 'host-bridge') continue;
    if (c === 'nic') c = isRdmaNic(f) ? 'RDMA nic' : 'non-RDMA nic';
    if (c === 'accel' && !isAccel(f)) c = 'accel without a 64-bit prefetchable BAR';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const found = [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
  return `${missing.join(' and ')} in this fabric${found ? ` (endpoints: ${found})` : ' (no endpoints)'}`;
}

/**
 * The end-of-scenario check: drain deferred work as the kernel would at quiescence (lazy-IOMMU
 * flush queues), then list whatever keeps the Kernel from its initial state.
 */
export function settle(w: ScenarioWorld): readonly string[] {
  w.k.quiesce();
  return w.k.checkPristine();
}
