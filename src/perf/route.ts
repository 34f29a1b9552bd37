/**
 * The route of one flow over the capacity graph, per map type (src/p2pdma decides it):
 * - `BUS_ADDR`: up from the source to the common switch and down to the destination — the root
 *   complex never sees it;
 * - `THB` (`THRU_HOST_BRIDGE`): up every link to the root port, through the root complex
 *   (forwarding capacity per CPU family, and the socket link when the root ports sit on different
 *   sockets), down every link to the destination. A pair below one switch whose downstream ports
 *   redirect (ACS) gets this route: its switch uplink then carries the flow twice, once each way;
 * - `bounce` (the only route for `NOT_SUPPORTED`): the source writes host memory on its socket
 *   and the destination reads it back — both legs on their uplinks, each byte written and read
 *   once in memory, and a staged copy reaches stagingEfficiency of its slowest leg.
 * Data moves source → destination. `write` (default): the source's DMA engine pushes posted writes;
 * `read`: the destination pulls (completions carry the data, requests go the other way).
 */
import type { PciFunction } from '../pci/types.js';
import { BOTTLENECK_OWN_BOUND, BOTTLENECK_UNCONSTRAINED } from '../sim/index.js';
import type { PerfGraph, Uplink } from './graph.js';
import { coefficients } from './link.js';

export type RouteVia = 'switch' | 'root-complex' | 'host-memory' | 'chip-fabric';
export type Op = 'write' | 'read';

export interface Use {
  readonly constraint: number;
  readonly coefficient: number;
}

export interface Route {
  readonly kind: 'p2p' | 'bounce';
  readonly via: RouteVia;
  readonly uses: readonly Use[];
  /** Per-flow cap (payload GB/s) at the low and high end of the published ranges; Infinity: none. */
  readonly bound: { readonly lo: number; readonly hi: number };
  /** What the bound stands for, when there is one. */
  readonly boundLabel: string | null;
  readonly latencyNs: number;
  readonly switches: number;
  readonly crossSocket: boolean;
  readonly mps: number;
  readonly mrrs: number;
  /** Links on the route that trained below capability (labels). */
  readonly degraded: readonly string[];
}

interface Side {
  readonly links: Uplink[];
  readonly switches: PciFunction[];
  readonly fns: PciFunction[];
}

/** `f`'s chain up to (not including) `stop`, or to the root bus when `stop` is null. */
function side(g: PerfGraph, f: PciFunction, stop: PciFunction | null): Side {
  const links: Uplink[] = [];
  const switches: PciFunction[] = [];
  const fns: PciFunction[] = [];
  for (const x of g.fabric.upstreamChain(f)) {
    if (x === stop) break;
    fns.push(x);
    if (x.kind === 'switch-upstream') switches.push(x);
    const u = g.uplink(x);
    if (u !== null) links.push(u);
  }
  return { links, switches, fns };
}

function pcieField(f: PciFunction, k: 'mps' | 'mrrs'): number | undefined {
  return f.pcie !== null && typeof f.pcie === 'object' ? f.pcie[k] : undefined;
}

/**
 * A device's payload size: the smallest MPS stated on its chain to the root port (Linux configures
 * one MPS per hierarchy below a root port); else the default. A P2P path uses the smaller of its ends'.
 */
export function chainMps(g: PerfGraph, f: PciFunction): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of g.fabric.upstreamChain(f))
    m = Math.min(m, pcieField(x, 'mps') ?? Number.POSITIVE_INFINITY);
  return Number.isFinite(m) ? m : g.cal.defaultMps;
}

export const mrrsOf = (g: PerfGraph, reader: PciFunction) =>
  pcieField(reader, 'mrrs') ?? g.cal.defaultMrrs;

function switchNs(g: PerfGraph, sw: PciFunction): number {
  const gen = g.uplink(sw)?.link.speedGTs ?? 8;
  return gen <= 8 ? g.cal.switchNsGen3 : gen <= 16 ? g.cal.switchNsGen4 : g.cal.switchNsGen5;
}

const sumSwitchNs = (g: PerfGraph, sws: readonly PciFunction[]) =>
  sws.reduce((t, s) => t + switchNs(g, s), 0);

const degradedOf = (g: PerfGraph, links: readonly Uplink[]) => [
  ...new Set(
    links.filter((l) => l.degraded).map((l) => g.constraints[l.up]!.label.replace(/ up$/, '')),
  ),
];

/**
 * Uses of the links of both sides: the source side carries the data up, the destination side
 * down (writes: write TLPs; reads: completions, with read requests against the data).
 */
