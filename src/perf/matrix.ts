/**
 * All-pairs bandwidth and latency, laid out like CUDA's p2pBandwidthLatencyTest: unidirectional and
 * bidirectional, with P2P enabled (the route the kernel allows; a refused pair falls back to the
 * bounce, as the CUDA sample does) and disabled (always the bounce), plus fabric latency. Posted
 * writes, like cudaMemcpyPeer's copy engine, or DMA reads (the model's `op`: the sample's
 * `--p2p_read`).
 *
 * Each cell is the max-min solution of one flow (uni) or the two opposite flows (bidi) alone on
 * the fabric, in closed form: per device, its chain of uplinks to the root port with prefix
 * minima; per pair, the links both flows share are the common tail of the two chains. Within each
 * group of links every flow has the same coefficient, so a group acts as one constraint (its
 * smallest link); where the two directions' coefficients differ (reads at two readers' MRRS) the
 * pair is a two-flow max-min system (`Fill2`). The differential test checks every cell against
 * PerfModel.solve (src/sim).
 *
 * The result is not n × n matrices: the figures are kept per pair of groups and read through the
 * kernel's map type of each cell (`BandwidthMatrices.cell`).
 */
import { fastMatrix, MT_BUS_ADDR, MT_NOT_SUPPORTED, type PairMatrix } from '../p2pdma/matrix.js';
import type { PciFunction } from '../pci/types.js';
import { driverRefusesP2p } from './facts.js';
import type { PerfGraph } from './graph.js';
import { type Coefficients, coefficients } from './link.js';
import { flowMapType, type PerfModel } from './model.js';
import { chainMps, mrrsOf } from './route.js';

/** The four bandwidth matrices (GB/s) and the two latency matrices (ns). */
export const RATE_KINDS = ['uniP2p', 'uniBounce', 'bidiP2p', 'bidiBounce'] as const;
export type RateKind = (typeof RATE_KINDS)[number];
export type LatencyKind = 'latP2p' | 'latBounce';
export type MatrixKind = RateKind | LatencyKind;
export type MatrixEnd = 'lo' | 'hi';

/**
 * All-pairs matrices, read cell by cell. Row = source, column = destination. `uniP2p`: P2P as the
 * kernel allows it (a refused pair falls back to the bounce); `uniBounce`: always the bounce;
 * `bidi*`: the sum of both directions at once (symmetric); `latP2p`/`latBounce`: the one-way
 * fabric latency in ns (one value for both ends). GB/s and ns as float32 (as
 * the dense matrices held them); the diagonal is NaN.
 */
export interface BandwidthMatrices {
  readonly devices: readonly PciFunction[];
  readonly n: number;
  readonly pairs: PairMatrix;
  /** A published range applies: the hi end of a cell may differ from its lo end. */
  readonly ranged: boolean;
  /** Number of groups (devices with the same figures against every other device, route aside). */
  readonly groups: number;
  /** The group of device i. */
  groupOf(i: number): number;
  cell(kind: MatrixKind, i: number, j: number, end?: MatrixEnd): number;
  /**
   * Cells (i, from) … (i, to - 1) of one matrix into out[from…to) (default: the whole row; the
   * diagonal NaN): what `cell` answers, without a call per cell. A whole row reads the kernel's map
   * types as a row of the pair matrix (its n × n table is never filled when the matrix is
   * symmetric); a part of a row reads them from the table.
   */
  row(
    kind: MatrixKind,
    i: number,
    end: MatrixEnd,
    out: Float32Array | Float64Array,
    from?: number,
    to?: number,
  ): void;
}

const INF = Number.POSITIVE_INFINITY;

/** Per-device chain data in flat typed arrays (stride = longest chain + 1). */
interface Chains {
  readonly stride: number;
  readonly len: Int32Array; // chain nodes
  readonly node: Int32Array; // node ids, device first, rootward
  readonly nLinks: Int32Array; // links among the first k nodes: nLinks[d*stride+k]
  readonly link: Int32Array; // link ids rootward (the up-constraint index), per device
  readonly capNF: Float64Array; // wire capacity per link position (Infinity when flit)
  readonly capF: Float64Array; // wire capacity per link position (Infinity when not flit)
  readonly swNs: Float64Array; // switch latency of the first k nodes
  readonly turnNs: Float64Array; // turnaround switch latency when node k is the common bridge
  readonly socket: Int32Array;
  readonly mps: Float64Array;
  readonly mrrs: Float64Array;
  readonly anyFlit: boolean;
}

