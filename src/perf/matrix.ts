/**
 * All-pairs bandwidth and latency, laid out like CUDA's p2pBandwidthLatencyTest: unidirectional and
 * bidirectional, with P2P enabled (the route the kernel allows; a refused pair falls back to the
 * bounce, as the CUDA sample does) and disabled (always the bounce), plus fabric latency. Posted
 * writes, like cudaMemcpyPeer's copy engine.
 *
 * Each cell is the max-min solution of one flow (uni) or the two opposite flows (bidi) alone on
 * the fabric, in closed form: per device, its chain of uplinks to the root port with prefix
 * minima; per pair, the links both flows share are the common tail of the two chains. Within each
 * group of links every flow has the same coefficient, so a group acts as one constraint (its
 * smallest link). The differential test checks every cell against PerfModel.solve (src/sim).
 */
import { fastMatrix, MT_BUS_ADDR, MT_NOT_SUPPORTED, type PairMatrix } from '../p2pdma/matrix.js';
import type { PciFunction } from '../pci/types.js';
import { refuser } from './facts.js';
import type { PerfGraph } from './graph.js';
import { type Coefficients, coefficients } from './link.js';
import type { PerfModel } from './model.js';
import { chainMps, mrrsOf } from './route.js';

export interface EndMatrices {
  /** Row = source, column = destination, GB/s; the diagonal is NaN. */
  readonly uniP2p: Float32Array;
  readonly uniBounce: Float32Array;
  /** Sum of both directions (symmetric). */
  readonly bidiP2p: Float32Array;
  readonly bidiBounce: Float32Array;
}

export interface BandwidthMatrices {
  readonly devices: readonly PciFunction[];
  readonly n: number;
  readonly pairs: PairMatrix;
  readonly lo: EndMatrices;
  /**
   * Same object as `lo` when no published range applies to this machine; its bounce matrices are
   * `lo`'s when only the root complex is ranged (the bounce never crosses it).
   */
  readonly hi: EndMatrices;
  /** One-way fabric latency of a posted write, ns: P2P (fallback bounce) and bounce. */
  readonly latP2p: Float32Array;
  readonly latBounce: Float32Array;
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
  add(cap: number, a1: number, a2: number): void {
    if (cap === INF || (a1 === 0 && a2 === 0)) return;
    const i = this.m++;
    this.cap[i] = cap;
    this.a1[i] = a1;
    this.a2[i] = a2;
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

/** All-pairs matrices over `devices` (default: the model's matrix selection is the caller's). */
export function bandwidthMatrices(
  model: PerfModel,
  devices: readonly PciFunction[],
): BandwidthMatrices {
  if (model.op !== 'write') throw new Error('bandwidthMatrices: posted writes only (op write)');
  const g = model.graph;
  const n = devices.length;
  const pairs = fastMatrix(model.env, devices);
  const PT = transpose(pairs.mapTypes, n);
  const ch = chainsOf(g, devices);
  const ranged =
    g.rc.rcFlow.lo !== g.rc.rcFlow.hi ||
    g.rc.rcTotal.lo !== g.rc.rcTotal.hi ||
    g.rc.socketLink.lo !== g.rc.socketLink.hi;
  const alloc = (): EndMatrices => ({
    uniP2p: new Float32Array(n * n),
    uniBounce: new Float32Array(n * n),
    bidiP2p: new Float32Array(n * n),
    bidiBounce: new Float32Array(n * n),
  });
  const lo = alloc();
  // the bounce never crosses the root complex: its figures differ between the ends of the ranges
  // only through the socket link, so without a ranged socket link in play the hi end shares them
  const oneSocket = ch.socket.every((x) => x === ch.socket[0]);
  const shareBounce = oneSocket || g.rc.socketLink.lo === g.rc.socketLink.hi;
  const hi = !ranged
    ? lo
    : shareBounce
      ? {
          uniP2p: new Float32Array(n * n),
          bidiP2p: new Float32Array(n * n),
          uniBounce: lo.uniBounce,
          bidiBounce: lo.bidiBounce,
        }
      : alloc();
  const latP2p = new Float32Array(n * n);
  const latBounce = new Float32Array(n * n);
  const cells = new Cells(model, devices, g, ch, pairs.mapTypes, PT, pairs.pos, n);
  cells.fill(lo, ranged ? hi : null, latP2p, latBounce);
  return { devices, n, pairs, lo, hi, latP2p, latBounce };
}

/** Blocked transpose of an n × n byte matrix (cache-friendly). */
function transpose(a: Int8Array, n: number): Int8Array {
  const t = new Int8Array(n * n);
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B)
    for (let j0 = 0; j0 < n; j0 += B)
      for (let i = i0; i < Math.min(n, i0 + B); i++)
        for (let j = j0; j < Math.min(n, j0 + B); j++) t[j * n + i] = a[i * n + j]!;
  return t;
}

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
  let r = Math.min(sh.mem / 2, uA / kA.write, uB / kB.completion);
  r = Math.min(r, sh.nf / (kA.write + kB.readRequest), sh.nf / kB.completion);
  if (sh.flit) {
    r = Math.min(r, uAF / kAF.write, uBF / kBF.completion);
    r = Math.min(r, sh.f / (kAF.write + kBF.readRequest), sh.f / kBF.completion);
  }
  return sh.cross ? Math.min(r, sh.xLink) : r;
}

