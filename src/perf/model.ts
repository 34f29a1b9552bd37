/**
 * The bandwidth model of one machine: the capacity graph, the kernel's map type for each pair
 * (src/p2pdma's fast matrix), each flow's route, and a set of concurrent flows solved by max-min
 * fair sharing (src/sim) at both ends of the published ranges. Findings the model cannot turn into
 * a confident number are returned as notes, never hidden in a figure.
 */
import { P2pEnv } from '../p2pdma/env.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import {
  cellMapType,
  fastMatrix,
  MT_BUS_ADDR,
  MT_CODES,
  MT_NOT_SUPPORTED,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
  type PairMatrix,
} from '../p2pdma/matrix.js';
import type { MapType } from '../p2pdma/types.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import {
  BOTTLENECK_OWN_BOUND,
  MaxMinBuilder,
  type MaxMinSolution,
  solveMaxMin,
} from '../sim/index.js';
import { DEFAULT_PERF, type PerfCalibration } from './calibration.js';
import { refuser, sharedChip } from './facts.js';
import { PerfGraph } from './graph.js';
import { type RcProfile, rcProfileOf } from './rc.js';
import {
  aloneLimits,
  bounceRoute,
  chipRoute,
  type Op,
  type Route,
  rootComplexRoute,
  switchRoute,
} from './route.js';

export interface PerfOptions {
  readonly calibration?: PerfCalibration;
  /** Root-complex profile; default: from the machine's CPU. */
  readonly rc?: RcProfile;
  readonly ruleSet?: string;
  readonly cmdline?: string;
  readonly op?: Op;
}

/** Something the number cannot say by itself (wording lives in src/report/bandwidth.ts). */
export type PerfNoteCode =
  | 'maptype_uncertain' // missing facts decide P2P; the root-complex route is assumed
  | 'rc_unmeasured' // no published P2P figure for this CPU family: the result is a range
  | 'rc_lower_bound' // the published figure only bounds the root complex from below
  | 'rc_fanout_collapse' // one switch writes to peers behind several root ports: measured to collapse
  | 'link_degraded' // a link on the route trained below capability
  | 'driver_refuses_p2p' // the device driver refuses P2P although the kernel allows it
  | 'chip_fabric_available' // the pair sits in two partitions of one switch chip: a vendor path could stay in the chip
  | 'chip_fabric_route'; // p2p-hw through a chip's internal fabric: the kernel sees separate hierarchies

export interface PerfNote {
  readonly code: PerfNoteCode;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/**
 * p2p: the route the kernel allows (bounce when it refuses); bounce: host memory always; p2p-hw:
 * the hardware route regardless of the kernel's verdict (a vendor P2P path that bypasses p2pdma, as
 * in the published measurements): the switch when the pair shares one, else the root complex.
 */
export type FlowMode = 'p2p' | 'bounce' | 'p2p-hw';

export interface FlowSpec {
  readonly src: PciFunction;
  readonly dst: PciFunction;
  /** p2p: the route the kernel allows (bounce when it refuses); bounce: host memory always. */
  readonly mode: FlowMode;
}

export interface Rate {
  readonly lo: number;
  readonly hi: number;
  /** The true value may exceed `hi` (a lower-bound figure limited the flow). */
  readonly atLeast: boolean;
}

export interface FlowResult {
  readonly src: PciFunction;
  readonly dst: PciFunction;
  readonly mapType: MapType | 'uncertain';
  readonly route: Route;
  readonly rate: Rate;
  /** What limited the flow (at the low end of the ranges). */
  readonly bottleneck: string;
  readonly notes: readonly PerfNote[];
}

/**
 * The map type of a flow s → d, read from a matrix over its devices (cell = provider, client): a
 * write lands in d's BAR (provider d, client s); a read takes from s's (provider s, client d).
 */
export function flowMapType(m: PairMatrix, s: number, d: number, op: Op): number {
  return op === 'write' ? cellMapType(m, d, s) : cellMapType(m, s, d);
}

/**
 * A flow's figure is a floor (`Rate.atLeast`), from what limited it at each end of the ranges (a
 * constraint index; BOTTLENECK_OWN_BOUND: its own bound; BOTTLENECK_UNCONSTRAINED: nothing): a
 * lower-bound constraint at either end, or, at the high end, the per-flow bound of a root-complex
 * route whose published figure is a floor.
 */
function isFloor(g: PerfGraph, r: Route, lo: number, hi: number): boolean {
  return endFloor(g, r, 'lo', lo) || endFloor(g, r, 'hi', hi);
}

/** Whether the limit `by` at one end makes the figure a floor (see {@link isFloor}). */
function endFloor(g: PerfGraph, r: Route, end: 'lo' | 'hi', by: number): boolean {
  if (by >= 0) return g.constraints[by]!.atLeast;
  return (
    end === 'hi' && by === BOTTLENECK_OWN_BOUND && r.via === 'root-complex' && g.rc.rcFlow.atLeast
  );
}

const MT_TO_CODE: Record<string, number> = {
  BUS_ADDR: MT_BUS_ADDR,
  THRU_HOST_BRIDGE: MT_THRU_HOST_BRIDGE,
  NOT_SUPPORTED: MT_NOT_SUPPORTED,
  uncertain: MT_UNCERTAIN,
};

export class PerfModel {
  readonly graph: PerfGraph;
  readonly env: P2pEnv;
  readonly op: Op;