function chainsOf(g: PerfGraph, devices: readonly PciFunction[]): Chains {
  const n = devices.length;
  const chains = devices.map((d) => g.fabric.upstreamChain(d));
  const stride = Math.max(1, ...chains.map((c) => c.length)) + 1;
  const ids = new Map<string, number>();
  const id = (f: PciFunction) => {
    const known = ids.get(f.bdf);
    if (known !== undefined) return known;
    ids.set(f.bdf, ids.size);
    return ids.size - 1;
  };
  const c: Chains = {
    stride,
    len: new Int32Array(n),
    node: new Int32Array(n * stride),
    nLinks: new Int32Array(n * stride),
    link: new Int32Array(n * stride),
    capNF: new Float64Array(n * stride),
    capF: new Float64Array(n * stride),
    swNs: new Float64Array(n * stride),
    turnNs: new Float64Array(n * stride),
    socket: new Int32Array(n),
    mps: new Float64Array(n),
    mrrs: new Float64Array(n),
    anyFlit: false,
  };
  let anyFlit = false;
  const swLat = (sw: PciFunction) => {
    const s = g.uplink(sw)?.link.speedGTs ?? 8;
    return s <= 8 ? g.cal.switchNsGen3 : s <= 16 ? g.cal.switchNsGen4 : g.cal.switchNsGen5;
  };
  for (let d = 0; d < n; d++) {
    const ch = chains[d]!;
    const o = d * stride;
    c.len[d] = ch.length;
    let links = 0;
    let sw = 0;
    for (let k = 0; k < ch.length; k++) {
      const x = ch[k]!;
      c.node[o + k] = id(x);
      c.nLinks[o + k] = links;
      c.swNs[o + k] = sw;
      const up = g.fabric.upstreamBridge(x);
      c.turnNs[o + k] =
        x.kind === 'switch-upstream'
          ? swLat(x)
          : x.kind === 'switch-downstream' && up !== null
            ? swLat(up)
            : 0;
      if (x.kind === 'switch-upstream') sw += swLat(x);
      const u = g.uplink(x);
      if (u !== null) {
        const cap = g.constraints[u.up]!.lo;
        c.link[o + links] = u.up;
        c.capNF[o + links] = u.flit ? INF : cap;
        c.capF[o + links] = u.flit ? cap : INF;
        if (u.flit) anyFlit = true;
        links++;
      }
    }
    c.nLinks[o + ch.length] = links;
    c.swNs[o + ch.length] = sw;
    c.socket[d] = g.socketOf(devices[d]!);
    c.mps[d] = chainMps(g, devices[d]!);
    c.mrrs[d] = mrrsOf(g, devices[d]!);
  }
  return { ...c, anyFlit };
}

/** The two-flow max-min solution over constraints (cap, a1, a2) with bounds (SimGrid semantics). */
class Fill2 {
  cap = new Float64Array(32);
  a1 = new Float64Array(32);
  a2 = new Float64Array(32);
  m = 0;
  r1 = 0;
  r2 = 0;
  reset(): void {
    this.m = 0;
  }
  /**
   * Both bounce flows (1: s → d, 2: d → s) on one wire class: s's own links, d's own, and the tail
   * they share, each direction of a link a constraint of its own.
   */
  bounceLegs(uS: number, uD: number, sh: number, kS: Coefficients, kD: Coefficients): void {
    this.add(uS, kS.write, kS.readRequest);
    this.add(uS, 0, kS.completion);
    this.add(uD, kD.readRequest, kD.write);
    this.add(uD, kD.completion, 0);
    this.add(sh, kS.write + kD.readRequest, kD.write + kS.readRequest);
    this.add(sh, kD.completion, kS.completion);
  }
  add(cap: number, a1: number, a2: number): void {
    if (cap === INF || (a1 === 0 && a2 === 0)) return;
    const i = this.m++;
    this.cap[i] = cap;
    this.a1[i] = a1;
    this.a2[i] = a2;
  }
  /** Flow 1 or 2 alone under bound b. */
  alone(flow: 1 | 2, b: number): number {
    const a = flow === 1 ? this.a1 : this.a2;
    let r = b;
    for (let i = 0; i < this.m; i++) if (a[i]! > 0) r = Math.min(r, this.cap[i]! / a[i]!);
    return r;
  }
  solve(b1: number, b2: number): void {
    const { cap, a1, a2, m } = this;
    let t = Math.min(b1, b2);
    for (let i = 0; i < m; i++) t = Math.min(t, cap[i]! / (a1[i]! + a2[i]!));
    const eps = 1e-12;
    let fix1 = b1 <= t * (1 + eps);
    let fix2 = b2 <= t * (1 + eps);
    for (let i = 0; i < m; i++) {
      if (cap[i]! - t * (a1[i]! + a2[i]!) <= cap[i]! * eps) {
        if (a1[i]! > 0) fix1 = true;
        if (a2[i]! > 0) fix2 = true;
      }
    }
    if (fix1 && fix2) {
      this.r1 = t;
      this.r2 = t;
    } else if (fix1) {
      let r = b2;
      for (let i = 0; i < m; i++) if (a2[i]! > 0) r = Math.min(r, (cap[i]! - a1[i]! * t) / a2[i]!);
      this.r1 = t;
      this.r2 = r;
    } else {
      let r = b1;
      for (let i = 0; i < m; i++) if (a1[i]! > 0) r = Math.min(r, (cap[i]! - a2[i]! * t) / a1[i]!);
      this.r1 = r;
      this.r2 = t;
    }
  }
}