function linkUses(src: Side, dst: Side, op: Op, mps: number, mrrs: number, g: PerfGraph): Use[] {
  const out: Use[] = [];
  const k = (l: Uplink) => coefficients(g.cal, mps, mrrs, l.flit);
  for (const l of src.links) {
    if (op === 'write') out.push({ constraint: l.up, coefficient: k(l).write });
    else {
      out.push({ constraint: l.up, coefficient: k(l).completion });
      out.push({ constraint: l.down, coefficient: k(l).readRequest });
    }
  }
  for (const l of dst.links) {
    if (op === 'write') out.push({ constraint: l.down, coefficient: k(l).write });
    else {
      out.push({ constraint: l.down, coefficient: k(l).completion });
      out.push({ constraint: l.up, coefficient: k(l).readRequest });
    }
  }
  return out;
}

/** Switch turnaround: both sides meet at `common` (a bridge below the root complex). */
export function switchRoute(
  g: PerfGraph,
  src: PciFunction,
  dst: PciFunction,
  common: PciFunction,
  op: Op,
): Route {
  const a = side(g, src, common);
  const b = side(g, dst, common);
  const turn =
    common.kind === 'switch-upstream'
      ? [common]
      : common.kind === 'switch-downstream' && g.fabric.upstreamBridge(common) !== null
        ? [g.fabric.upstreamBridge(common)!]
        : [];
  return belowRoot(g, 'switch', src, dst, a, b, turn, op, null);
}

/** A P2P route that stays below the root complex (a switch turn, or a chip's internal fabric). */
function belowRoot(
  g: PerfGraph,
  via: 'switch' | 'chip-fabric',
  src: PciFunction,
  dst: PciFunction,
  a: Side,
  b: Side,
  turn: readonly PciFunction[],
  op: Op,
  fabric: number | null,
): Route {
  const switches = [...new Set([...a.switches, ...b.switches, ...turn])];
  const mps = Math.min(chainMps(g, src), chainMps(g, dst));
  const mrrs = mrrsOf(g, op === 'write' ? src : dst);
  const uses = linkUses(a, b, op, mps, mrrs, g);
  if (fabric !== null) uses.push({ constraint: fabric, coefficient: 1 });
  return {
    kind: 'p2p',
    via,
    uses,
    bound: { lo: Number.POSITIVE_INFINITY, hi: Number.POSITIVE_INFINITY },
    boundLabel: null,
    latencyNs: sumSwitchNs(g, switches),
    switches: switches.length,
    crossSocket: false,
    mps,
    mrrs,
    degraded: degradedOf(g, [...a.links, ...b.links]),
  };
}

/**
 * Across partitions of one switch chip: up to the source partition's upstream port, through the
 * chip's internal fabric, down from the destination partition's — neither partition's uplink nor
 * the root complex carries it. The kernel sees two hierarchies; only a vendor path uses this.
 */
export function chipRoute(
  g: PerfGraph,
  src: PciFunction,
  dst: PciFunction,
  uspA: PciFunction,
  uspB: PciFunction,
  op: Op,
): Route {
  const fabric = uspA.switchChip === undefined ? null : g.chipFabric(uspA.switchChip);
  return belowRoot(
    g,
    'chip-fabric',
    src,
    dst,
    side(g, src, uspA),
    side(g, dst, uspB),
    [uspA],
    op,
    fabric,
  );
}

/** Up to the root complex and back down (THRU_HOST_BRIDGE, including ACS-redirected pairs). */
export function rootComplexRoute(g: PerfGraph, src: PciFunction, dst: PciFunction, op: Op): Route {
  const a = side(g, src, null);
  const b = side(g, dst, null);
  const sa = g.socketOf(src);
  const sb = g.socketOf(dst);
  const mps = Math.min(chainMps(g, src), chainMps(g, dst));
  const mrrs = mrrsOf(g, op === 'write' ? src : dst);
  const uses = linkUses(a, b, op, mps, mrrs, g);
  uses.push({ constraint: g.rcOf(sa), coefficient: 1 });
  if (sa !== sb) {
    uses.push({ constraint: g.socketLink(sa, sb), coefficient: 1 });
    uses.push({ constraint: g.rcOf(sb), coefficient: 1 });
  }
  const cap = g.rc.rcFlow;
  return {
    kind: 'p2p',
    via: 'root-complex',
    uses,
    bound: { lo: cap.lo, hi: cap.hi },
    boundLabel: `root complex per-flow P2P forwarding (${g.rc.label})`,
    latencyNs:
      sumSwitchNs(g, [...a.switches, ...b.switches]) +
      g.cal.rcReadRttNs +
      (sa !== sb ? g.cal.remoteSocketNs : 0),
    switches: a.switches.length + b.switches.length,
    crossSocket: sa !== sb,
    mps,
    mrrs,
    degraded: degradedOf(g, [...a.links, ...b.links]),
  };
}

/**
 * The bounce through host memory on the source's socket: the source writes it, the destination
 * reads it. The staging bound is filled in by the solver (a share of the route's standalone rate).
 */