  constructor(
    readonly fabric: Fabric,
    opts: PerfOptions = {},
  ) {
    this.graph = new PerfGraph(
      fabric,
      opts.calibration ?? DEFAULT_PERF,
      opts.rc ?? rcProfileOf(fabric.machine.cpu),
    );
    // No rule set named: the rules the machine's own kernel picks, as `check` and `matrix` judge it.
    this.env = new P2pEnv(fabric, chooseRules(fabric.machine, opts.ruleSet).rules, opts.cmdline);
    this.op = opts.op ?? 'write';
  }

  /** Map type of the P2P access each flow src → dst makes (see {@link flowMapType}). */
  mapTypes(pairs: readonly (readonly [PciFunction, PciFunction])[]): number[] {
    const devs = [...new Set(pairs.flat())];
    const idx = new Map(devs.map((d, i) => [d, i]));
    const m = fastMatrix(this.env, devs);
    return pairs.map(([s, d]) => flowMapType(m, idx.get(s)!, idx.get(d)!, this.op));
  }

  /** The route of src → dst: P2P as the map type allows (uncertain: through the root complex), else bounce. */
  route(src: PciFunction, dst: PciFunction, mode: FlowMode, mapType0: number): Route {
    if (mode === 'p2p-hw' && this.fabric.commonUpstream(src, dst) === null) {
      const chip = sharedChip(this.fabric, src, dst);
      if (chip !== null) return chipRoute(this.graph, src, dst, chip[0], chip[1], this.op);
    }
    const mapType =
      mode === 'p2p-hw'
        ? this.fabric.commonUpstream(src, dst) !== null
          ? MT_BUS_ADDR
          : MT_THRU_HOST_BRIDGE
        : mode === 'p2p' && refuser(this.fabric, src, dst) !== null
          ? MT_NOT_SUPPORTED
          : mapType0;
    if (mode === 'bounce' || mapType === MT_NOT_SUPPORTED) return bounceRoute(this.graph, src, dst);
    if (mapType === MT_BUS_ADDR) {
      const common = this.fabric.commonUpstream(src, dst);
      if (common !== null) return switchRoute(this.graph, src, dst, common, this.op);
    }
    return rootComplexRoute(this.graph, src, dst, this.op);
  }

  /** Solve concurrent flows by max-min fair sharing, at both ends of the published ranges. */
  solve(flows: readonly FlowSpec[]): FlowResult[] {
    const mts = this.mapTypes(flows.map((f) => [f.src, f.dst] as const));
    const routes = flows.map((f, i) => this.route(f.src, f.dst, f.mode, mts[i]!));
    const lo = this.#share(routes, 'lo');
    const hi = this.#share(routes, 'hi');
    const collapse = fanoutCollapse(this, flows, routes);
    return flows.map((f, i) => {
      const r = routes[i]!;
      const bi = lo.bottleneck[i]!;
      const c = bi >= 0 ? this.graph.constraints[bi]! : null;
      const atLeast = isFloor(this.graph, r, bi, hi.bottleneck[i]!);
      return {
        src: f.src,
        dst: f.dst,
        mapType: MT_CODES[mts[i]!]!,
        route: r,
        rate: { lo: lo.rates[i]!, hi: hi.rates[i]!, atLeast },
        bottleneck: c?.label ?? r.boundLabel ?? 'none',
        notes: notesOf(this, f, r, mts[i]!, atLeast, collapse.has(i)),
      };
    });
  }

  /** The routes' max-min fair shares at one end of the published ranges. */
  #share(routes: readonly Route[], end: 'lo' | 'hi'): MaxMinSolution {
    const b = new MaxMinBuilder();
    for (const c of this.graph.constraints) b.addConstraint(c[end]);
    for (const r of routes) b.addFlow(r.uses, { bound: r.bound[end] });
    return solveMaxMin(b.build());
  }

  /** One flow alone on the fabric, as `solve` answers it (with its bottleneck and notes). */
  alone(src: PciFunction, dst: PciFunction, mode: FlowMode): FlowResult {
    return this.solve([{ src, dst, mode }])[0]!;
  }