/**
 * All-pairs matrices over `devices` (the caller picks them, e.g. `matrixDevices`). The figures of a
 * cell depend on the two devices only through their groups (`groupsOf`: one uplink chain, MPS,
 * MRRS, socket) and the route each direction takes (the kernel's map type, the driver); so each
 * pair of groups is computed once per end of the ranges, and a cell is read through its map types.
 * The rare pair whose two directions take different routes is solved apart (`Cells.mixed`).
 */
export function bandwidthMatrices(
  model: PerfModel,
  devices: readonly PciFunction[],
  /** The kernel's verdicts of the devices (tests: a table whose directions differ). */
  pairs: PairMatrix = fastMatrix(model.env, devices),
): BandwidthMatrices {
  const g = model.graph;
  const ch = chainsOf(g, devices);
  const ranged =
    g.rc.rcFlow.lo !== g.rc.rcFlow.hi ||
    g.rc.rcTotal.lo !== g.rc.rcTotal.hi ||
    g.rc.socketLink.lo !== g.rc.socketLink.hi;
  return new Cells(model, devices, g, ch, devices.length).build(pairs, ranged);
}

/** Smallest capacities: s's own links, d's own, the shared tail (non-flit, flit each). */
type Links = readonly [number, number, number, number, number, number];

interface Shared {
  readonly nf: number;
  readonly f: number;
  readonly cross: boolean;
  readonly xLink: number;
  readonly mem: number;
  readonly flit: boolean;
}

/** One bounce alone: A writes host memory, B reads it (unique links of each, then the shared tail). */
function bounceAlone(
  uA: number,
  uAF: number,
  uB: number,
  uBF: number,
  kA: Coefficients,
  kAF: Coefficients,
  kB: Coefficients,
  kBF: Coefficients,
  sh: Shared,
): number {
  let r = Math.min(sh.mem / 2, legsLimit(uA, uB, sh.nf, kA, kB));
  if (sh.flit) r = Math.min(r, legsLimit(uAF, uBF, sh.f, kAF, kBF));
  return sh.cross ? Math.min(r, sh.xLink) : r;
}

/** One wire class's limit on a bounce A → B alone: A's own links, B's own, the tail both share. */
const legsLimit = (uA: number, uB: number, sh: number, kA: Coefficients, kB: Coefficients) =>
  Math.min(uA / kA.write, uB / kB.completion, sh / (kA.write + kB.readRequest), sh / kB.completion);

/**
 * What one unordered pair {s, d} yields, for every route the map types may pick, as slots of a
 * Float64Array (plain typed arrays keep the fill loop fast).
 */
const B1 = 0; // bounce s → d alone
const B2 = 1; // bounce d → s alone
const BIDI_B = 2;
const COMMON = 3; // 1 when the two share a bridge below the root complex
const SW_UNI = 4; // switch turnaround, s → d alone
const SW_BIDI = 5;
const TH_UNI = 6; // through the root complex, s → d alone
const TH_BIDI = 7;
const LB1 = 8; // bounce latency s → d
const LB2 = 9;
const TURN = 10; // switch turnaround latency
const TH_LAT = 11;
const SW_UNI2 = 12; // d → s alone (reads: the reader's MRRS sets the request overhead)
const TH_UNI2 = 13;
const PV_FIELDS = 14;

class Cells {
  readonly f2 = new Fill2();
  readonly pv = new Float64Array(PV_FIELDS);
  readonly k: Coefficients[];
  readonly kF: Coefficients[];
  readonly op: 'write' | 'read';
  constructor(
    readonly model: PerfModel,
    readonly devices: readonly PciFunction[],
    readonly g: PerfGraph,
    readonly ch: Chains,
    readonly n: number,
  ) {
    this.op = model.op;
    this.k = [];
    this.kF = [];
    for (let d = 0; d < n; d++) {
      this.k.push(coefficients(g.cal, ch.mps[d]!, ch.mrrs[d]!, false));
      this.kF.push(coefficients(g.cal, ch.mps[d]!, ch.mrrs[d]!, true));
    }
  }

