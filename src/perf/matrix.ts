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
import type { PerfGraph } from './graph.js';
import { coefficients } from './link.js';
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
  /** Row-major map type of the P2P write src → dst (MT_* codes). */
  readonly mapTypes: Int8Array;
  readonly lo: EndMatrices;
  /** Same object as `lo` when no published range applies to this machine. */
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
  const mapTypes = new Int8Array(n * n);
  for (let i = 0; i < n; i++) {
    const pi = pairs.pos[i]!;
    // a write src i → dst j lands in j's memory: provider j, client i
    for (let j = 0; j < n; j++) mapTypes[i * n + j] = pairs.mapTypes[pairs.pos[j]! * n + pi]!;
  }
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
  const hi = ranged ? alloc() : lo;
  const latP2p = new Float32Array(n * n);
  const latBounce = new Float32Array(n * n);
  const cells = new Cells(model, devices, g, ch, mapTypes, n);
  cells.fill(lo, 'lo', latP2p, latBounce);
  if (ranged) cells.fill(hi, 'hi', null, null);
  return { devices, n, pairs, mapTypes, lo, hi, latP2p, latBounce };
}

class Cells {
  readonly f2 = new Fill2();
  constructor(
    readonly model: PerfModel,
    readonly devices: readonly PciFunction[],
    readonly g: PerfGraph,
    readonly ch: Chains,
    readonly mapTypes: Int8Array,
    readonly n: number,
  ) {}