  /**
   * The rate of a route with nothing else on the fabric, as `solve` gives it for that flow alone,
   * without the solver: the lone-flow limit at each end names what limits it, and `solve`'s floor
   * rule reads the flag off that. Where limits tie and disagree on the flag, which one counts is
   * the solver's choice among equals, so that end asks the solver.
   */
  aloneRate(r: Route): Rate {
    const g = this.graph;
    const l = aloneLimits(g, r, (by, end) => endFloor(g, r, end, by));
    const by = (end: 'lo' | 'hi') =>
      l[end].split ? this.#share([r], end).bottleneck[0]! : l[end].by;
    return { lo: l.lo.rate, hi: l.hi.rate, atLeast: isFloor(g, r, by('lo'), by('hi')) };
  }

  /**
   * `solve([{ src, dst, mode: 'p2p' }])[0].rate.atLeast` without the solver (see `aloneRate`):
   * whether the P2P figure of src → dst alone is a lower bound. `mapType`: the pair's, as
   * `flowMapType` reads it from a matrix already at hand (default: computed for the pair).
   */
  aloneAtLeast(
    src: PciFunction,
    dst: PciFunction,
    mapType: number = this.mapTypes([[src, dst]])[0]!,
  ): boolean {
    return this.aloneRate(this.route(src, dst, 'p2p', mapType)).atLeast;
  }
}

export { MT_TO_CODE };

function notesOf(
  m: PerfModel,
  f: FlowSpec,
  r: Route,
  mt: number,
  atLeast: boolean,
  collapse: boolean,
): PerfNote[] {
  const out: PerfNote[] = [];
  const who = refuser(m.fabric, f.src, f.dst);
  if (who !== null && f.mode !== 'bounce' && (f.mode === 'p2p-hw' || mt !== MT_NOT_SUPPORTED))
    out.push({
      code: 'driver_refuses_p2p',
      evidence: {
        device: who.name ?? who.bdf,
        driver: isKnown(who.driver) ? who.driver : null,
        hardwareRoute: f.mode === 'p2p-hw',
      },
    });
  const chip = f.mode === 'bounce' ? null : sharedChip(m.fabric, f.src, f.dst);
  if (chip !== null && f.mode === 'p2p' && r.via !== 'chip-fabric')
    out.push({ code: 'chip_fabric_available', evidence: { chip: chip[0].switchChip!.id } });
  if (r.via === 'chip-fabric' && chip !== null)
    out.push({
      code: 'chip_fabric_route',
      evidence: { chip: chip[0].switchChip!.id, kernel: MT_CODES[mt] ?? null },
    });
  if (mt === MT_UNCERTAIN && r.kind === 'p2p')
    out.push({ code: 'maptype_uncertain', evidence: {} });
  if (r.via === 'root-complex' && m.graph.rc.id === 'unknown')
    out.push({ code: 'rc_unmeasured', evidence: { cpu: m.fabric.machine.cpu.modelName ?? null } });
  else if (atLeast) out.push({ code: 'rc_lower_bound', evidence: { profile: m.graph.rc.id } });
  if (collapse) out.push({ code: 'rc_fanout_collapse', evidence: {} });
  if (r.degraded.length > 0) out.push({ code: 'link_degraded', evidence: { links: r.degraded } });
  return out;
}

/**
 * Flows that leave one switch through the root complex towards peers behind two or more other
 * root ports: published measurements show such fan-out collapsing (§2.1, §2.2) in ways the
 * sharing model does not capture. Returns the indices of those flows.
 */
function fanoutCollapse(m: PerfModel, flows: readonly FlowSpec[], routes: readonly Route[]) {
  const rootPort = (f: PciFunction) => {
    const chain = m.fabric.upstreamChain(f);
    return chain[chain.length - 1]!;
  };
  const switchOf = (f: PciFunction) =>
    m.fabric.upstreamChain(f).find((x) => x.kind === 'switch-upstream') ?? null;
  const groups = new Map<string, { idx: number[]; ports: Set<string> }>();
  flows.forEach((f, i) => {
    if (routes[i]!.via !== 'root-complex') return;
    const sw = switchOf(f.src);
    if (sw === null) return;
    const port = rootPort(f.dst);
    if (port === rootPort(f.src)) return;
    const g = groups.get(sw.bdf) ?? { idx: [], ports: new Set<string>() };
    g.idx.push(i);
    g.ports.add(port.bdf);
    groups.set(sw.bdf, g);
  });
  const out = new Set<number>();
  for (const g of groups.values()) if (g.ports.size >= 2) for (const i of g.idx) out.add(i);
  return out;
}