  /** Computes every route's figures for the pair (s, d) into this.pv. */
  pair(s: number, d: number, end: 'lo' | 'hi'): Float64Array {
    const { g, ch, f2, pv } = this;
    const cal = g.cal;
    const rcFlow = g.rc.rcFlow[end];
    const rcTotal = g.rc.rcTotal[end];
    const xLink = g.rc.socketLink[end];
    const mem = cal.memoryGBps;
    const S = ch.stride;
    const flit = ch.anyFlit;
    const os = s * S;
    const od = d * S;
    const lenS = ch.len[s]!;
    const lenD = ch.len[d]!;
    // node-level common bridge: positions a (in s's chain) and b (in d's); none: a = lenS
    let a = lenS;
    let b = lenD;
    while (a > 0 && b > 0 && ch.node[os + a - 1] === ch.node[od + b - 1]) {
      a--;
      b--;
    }
    const common = a < lenS;
    const cross = ch.socket[s] !== ch.socket[d];
    // ---- bounce (full chains; shared = common tail of the two link chains) ----
    const [uSNF, uSF, uDNF, uDF, shNF, shF] = this.links(s, d, lenS, lenD);
    const kS = this.k[s]!;
    const kSF = this.kF[s]!;
    const kD = this.k[d]!;
    const kDF = this.kF[d]!;
    // flow 1: s → d (s writes memory on its socket, d reads it); flow 2: d → s
    const sh2: Shared = { nf: shNF, f: shF, cross, xLink, mem, flit };
    const eff = cal.stagingEfficiency;
    const b1 = eff * bounceAlone(uSNF, uSF, uDNF, uDF, kS, kSF, kD, kDF, sh2);
    const b2 = eff * bounceAlone(uDNF, uDF, uSNF, uSF, kD, kDF, kS, kSF, sh2);
    f2.reset();
    f2.bounceLegs(uSNF, uDNF, shNF, kS, kD);
    if (flit) f2.bounceLegs(uSF, uDF, shF, kSF, kDF);
    if (cross) {
      f2.add(mem, 2, 0);
      f2.add(mem, 0, 2);
      f2.add(xLink, 1, 0);
      f2.add(xLink, 0, 1);
    } else f2.add(mem, 2, 2);
    f2.solve(b1, b2);
    pv[B1] = b1;
    pv[B2] = b2;
    pv[BIDI_B] = f2.r1 + f2.r2;
    pv[COMMON] = common ? 1 : 0;
    const rtt = cal.rcReadRttNs;
    const remote = cross ? cal.remoteSocketNs : 0;
    const swS0 = ch.swNs[os + lenS]!;
    const swD0 = ch.swNs[od + lenD]!;
    pv[LB1] = swS0 + rtt / 2 + 2 * swD0 + rtt + remote;
    pv[LB2] = swD0 + rtt / 2 + 2 * swS0 + rtt + remote;
    pv[TH_LAT] = swS0 + swD0 + rtt + remote;
    if (common) pv[TURN] = ch.swNs[os + a]! + ch.swNs[od + b]! + ch.turnNs[os + a]!;
    const uNF = Math.min(uSNF, uDNF);
    const uF = Math.min(uSF, uDF);
    if (this.op === 'read') {
      this.reads(s, d, common ? this.links(s, d, a, b) : null, uNF, uF, shNF, shF, end, cross);
      return pv;
    }
    // ---- P2P writes at the smaller MPS of the two ends ----
    const mps = Math.min(ch.mps[s]!, ch.mps[d]!);
    const w = (mps + cal.writeTlpBytes) / mps;
    const wF = (mps + cal.flitTlpBytes) / mps;
    if (common) {
      // switch turnaround: the links below the common bridge; their common tail is shared
      const [uSb, uSbF, uDb, uDbF, tNF, tF] = this.links(s, d, a, b);
      const bNF = Math.min(uSb, uDb);
      const bF = Math.min(uSbF, uDbF);
      const swU = Math.min(bNF / w, bF / wF);
      const swS = Math.min(tNF / w, tF / wF);
      pv[SW_UNI] = pv[SW_UNI2] = Math.min(swU, swS);
      pv[SW_BIDI] = 2 * Math.min(swU, swS / 2);
    }
    // root complex: full chains; shared tail + the root complexes; unique + socket link + bound
    const thU = Math.min(rcFlow, cross ? xLink : INF, uSNF / w, uSF / wF, uDNF / w, uDF / wF);
    const thS = Math.min(rcTotal, shNF / w, shF / wF);
    pv[TH_UNI] = pv[TH_UNI2] = Math.min(thU, thS);
    pv[TH_BIDI] = 2 * Math.min(thU, thS / 2);
    return pv;
  }