export function bounceRoute(g: PerfGraph, src: PciFunction, dst: PciFunction): Route {
  const a = side(g, src, null);
  const b = side(g, dst, null);
  const sa = g.socketOf(src);
  const sb = g.socketOf(dst);
  const mpsA = chainMps(g, src);
  const mpsB = chainMps(g, dst);
  const mrrs = mrrsOf(g, dst);
  const uses: Use[] = [];
  for (const l of a.links)
    uses.push({ constraint: l.up, coefficient: coefficients(g.cal, mpsA, mrrs, l.flit).write });
  const mem = g.memory(sa);
  uses.push({ constraint: mem, coefficient: 2 }); // written once, read once
  if (sa !== sb) uses.push({ constraint: g.socketLink(sa, sb), coefficient: 1 });
  for (const l of b.links) {
    const k = coefficients(g.cal, mpsB, mrrs, l.flit);
    uses.push({ constraint: l.down, coefficient: k.completion });
    uses.push({ constraint: l.up, coefficient: k.readRequest });
  }
  const route: Route = {
    kind: 'bounce',
    via: 'host-memory',
    uses,
    bound: { lo: Number.POSITIVE_INFINITY, hi: Number.POSITIVE_INFINITY },
    boundLabel: 'host staging (a staged copy reaches stagingEfficiency of its slowest leg)',
    latencyNs:
      sumSwitchNs(g, a.switches) +
      g.cal.rcReadRttNs / 2 +
      2 * sumSwitchNs(g, b.switches) +
      g.cal.rcReadRttNs +
      (sa !== sb ? g.cal.remoteSocketNs : 0),
    switches: a.switches.length + b.switches.length,
    crossSocket: sa !== sb,
    mps: Math.min(mpsA, mpsB),
    mrrs,
    degraded: degradedOf(g, [...a.links, ...b.links]),
  };
  const eff = g.cal.stagingEfficiency;
  const alone = aloneLimits(g, route);
  return {
    ...route,
    bound: { lo: eff * alone.lo.rate, hi: eff * alone.hi.rate },
  };
}

/**
 * What limits a route with nothing else on the fabric, at one end of the published ranges: the
 * smallest capacity ÷ use over its constraints, or its per-flow bound when that is smaller.
 */
export interface AloneLimit {
  readonly rate: number;
  /**
   * The limiting constraint, as the solver names it: BOTTLENECK_OWN_BOUND: the per-flow bound;
   * BOTTLENECK_UNCONSTRAINED: nothing (no constraint, no bound).
   */
  readonly by: number;
  /** Another constraint (or the bound) gives the same rate: which one limits is the solver's choice. */
  readonly tie: boolean;
  /**
   * The limits tied at the minimum disagree on the floor flag (`floorOf`): only then does the
   * solver's choice among equals change the answer. False when no `floorOf` is given.
   */
  readonly split: boolean;
}

/**
 * The lone-flow limit of `r` at both ends (see {@link AloneLimit}), the route's uses summed per
 * constraint once. `floorOf(by, end)`: whether a limit `by` (as {@link AloneLimit.by} names it)
 * makes the figure at that end a floor, for {@link AloneLimit.split}.
 */
export function aloneLimits(
  g: PerfGraph,
  r: Route,
  floorOf?: (by: number, end: 'lo' | 'hi') => boolean,
): { readonly lo: AloneLimit; readonly hi: AloneLimit } {
  const per = usesPer(r);
  return {
    lo: limitOf(g, r, per, 'lo', floorOf && ((by) => floorOf(by, 'lo'))),
    hi: limitOf(g, r, per, 'hi', floorOf && ((by) => floorOf(by, 'hi'))),
  };
}

/** A route's coefficient per constraint (a constraint it uses twice counts twice). */
function usesPer(r: Route): Map<number, number> {
  const per = new Map<number, number>();
  for (const u of r.uses) per.set(u.constraint, (per.get(u.constraint) ?? 0) + u.coefficient);
  return per;
}

function limitOf(
  g: PerfGraph,
  r: Route,
  per: ReadonlyMap<number, number>,
  end: 'lo' | 'hi',
  floorOf: ((by: number) => boolean) | undefined,
): AloneLimit {
  let rate = r.bound[end];
  let by = Number.isFinite(rate) ? BOTTLENECK_OWN_BOUND : BOTTLENECK_UNCONSTRAINED;
  let tie = false;
  // Floor flags seen among the limits tied at the current minimum.
  let floor = floorOf?.(by) === true;
  let notFloor = floorOf?.(by) === false;
  for (const [c, k] of per) {
    if (!(k > 0)) continue;
    const v = g.constraints[c]![end] / k;
    if (v < rate) {
      rate = v;
      by = c;
      tie = false;
      floor = notFloor = false;
    } else if (v === rate) tie = true;
    else continue;
    if (floorOf === undefined) continue;
    if (floorOf(c)) floor = true;
    else notFloor = true;
  }
  return { rate, by, tie, split: floor && notFloor };
}