  fill(
    out: EndMatrices,
    end: 'lo' | 'hi',
    latP2p: Float32Array | null,
    latBounce: Float32Array | null,
  ): void {
    const { g, ch, n, mapTypes, f2 } = this;
    const cal = g.cal;
    const rc = g.rc;
    const rcFlow = rc.rcFlow[end];
    const rcTotal = rc.rcTotal[end];
    const xLink = rc.socketLink[end];
    const mem = cal.memoryGBps;
    const eff = cal.stagingEfficiency;
    const S = ch.stride;
    const flit = ch.anyFlit;
    for (let i = 0; i < n; i++) {
      out.uniP2p[i * n + i] = Number.NaN;
      out.uniBounce[i * n + i] = Number.NaN;
      out.bidiP2p[i * n + i] = Number.NaN;
      out.bidiBounce[i * n + i] = Number.NaN;
      if (latP2p) latP2p[i * n + i] = Number.NaN;
      if (latBounce) latBounce[i * n + i] = Number.NaN;
    }
    for (let s = 0; s < n; s++) {
      const os = s * S;
      const lenS = ch.len[s]!;
      const sockS = ch.socket[s]!;
      const kS = coefficients(cal, ch.mps[s]!, ch.mrrs[s]!, false);
      const kSF = coefficients(cal, ch.mps[s]!, ch.mrrs[s]!, true);
      for (let d = s + 1; d < n; d++) {
        const od = d * S;
        const lenD = ch.len[d]!;
        const sockD = ch.socket[d]!;
        // node-level common bridge: positions a (in s's chain) and b (in d's); none: a = lenS
        let a = lenS;
        let b = lenD;
        while (a > 0 && b > 0 && ch.node[os + a - 1] === ch.node[od + b - 1]) {
          a--;
          b--;
        }
        const common = a < lenS;
        const cross = sockS !== sockD;
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
        const kD = coefficients(cal, ch.mps[d]!, ch.mrrs[d]!, false);
        const kDF = coefficients(cal, ch.mps[d]!, ch.mrrs[d]!, true);
        // flow 1: s → d (s writes memory on sockS, d reads it); flow 2: d → s
        const bounceAlone = (
          uA: number,
          uAF: number,
          uB: number,
          uBF: number,
          kA: typeof kS,
          kAF: typeof kS,
          kB: typeof kS,
          kBF: typeof kS,
        ) => {
          let r = Math.min(mem / 2, uA / kA.write, uB / kB.completion);
          r = Math.min(r, shNF / (kA.write + kB.readRequest), shNF / kB.completion);
          if (flit) {
            r = Math.min(r, uAF / kAF.write, uBF / kBF.completion);
            r = Math.min(r, shF / (kAF.write + kBF.readRequest), shF / kBF.completion);
          }
          return cross ? Math.min(r, xLink) : r;
        };
        const b1 = eff * bounceAlone(uSNF, uSF, uDNF, uDF, kS, kSF, kD, kDF);
        const b2 = eff * bounceAlone(uDNF, uDF, uSNF, uSF, kD, kDF, kS, kSF);
        out.uniBounce[s * n + d] = b1;
        out.uniBounce[d * n + s] = b2;
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
        const bidiB = f2.r1 + f2.r2;
        out.bidiBounce[s * n + d] = bidiB;
        out.bidiBounce[d * n + s] = bidiB;
        // ---- P2P: per direction by map type (the two directions may differ) ----
        const mps = Math.min(ch.mps[s]!, ch.mps[d]!);
        const w = (mps + cal.writeTlpBytes) / mps;
        const wF = (mps + cal.flitTlpBytes) / mps;
        const mt1 = mapTypes[s * n + d]!;
        const mt2 = mapTypes[d * n + s]!;
        let u1 = 0;
        let u2 = 0;
        let bidi = 0;
        // switch turnaround: the links below the common bridge; their common tail is shared
        const viaSwitch = (mt: number) => mt === MT_BUS_ADDR && common;
        let swU = INF; // unique links (per flow, same for both directions)
        let swS = INF; // shared links, per flow alone
        if (viaSwitch(mt1) || viaSwitch(mt2)) {
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
          swU = Math.min(uNF / w, uF / wF);
          swS = Math.min(tNF / w, tF / wF);
        }
        // root complex: full chains, shared tail + the root complexes; unique + socket link + bound
        const thU = Math.min(rcFlow, cross ? xLink : INF, uSNF / w, uSF / wF, uDNF / w, uDF / wF);
        const thS = Math.min(rcTotal, shNF / w, shF / wF);
        const uniOf = (mt: number, bounce: number) =>
          mt === MT_NOT_SUPPORTED
            ? bounce
            : viaSwitch(mt)
              ? Math.min(swU, swS)
              : Math.min(thU, thS);
        u1 = uniOf(mt1, b1);
        u2 = uniOf(mt2, b2);
        if (mt1 === mt2 && mt1 !== MT_NOT_SUPPORTED) {
          const [U, Sh] = viaSwitch(mt1) ? [swU, swS] : [thU, thS];
          bidi = 2 * Math.min(U, Sh / 2);
        } else if (mt1 === MT_NOT_SUPPORTED && mt2 === MT_NOT_SUPPORTED) bidi = bidiB;
        else bidi = this.mixed(s, d, end);
        out.uniP2p[s * n + d] = u1;
        out.uniP2p[d * n + s] = u2;
        out.bidiP2p[s * n + d] = bidi;
        out.bidiP2p[d * n + s] = bidi;
        if (latP2p && latBounce) {
          const rtt = cal.rcReadRttNs;
          const remote = cross ? cal.remoteSocketNs : 0;
          const swAll = ch.swNs[os + lenS]! + ch.swNs[od + lenD]!;
          const lb1 = ch.swNs[os + lenS]! + rtt / 2 + 2 * ch.swNs[od + lenD]! + rtt + remote;
          const lb2 = ch.swNs[od + lenD]! + rtt / 2 + 2 * ch.swNs[os + lenS]! + rtt + remote;
          const turn = ch.swNs[os + a]! + ch.swNs[od + b]! + (common ? ch.turnNs[os + a]! : 0);
          const latOf = (mt: number, bounce: number) =>
            mt === MT_NOT_SUPPORTED ? bounce : viaSwitch(mt) ? turn : swAll + rtt + remote;
          latBounce[s * n + d] = lb1;
          latBounce[d * n + s] = lb2;
          latP2p[s * n + d] = latOf(mt1, lb1);
          latP2p[d * n + s] = latOf(mt2, lb2);
        }
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