  /**
   * The links among the first a nodes of s's chain and the first b of d's (the whole chains for
   * the bounce and the root complex; those below the common bridge for a switch turn): the
   * smallest of s's own links, of d's own and of the tail both share, each non-flit and flit.
   */
  private links(s: number, d: number, a: number, b: number): Links {
    const { ch } = this;
    const os = s * ch.stride;
    const od = d * ch.stride;
    const ls = ch.nLinks[os + a]!;
    const ld = ch.nLinks[od + b]!;
    let t = 0;
    let tNF = INF;
    let tF = INF;
    while (t < ls && t < ld && ch.link[os + ls - 1 - t] === ch.link[od + ld - 1 - t]) {
      tNF = Math.min(tNF, ch.capNF[os + ls - 1 - t]!);
      tF = Math.min(tF, ch.capF[os + ls - 1 - t]!);
      t++;
    }
    let sNF = INF;
    let sF = INF;
    for (let k = 0; k < ls - t; k++) {
      sNF = Math.min(sNF, ch.capNF[os + k]!);
      sF = Math.min(sF, ch.capF[os + k]!);
    }
    let dNF = INF;
    let dF = INF;
    for (let k = 0; k < ld - t; k++) {
      dNF = Math.min(dNF, ch.capNF[od + k]!);
      dF = Math.min(dF, ch.capF[od + k]!);
    }
    return [sNF, sF, dNF, dF, tNF, tF];
  }

  /**
   * P2P reads (d reads s: completions with the data, read requests against it, at the smaller
   * MPS and the reader's MRRS; flow 2 is s reading d). Coefficients differ between the two
   * directions when the readers' MRRS differ, so each route is a two-flow max-min system: a link
   * only one side crosses carries completions one way and requests the other; a link both sides
   * cross carries both flows' completions and requests in each direction.
   */
  private reads(
    s: number,
    d: number,
    sw: Links | null,
    uNF: number,
    uF: number,
    shNF: number,
    shF: number,
    end: 'lo' | 'hi',
    cross: boolean,
  ): void {
    const { ch, f2, pv } = this;
    const cal = this.g.cal;
    const mps = Math.min(ch.mps[s]!, ch.mps[d]!);
    const k1 = coefficients(cal, mps, ch.mrrs[d]!, false);
    const k1F = coefficients(cal, mps, ch.mrrs[d]!, true);
    const k2 = coefficients(cal, mps, ch.mrrs[s]!, false);
    const k2F = coefficients(cal, mps, ch.mrrs[s]!, true);
    const links = (oNF: number, oF: number, tNF: number, tF: number) => {
      f2.reset();
      f2.add(oNF, k1.completion, k2.readRequest);
      f2.add(oNF, k1.readRequest, k2.completion);
      f2.add(tNF, k1.completion + k1.readRequest, k2.completion + k2.readRequest);
      f2.add(oF, k1F.completion, k2F.readRequest);
      f2.add(oF, k1F.readRequest, k2F.completion);
      f2.add(tF, k1F.completion + k1F.readRequest, k2F.completion + k2F.readRequest);
    };
    if (sw !== null) {
      links(Math.min(sw[0], sw[2]), Math.min(sw[1], sw[3]), sw[4], sw[5]);
      pv[SW_UNI] = f2.alone(1, INF);
      pv[SW_UNI2] = f2.alone(2, INF);
      f2.solve(INF, INF);
      pv[SW_BIDI] = f2.r1 + f2.r2;
    }
    const rcFlow = this.g.rc.rcFlow[end];
    links(uNF, uF, shNF, shF);
    f2.add(this.g.rc.rcTotal[end], 1, 1);
    if (cross) {
      const x = this.g.rc.socketLink[end];
      f2.add(x, 1, 0);
      f2.add(x, 0, 1);
    }
    pv[TH_UNI] = f2.alone(1, rcFlow);
    pv[TH_UNI2] = f2.alone(2, rcFlow);
    f2.solve(rcFlow, rcFlow);
    pv[TH_BIDI] = f2.r1 + f2.r2;
  }

  /** The group tables, the refusing drivers and the mixed pairs; see `GroupedMatrices`. */
  build(pairs: PairMatrix, ranged: boolean): BandwidthMatrices {
    const { n, ch } = this;
    const { group, reps, second } = groupsOf(ch, n);
    const G = reps.length;
    // upper triangle of groups with the diagonal (two devices of one group): gi ≤ gj
    const tables = (ranged ? (['lo', 'hi'] as const) : (['lo'] as const)).map((end) => {
      const t = new Float32Array(((G * (G + 1)) / 2) * PV_FIELDS);
      for (let gi = 0; gi < G; gi++) {
        const b = second[gi]!;
        if (b >= 0) t.set(this.pair(reps[gi]!, b, end), triIndex(gi, gi, G) * PV_FIELDS);
        for (let gj = gi + 1; gj < G; gj++)
          t.set(this.pair(reps[gi]!, reps[gj]!, end), triIndex(gi, gj, G) * PV_FIELDS);
      }
      return t;
    });
    const lo = tables[0]!;
    const hi = tables[1] ?? lo;
    const refuses = new Uint8Array(n);
    for (let d = 0; d < n; d++)
      refuses[d] = driverRefusesP2p(this.g.fabric, this.devices[d]!) ? 1 : 0;
    const m = new GroupedMatrices(
      this.devices,
      pairs,
      ranged,
      group,
      G,
      lo,
      hi,
      refuses,
      this.op === 'read',
    );
    const mixed = mixedPairs(pairs, refuses, (s, d) => m.common(s, d));
    for (let k = 0; k < mixed.length; k += 2) {
      const [s, d] = [mixed[k]!, mixed[k + 1]!];
      this.mixed(m, s, d, ranged);
      this.mixed(m, d, s, ranged);
    }
    return m;
  }