/**
 * What one unordered pair {s, d} yields, for every route the map types may pick, as slots of a
 * Float64Array (plain typed arrays keep the fill loop fast).
 */
const B1 = 0; // bounce s → d alone
const B2 = 1; // bounce d → s alone
const BIDI_B = 2;
const COMMON = 3; // 1 when the two share a bridge below the root complex
const SW_UNI = 4; // switch turnaround, one direction alone (either way)
const SW_BIDI = 5;
const TH_UNI = 6; // through the root complex
const TH_BIDI = 7;
const LB1 = 8; // bounce latency s → d
const LB2 = 9;
const TURN = 10; // switch turnaround latency
const TH_LAT = 11;
const PV_FIELDS = 12;

class Cells {
  readonly f2 = new Fill2();
  readonly pv = new Float64Array(PV_FIELDS);
  readonly k: Coefficients[];
  readonly kF: Coefficients[];
  constructor(
    readonly model: PerfModel,
    readonly devices: readonly PciFunction[],
    readonly g: PerfGraph,
    readonly ch: Chains,
    /** The fast matrix's map types, provider-major in tree order, and their transpose. */
    readonly P: Int8Array,
    readonly PT: Int8Array,
    readonly pos: Int32Array,
    readonly n: number,
  ) {
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
    const nS = ch.nLinks[os + lenS]!;
    const nD = ch.nLinks[od + lenD]!;
    let sh = 0;
    let shNF = INF;
    let shF = INF;
    while (sh < nS && sh < nD && ch.link[os + nS - 1 - sh] === ch.link[od + nD - 1 - sh]) {
      shNF = Math.min(shNF, ch.capNF[os + nS - 1 - sh]!);
      shF = Math.min(shF, ch.capF[os + nS - 1 - sh]!);
      sh++;
    }
    let uSNF = INF;
    let uSF = INF;
    for (let k = 0; k < nS - sh; k++) {
      uSNF = Math.min(uSNF, ch.capNF[os + k]!);
      uSF = Math.min(uSF, ch.capF[os + k]!);
    }
    let uDNF = INF;
    let uDF = INF;
    for (let k = 0; k < nD - sh; k++) {
      uDNF = Math.min(uDNF, ch.capNF[od + k]!);
      uDF = Math.min(uDF, ch.capF[od + k]!);
    }
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
    f2.add(uSNF, kS.write, kS.readRequest);
    f2.add(uSNF, 0, kS.completion);
    f2.add(uDNF, kD.readRequest, kD.write);
    f2.add(uDNF, kD.completion, 0);
    f2.add(shNF, kS.write + kD.readRequest, kD.write + kS.readRequest);
    f2.add(shNF, kD.completion, kS.completion);
    if (flit) {
      f2.add(uSF, kSF.write, kSF.readRequest);
      f2.add(uSF, 0, kSF.completion);
      f2.add(uDF, kDF.readRequest, kDF.write);
      f2.add(uDF, kDF.completion, 0);
      f2.add(shF, kSF.write + kDF.readRequest, kDF.write + kSF.readRequest);
      f2.add(shF, kDF.completion, kSF.completion);
    }
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
    // ---- P2P writes at the smaller MPS of the two ends ----
    const mps = Math.min(ch.mps[s]!, ch.mps[d]!);
    const w = (mps + cal.writeTlpBytes) / mps;
    const wF = (mps + cal.flitTlpBytes) / mps;
    pv[COMMON] = common ? 1 : 0;
    if (common) {
      // switch turnaround: the links below the common bridge; their common tail is shared
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
      let uNF = INF;
      let uF = INF;
      for (let k = 0; k < ls - t; k++) {
        uNF = Math.min(uNF, ch.capNF[os + k]!);
        uF = Math.min(uF, ch.capF[os + k]!);
      }
      for (let k = 0; k < ld - t; k++) {
        uNF = Math.min(uNF, ch.capNF[od + k]!);
        uF = Math.min(uF, ch.capF[od + k]!);
      }
      const swU = Math.min(uNF / w, uF / wF);
      const swS = Math.min(tNF / w, tF / wF);
      pv[SW_UNI] = Math.min(swU, swS);
      pv[SW_BIDI] = 2 * Math.min(swU, swS / 2);
      pv[TURN] = ch.swNs[os + a]! + ch.swNs[od + b]! + ch.turnNs[os + a]!;
    }
    // root complex: full chains; shared tail + the root complexes; unique + socket link + bound
    const thU = Math.min(rcFlow, cross ? xLink : INF, uSNF / w, uSF / wF, uDNF / w, uDF / wF);
    const thS = Math.min(rcTotal, shNF / w, shF / wF);
    pv[TH_UNI] = Math.min(thU, thS);
    pv[TH_BIDI] = 2 * Math.min(thU, thS / 2);
    const rtt = cal.rcReadRttNs;
    const remote = cross ? cal.remoteSocketNs : 0;
    const swS0 = ch.swNs[os + lenS]!;
    const swD0 = ch.swNs[od + lenD]!;
    pv[LB1] = swS0 + rtt / 2 + 2 * swD0 + rtt + remote;
    pv[LB2] = swD0 + rtt / 2 + 2 * swS0 + rtt + remote;
    pv[TH_LAT] = swS0 + swD0 + rtt + remote;
    return pv;
  }