  /** The rare pair whose two directions take different routes: ask the solver. */
  mixed(m: GroupedMatrices, s: number, d: number, ranged: boolean): void {
    const [src, dst] = [this.devices[s]!, this.devices[d]!];
    const r = this.model.solve([
      { src, dst, mode: 'p2p' },
      { src: dst, dst: src, mode: 'p2p' },
    ]);
    const k = s * this.n + d;
    m.mixedLo.set(k, Math.fround(r[0]!.rate.lo + r[1]!.rate.lo));
    if (ranged) m.mixedHi.set(k, Math.fround(r[0]!.rate.hi + r[1]!.rate.hi));
  }
}

/**
 * The pairs (s, d), s < d in tree order, whose two directions take different routes: the map types
 * differ, neither driver refuses (`refuses[i]` 1), and the kernel refuses one direction or only one
 * turns at the common switch (`common`). Flat [s, d, s, d, …] in the caller's order. A symmetric
 * matrix (the fast one) has none, and is not read at all; else every pair is read from its tables.
 */
export function mixedPairs(
  pairs: PairMatrix,
  refuses: Uint8Array,
  common: (s: number, d: number) => boolean,
): number[] {
  const mixed: number[] = [];
  if (pairs.symmetric === true) return mixed;
  const { mapTypes: P, pos, n } = pairs;
  const inv = new Int32Array(n);
  for (let i = 0; i < n; i++) inv[pos[i]!] = i;
  const NS = MT_NOT_SUPPORTED;
  const BUS = MT_BUS_ADDR;
  const B = 64;
  for (let p0 = 0; p0 < n; p0 += B)
    for (let q0 = p0; q0 < n; q0 += B)
      for (let p = p0; p < Math.min(n, p0 + B); p++)
        for (let q = Math.max(q0, p + 1); q < Math.min(n, q0 + B); q++) {
          const a = P[p * n + q]!;
          const b = P[q * n + p]!;
          if (a === b) continue;
          const s = inv[p]!;
          const d = inv[q]!;
          if (refuses[s] === 1 || refuses[d] === 1) continue;
          if (a === NS || b === NS || ((a === BUS) !== (b === BUS) && common(s, d)))
            mixed.push(s, d);
        }
  return mixed;
}

/** Index of the group pair gi ≤ gj in the upper triangle (with the diagonal) of G groups. */
function triIndex(gi: number, gj: number, G: number): number {
  return gi * G - ((gi * (gi - 1)) >> 1) + (gj - gi);
}

/**
 * The matrices as one table of pair figures per pair of groups (and per end of the ranges when
 * one applies), the kernel's map types of every cell (`pairs`), the devices whose driver refuses
 * P2P, and the P2P bidirectional sums of the mixed pairs: about n² bytes (the map types) plus
 * 24 G² bytes per end, where the dense layout took 40 n² bytes (ten float32 matrices).
 */
class GroupedMatrices implements BandwidthMatrices {
  readonly n: number;
  readonly mixedLo = new Map<number, number>();
  readonly mixedHi: Map<number, number>;
  constructor(
    readonly devices: readonly PciFunction[],
    readonly pairs: PairMatrix,
    readonly ranged: boolean,
    private readonly group: Int32Array,
    readonly groups: number,
    private readonly lo: Float32Array,
    private readonly hi: Float32Array,
    private readonly refuses: Uint8Array,
    private readonly reads: boolean,
  ) {
    this.n = devices.length;
    this.mixedHi = ranged ? new Map() : this.mixedLo;
  }

  groupOf(i: number): number {
    return this.group[i]!;
  }

  /** Offset of the pair's figures in a table; -offset - 1 when the stored pair is (j, i). */
  private at(i: number, j: number): number {
    const gs = this.group[i]!;
    const gd = this.group[j]!;
    return gs <= gd
      ? triIndex(gs, gd, this.groups) * PV_FIELDS
      : -triIndex(gd, gs, this.groups) * PV_FIELDS - 1;
  }

  /** The two share a bridge below the root complex. */
  common(i: number, j: number): boolean {
    const a = this.at(i, j);
    return this.lo[(a >= 0 ? a : -a - 1) + COMMON] === 1;
  }

  cell(kind: MatrixKind, i: number, j: number, end: MatrixEnd = 'lo'): number {
    if (i === j) return Number.NaN;
    if (kind === 'bidiP2p') {
      const mixed = (end === 'hi' ? this.mixedHi : this.mixedLo).get(i * this.n + j);
      if (mixed !== undefined) return mixed;
    }
    const a = this.at(i, j);
    // The bounce kinds take no route; a driver that refuses P2P leaves only the bounce, whatever
    // the kernel says (no map type read: the n×n table is never filled for them).
    const route =
      kind === 'uniBounce' ||
      kind === 'bidiBounce' ||
      kind === 'latBounce' ||
      this.refuses[i] === 1 ||
      this.refuses[j] === 1
        ? ROUTE_REFUSED
        : ROUTE_OF[flowMapType(this.pairs, i, j, this.reads ? 'read' : 'write')]!;
    return this.value(kind, this.table(kind, end), a < 0 ? -a - 1 : a, a < 0, route);
  }

  /** The table a kind reads at an end (latency: one value for both ends). */
  private table(kind: MatrixKind, end: MatrixEnd): Float32Array {
    return end === 'hi' && kind !== 'latP2p' && kind !== 'latBounce' ? this.hi : this.lo;
  }

  /**
   * A cell's value from its group pair's figures at `o` in `v` (`swap`: stored as (j, i)) and the
   * route class of the direction i → j (ROUTE_*): the slot FIELDS names.
   */
  private value(
    kind: MatrixKind,
    v: Float32Array,
    o: number,
    swap: boolean,
    route: number,
  ): number {
    return v[o + FIELDS[kind][(swap ? 6 : 0) + route * 2 + (v[o + COMMON] === 1 ? 1 : 0)]!]!;
  }