  /**
   * Fill one end's matrices. Devices that differ only in being different functions of one device
   * (same uplink, same chain above) give the same figures against every other device, so the pair
   * figures are computed once per pair of groups; the map type of each cell still picks the route.
   */
  fill(
    lo: EndMatrices,
    hi: EndMatrices | null,
    latP2p: Float32Array,
    latBounce: Float32Array,
  ): void {
    const { n, ch } = this;
    const { group, reps } = groupsOf(ch, n);
    const G = reps.length;
    const tables = [lo, hi ?? lo].map((_, e) => {
      const t = new Float64Array(G * G * PV_FIELDS);
      for (let gi = 0; gi < G; gi++)
        for (let gj = gi + 1; gj < G; gj++)
          t.set(this.pair(reps[gi]!, reps[gj]!, e === 0 ? 'lo' : 'hi'), (gi * G + gj) * PV_FIELDS);
      return t;
    });
    for (let i = 0; i < n; i++) {
      const ii = i * n + i;
      for (const out of hi ? [lo, hi] : [lo])
        out.uniP2p[ii] = out.uniBounce[ii] = out.bidiP2p[ii] = out.bidiBounce[ii] = Number.NaN;
      latP2p[ii] = latBounce[ii] = Number.NaN;
    }
    const { pos, P, PT } = this;
    const refuses = new Uint8Array(n);
    for (let d = 0; d < n; d++)
      refuses[d] = refuser(this.g.fabric, this.devices[d]!, this.devices[d]!) === null ? 0 : 1;
    // imported bindings are getters under some loaders: read them once, outside the loop
    const NS = MT_NOT_SUPPORTED;
    const BUS = MT_BUS_ADDR;
    const pvLo = new Float64Array(PV_FIELDS);
    const pvHi = new Float64Array(PV_FIELDS);
    // row by row, so every write is sequential; map types read along rows of P and its transpose
    for (let s = 0; s < n; s++) {
      const gs = group[s]!;
      const row = s * n;
      const prow = pos[s]! * n;
      for (let d = 0; d < n; d++) {
        if (d === s) continue;
        const gd = group[d]!;
        const pd = prow + pos[d]!;
        // a driver that refuses P2P leaves only the bounce, whatever the kernel says
        const refused = refuses[s] === 1 || refuses[d] === 1;
        const mt1 = refused ? NS : PT[pd]!; // write s → d: provider d, client s
        const mt2 = refused ? NS : P[pd]!;
        let o = 0;
        // the stored pair is (d, s) when gs > gd: the directed figures trade places
        let swap = false;
        let vLo = tables[0]!;
        let vHi = tables[1]!;
        if (gs === gd) {
          swap = d < s;
          const [a, b] = swap ? [d, s] : [s, d];
          vLo = pvLo;
          vLo.set(this.pair(a, b, 'lo'));
          vHi = vLo;
          if (hi) {
            vHi = pvHi;
            vHi.set(this.pair(a, b, 'hi'));
          }
        } else if (gs < gd) o = (gs * G + gd) * PV_FIELDS;
        else {
          o = (gd * G + gs) * PV_FIELDS;
          swap = true;
        }
        const common = vLo[o + COMMON] === 1;
        const sw1 = mt1 === BUS && common;
        const sw2 = mt2 === BUS && common;
        const mixed = !(mt1 === NS && mt2 === NS) && !(mt1 !== NS && mt2 !== NS && sw1 === sw2);
        const sd = row + d;
        for (let e = 0; e < (hi ? 2 : 1); e++) {
          const v = e === 0 ? vLo : vHi;
          const out = e === 0 ? lo : hi!;
          const b1 = v[o + (swap ? B2 : B1)]!;
          if (e === 0 || out.uniBounce !== lo.uniBounce) {
            out.uniBounce[sd] = b1;
            out.bidiBounce[sd] = v[o + BIDI_B]!;
          }
          out.uniP2p[sd] = mt1 === NS ? b1 : sw1 ? v[o + SW_UNI]! : v[o + TH_UNI]!;
          out.bidiP2p[sd] = mixed
            ? this.mixed(s, d, e === 0 ? 'lo' : 'hi')
            : mt1 === NS
              ? v[o + BIDI_B]!
              : sw1
                ? v[o + SW_BIDI]!
                : v[o + TH_BIDI]!;
        }
        const lb1 = vLo[o + (swap ? LB2 : LB1)]!;
        latBounce[sd] = lb1;
        latP2p[sd] = mt1 === NS ? lb1 : sw1 ? vLo[o + TURN]! : vLo[o + TH_LAT]!;
      }
    }
  }

  /** The rare pair whose two directions take different routes: ask the solver. */
  mixed(s: number, d: number, end: 'lo' | 'hi'): number {
    const [src, dst] = [this.devices[s]!, this.devices[d]!];
    const r = this.model.solve([
      { src, dst, mode: 'p2p' },
      { src: dst, dst: src, mode: 'p2p' },
    ]);
    return r[0]!.rate[end] + r[1]!.rate[end];
  }
}

/**
 * Devices whose chains agree everywhere but at the device itself (functions of one device, VFs of
 * one PF) and whose MPS/MRRS/socket agree form a group; returns each device's group and one
 * representative per group.
 */
function groupsOf(ch: Chains, n: number): { group: Int32Array; reps: number[] } {
  const group = new Int32Array(n);
  const reps: number[] = [];
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
    }
    group[d] = gi;
  }
  return { group, reps };
}