  row(
    kind: MatrixKind,
    i: number,
    end: MatrixEnd,
    out: Float32Array | Float64Array,
    from = 0,
    to: number = this.n,
  ): void {
    const { n, group, refuses } = this;
    const v = this.table(kind, end);
    const G = this.groups;
    const gi = group[i]!;
    const p2p = kind === 'uniP2p' || kind === 'bidiP2p' || kind === 'latP2p';
    const mt = p2p ? this.flowRow(i, from, to) : null;
    const refI = refuses[i] === 1;
    if (to - from >= G) {
      // each group's value per route class once, then one look-up per cell
      // (made for a block of GROUP_BLOCK consecutive groups at once, kept per end: rows come
      // in group order, and the block's figures against one group g lie side by side in the
      // table, where one group's alone are a cache miss each)
      const slot = end === 'hi' ? 1 : 0;
      const g0 = gi - (gi % GROUP_BLOCK);
      const g1 = Math.min(G, g0 + GROUP_BLOCK);
      const W = 3 * G;
      if (this.#byGroup[slot]!.length < GROUP_BLOCK * W)
        this.#byGroup[slot] = new Float64Array(GROUP_BLOCK * W);
      const block = this.#byGroup[slot]!;
      const key = `${kind} ${g0}`;
      if (this.#byGroupKey[slot] !== key) {
        // `value` spelled out: FIELDS[kind] once, the pair (gg, g) at triIndex
        const F = FIELDS[kind];
        for (let g = 0; g < G; g++)
          for (let gg = g0; gg < g1; gg++) {
            const swap = gg > g;
            const o = (swap ? triIndex(g, gg, G) : triIndex(gg, g, G)) * PV_FIELDS;
            const at = (swap ? 6 : 0) + (v[o + COMMON] === 1 ? 1 : 0);
            const b = (gg - g0) * W + 3 * g;
            block[b] = v[o + F[at + 2 * ROUTE_REFUSED]!]!;
            if (p2p) {
              block[b + ROUTE_BUS] = v[o + F[at + 2 * ROUTE_BUS]!]!;
              block[b + ROUTE_OTHER] = v[o + F[at + 2 * ROUTE_OTHER]!]!;
            }
          }
        this.#byGroupKey[slot] = key;
      }
      const byGroup = block.subarray((gi - g0) * W, (gi - g0 + 1) * W);
      if (mt === null) for (let j = from; j < to; j++) out[j] = byGroup[3 * group[j]!]!;
      else
        for (let j = from; j < to; j++)
          out[j] =
            byGroup[
              3 * group[j]! + (refI || refuses[j] === 1 ? ROUTE_REFUSED : ROUTE_OF[mt[j]!]!)
            ]!;
    } else
      for (let j = from; j < to; j++) {
        const a = this.at(i, j);
        const route = mt === null || refI || refuses[j] === 1 ? ROUTE_REFUSED : ROUTE_OF[mt[j]!]!;
        out[j] = this.value(kind, v, a < 0 ? -a - 1 : a, a < 0, route);
      }
    if (i >= from && i < to) out[i] = Number.NaN;
    if (kind === 'bidiP2p') {
      const mixed = end === 'hi' ? this.mixedHi : this.mixedLo;
      if (mixed.size > 0)
        for (let j = from; j < to; j++) {
          const x = mixed.get(i * n + j);
          if (x !== undefined) out[j] = x;
        }
    }
  }

  /** Scratch: the map type of each flow i → j of a row (`flowRow`); figures per group (`row`). */
  #flow: Int8Array | null = null;
  readonly #byGroup = [new Float64Array(0), new Float64Array(0)];
  /** Kind and row group `#byGroup` holds, per end (lo, hi). */
  readonly #byGroupKey = ['', ''];

  /** The kernel's map type of each flow i → j, j in [from, to) (cell = provider, client). */
  private flowRow(i: number, from: number, to: number): Int8Array {
    const { n, pairs } = this;
    if (this.#flow === null) this.#flow = new Int8Array(n);
    const out = this.#flow;
    // a read takes from i's BAR (row i); a write lands in j's (column i: row i when symmetric)
    if (from === 0 && to === n && (this.reads || pairs.symmetric === true)) {
      pairs.row(i, out, null);
      return out;
    }
    const P = pairs.mapTypes;
    const pos = pairs.pos;
    const pi = pos[i]!;
    if (this.reads) for (let j = from; j < to; j++) out[j] = P[pi * n + pos[j]!]!;
    else for (let j = from; j < to; j++) out[j] = P[pos[j]! * n + pi]!;
    return out;
  }
}

/** Groups whose figures `row` makes at once (see there). */
const GROUP_BLOCK = 16;

/** Route classes of one direction: refused (the bounce), BUS_ADDR, through the root complex. */
const ROUTE_REFUSED = 0;
const ROUTE_BUS = 1;
const ROUTE_OTHER = 2;
/** By map type code: NOT_SUPPORTED, BUS_ADDR, THRU_HOST_BRIDGE, uncertain (the root complex). */
const ROUTE_OF = Int8Array.from([ROUTE_REFUSED, ROUTE_BUS, ROUTE_OTHER, ROUTE_OTHER]);

/**
 * The slot a cell reads, by kind, then [swap * 6 + route * 2 + common]: stored as (j, i) (swap),
 * the route class of i → j, the two share a bridge below the root complex (common). A refused
 * route is the bounce; BUS_ADDR turns at the common switch when there is one, else it goes
 * through the root complex like every other route.
 */
const FIELDS: Readonly<Record<MatrixKind, Int8Array>> = (() => {
  const table = (slot: (swap: boolean, route: number, common: boolean) => number) => {
    const t = new Int8Array(12);
    for (const swap of [false, true])
      for (let route = 0; route < 3; route++)
        for (const common of [false, true])
          t[(swap ? 6 : 0) + route * 2 + (common ? 1 : 0)] = slot(swap, route, common);
    return t;
  };
  const turns = (route: number, common: boolean) => route === ROUTE_BUS && common;
  return {
    uniBounce: table((swap) => (swap ? B2 : B1)),
    bidiBounce: table(() => BIDI_B),
    latBounce: table((swap) => (swap ? LB2 : LB1)),
    uniP2p: table((swap, route, common) =>
      route === ROUTE_REFUSED
        ? swap
          ? B2
          : B1
        : turns(route, common)
          ? swap
            ? SW_UNI2
            : SW_UNI
          : swap
            ? TH_UNI2
            : TH_UNI,
    ),
    bidiP2p: table((_swap, route, common) =>
      route === ROUTE_REFUSED ? BIDI_B : turns(route, common) ? SW_BIDI : TH_BIDI,
    ),
    latP2p: table((swap, route, common) =>
      route === ROUTE_REFUSED ? (swap ? LB2 : LB1) : turns(route, common) ? TURN : TH_LAT,
    ),
  };
})();

/**
 * Devices whose chains agree everywhere but at the device itself (functions of one device, VFs of
 * one PF) and whose MPS/MRRS/socket agree form a group; returns each device's group and one
 * representative per group.
 */
function groupsOf(ch: Chains, n: number): { group: Int32Array; reps: number[]; second: number[] } {
  const group = new Int32Array(n);
  const reps: number[] = [];
  const second: number[] = [];
  const seen = new Map<string, number>();
  const S = ch.stride;
  for (let d = 0; d < n; d++) {
    const o = d * S;
    const len = ch.len[d]!;
    const parts: number[] = [len, ch.nLinks[o + len]!, ch.socket[d]!, ch.mps[d]!, ch.mrrs[d]!];
    for (let k = 1; k < len; k++) parts.push(ch.node[o + k]!);
    for (let k = 0; k < ch.nLinks[o + len]!; k++) parts.push(ch.link[o + k]!);
    parts.push(ch.swNs[o + 1]!);
    const key = parts.join(',');
    let gi = seen.get(key);
    if (gi === undefined) {
      gi = reps.length;
      seen.set(key, gi);
      reps.push(d);
      second.push(-1);
    } else if (second[gi] === -1) second[gi] = d;
    group[d] = gi;
  }
  return { group, reps, second };
}
