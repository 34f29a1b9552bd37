/**
 * All-pairs verdicts. `fastMatrix` answers every ordered pair of a device list in typed arrays:
 * devices are laid out in tree order so that every bridge's subtree is one contiguous range; a
 * provider's row is filled level by level up its upstream chain (the clients whose common device
 * with it is that ancestor form one or two ranges), from per-node prefix counts of ACS-redirect
 * devices along the chains and a host-bridge route table. `referenceMatrix` asks the per-pair
 * reference walk (calc.ts) instead; the differential test proves both agree and that the fast path ran.
 */
import { categoryOf, type DeviceCategory } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { allowlistLookup } from './allowlist.js';
import { calc } from './calc.js';
import type { P2pEnv } from './env.js';
import { explore } from './explore.js';
import type { MapType } from './types.js';
import { distanceOf } from './verdict.js';

export const MT_NOT_SUPPORTED = 0;
export const MT_BUS_ADDR = 1;
export const MT_THRU_HOST_BRIDGE = 2;
/** Missing facts decide the pair: ask the reference (`P2pdma.verdict`) for the details. */
export const MT_UNCERTAIN = 3;
export const MT_CODES: readonly (MapType | 'uncertain')[] = [
  'NOT_SUPPORTED',
  'BUS_ADDR',
  'THRU_HOST_BRIDGE',
  'uncertain',
];

export interface PairMatrix {
  /** Devices in the caller's order; cell (i, j) = provider devices[i], client devices[j]. */
  readonly devices: readonly PciFunction[];
  readonly n: number;
  /** Row-major by `pos` (tree order), read through `mapType()` / `distance()`. */
  readonly mapTypes: Int8Array;
  /**
   * -1 refused; for MT_UNCERTAIN the distance the walk would report if accepted. One byte per
   * cell when every distance fits (no chain longer than 63), else two.
   */
  readonly distances: Int8Array | Int16Array;
  /** devices index → tree-order position. */
  readonly pos: Int32Array;
  readonly stats: { fastRows: number; fastCells: number; referenceCells: number };
}

export function cellMapType(m: PairMatrix, i: number, j: number): number {
  return m.mapTypes[m.pos[i]! * m.n + m.pos[j]!]!;
}
export function cellDistance(m: PairMatrix, i: number, j: number): number {
  return m.distances[m.pos[i]! * m.n + m.pos[j]!]!;
}

export interface DeviceSelection {
  readonly all?: boolean;
  readonly classes?: readonly DeviceCategory[];
}

const MIB = 1n << 20n;
const BY_CLASS: ReadonlySet<DeviceCategory> = new Set(['gpu', 'accel', 'nic', 'nvme']);

/**
 * Default: endpoints with a memory BAR ≥ 1 MiB plus GPUs, accelerators, NICs and NVMe by class (a
 * spec may leave a GPU's memory sizes out); `all`: every non-bridge function.
 */
export function matrixDevices(fabric: Fabric, sel: DeviceSelection = {}): PciFunction[] {
  const nonBridge = fabric.functions.filter((f) => !fabric.isBridge(f));
  if (sel.classes && sel.classes.length > 0)
    return nonBridge.filter((f) => sel.classes!.includes(categoryOf(f)));
  if (sel.all) return nonBridge;
  return nonBridge.filter((f) => {
    if (f.kind !== 'endpoint' && f.kind !== 'rc-integrated-endpoint') return false;
    const cat = categoryOf(f);
    return BY_CLASS.has(cat) || f.bars.some((b) => b.space === 'mem' && b.size >= MIB);
  });
}

/** Route code of the host-bridge path for (provider host bridge, client host bridge). */
function hostRouteTable(env: P2pEnv, hbs: readonly string[]): Int8Array {
  const h = hbs.length;
  const out = new Int8Array(h * h);
  if (env.rules.semantics !== 'host-bridge') return out.fill(MT_NOT_SUPPORTED);
  const rootPortToo = env.rules.hostBridgeDevice === 'devfn0-or-root-port';
  const allow = (hb: string, same: boolean): boolean | 'unknown' => {
    let dev = env.fabric.hostBridgeDevice(hb);
    if (!rootPortToo && dev !== null && (dev.addr.device !== 0 || dev.addr.fn !== 0)) dev = null;
    const maybe = dev === null && rootPortToo ? env.fabric.hostBridgeDeviceUnsure(hb) : null;
    const cand = dev ?? maybe;
    if (cand === null) return false;
    if (typeof cand.vendor !== 'number' || typeof cand.device !== 'number') return 'unknown';
    const listed =
      allowlistLookup(env.rules.allowlist, cand.vendor, cand.device, same).kind === 'allowed';
    // An unsure candidate (port type unknown) decides only when it would be allowed.
    return dev === null ? (listed ? 'unknown' : false) : listed;
  };
  for (let a = 0; a < h; a++) {
    for (let b = 0; b < h; b++) {
      let ok: boolean | 'unknown';
      if (a === b) ok = allow(hbs[a]!, true);
      else {
        const x = allow(hbs[a]!, false);
        const y = x === false ? false : allow(hbs[b]!, false);
        ok = x === false || y === false ? false : x === true && y === true ? true : 'unknown';
      }
      const cpu = env.cpu;
      let code: number;
      if (cpu === true || ok === true) code = MT_THRU_HOST_BRIDGE;
      else if (cpu === false && ok === false) code = MT_NOT_SUPPORTED;
      else code = MT_UNCERTAIN;
      out[a * h + b] = code;
    }
  }
  return out;
}

export function fastMatrix(env: P2pEnv, devices: readonly PciFunction[]): PairMatrix {
  // v5.2 – v5.3 (root_complex_whitelist, distance 0x1000 + d): the per-pair walk answers.
  if (env.rules.semantics === 'root-complex') return referenceMatrix(env, devices);
  const n = devices.length;
  // Nodes: the devices and all their upstream bridges.
  const nodeIdx = new Map<PciFunction, number>();
  const nodes: PciFunction[] = [];
  const parent: number[] = [];
  const chains: number[][] = [];
  const add = (f: PciFunction): number => {
    const got = nodeIdx.get(f);
    if (got !== undefined) return got;
    const up = env.up(f);
    const p = up === null ? -1 : add(up);
    const i = nodes.length;
    nodes.push(f);
    parent.push(p);
    nodeIdx.set(f, i);
    chains.push(p < 0 ? [i] : [...chains[p]!, i]);
    return i;
  };
  const devNode = devices.map(add);
  const hbs = [...new Set(nodes.map((f) => f.hostBridge))].sort();
  const hbOf = new Map(hbs.map((h, i) => [h, i]));
  const m = nodes.length;
  const len = new Int32Array(m);
  const red = new Int32Array(m);
  const unk = new Int32Array(m);
  const own = new Int8Array(m); // 1 redirect, 2 unknown
  const nodeHb = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const r = env.redirect(nodes[i]!);
    own[i] = r === true ? 1 : r === 'unknown' ? 2 : 0;
    const p = parent[i]!;
    len[i] = (p < 0 ? 0 : len[p]!) + 1;
    red[i] = (p < 0 ? 0 : red[p]!) + (own[i] === 1 ? 1 : 0);
    unk[i] = (p < 0 ? 0 : unk[p]!) + (own[i] === 2 ? 1 : 0);
    nodeHb[i] = hbOf.get(nodes[i]!.hostBridge)!;
  }
  // Tree order: by host bridge, then lexicographically by root-down chain.
  const order = devices.map((_, i) => i);
  const cmp = (x: number, y: number): number => {
    const hx = nodeHb[devNode[x]!]!;
    const hy = nodeHb[devNode[y]!]!;
    if (hx !== hy) return hx - hy;
    const cx = chains[devNode[x]!]!;
    const cy = chains[devNode[y]!]!;
    for (let k = 0; k < Math.min(cx.length, cy.length); k++)
      if (cx[k] !== cy[k]) return cx[k]! - cy[k]!;
    return cx.length - cy.length || x - y;
  };
  order.sort(cmp);
  const pos = new Int32Array(n);
  order.forEach((d, p) => {
    pos[d] = p;
  });
  const lo = new Int32Array(m).fill(-1);
  const hi = new Int32Array(m).fill(-1);
  const hbLo = new Int32Array(hbs.length).fill(-1);
  const hbHi = new Int32Array(hbs.length).fill(-1);
  const lenAt = new Int32Array(n);
  const redAt = new Int32Array(n);
  const unkAt = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const node = devNode[order[p]!]!;
    lenAt[p] = len[node]!;
    redAt[p] = red[node]!;
    unkAt[p] = unk[node]!;
    for (const c of chains[node]!) {
      if (lo[c] === -1) lo[c] = p;
      hi[c] = p + 1;
    }
    const h = nodeHb[node]!;
    if (hbLo[h] === -1) hbLo[h] = p;
    hbHi[h] = p + 1;
  }
  const route = hostRouteTable(env, hbs);
  const H = hbs.length;
  const early = env.rules.semantics !== 'host-bridge';
  const mapTypes = new Int8Array(n * n);
  // A distance is at most the two chain lengths together.
  let maxLen = 0;
  for (let p = 0; p < n; p++) if (lenAt[p]! > maxLen) maxLen = lenAt[p]!;
  const Dist = 2 * maxLen <= 127 ? Int8Array : Int16Array;
  const distances = new Dist(n * n);
  const stats = { fastRows: 0, fastCells: 0, referenceCells: 0 };
  /**
   * Per provider host bridge and chain length: the row as if no client shared an upstream device
   * with the provider (route table code; distance dist_a + dist_b over full chains, or -1). A row
   * is a copy of it with the provider's subtree below its root-bus device written level by level.
   */
  const plain = new Map<number, { m: Int8Array; d: Int8Array | Int16Array }>();
  const plainRow = (hA: number, lenA: number) => {
    const at = hA * (maxLen + 1) + lenA;
    let got = plain.get(at);
    if (got === undefined) {
      const m = new Int8Array(n);
      const d = new Dist(n);
      for (let h = 0; h < H; h++) {
        const from = hbLo[h]!;
        const to = hbHi[h]!;
        if (from < 0) continue;
        const code = route[hA * H + h]!;
        m.fill(code, from, to);
        if (code === MT_NOT_SUPPORTED) d.fill(-1, from, to);
        else for (let b = from; b < to; b++) d[b] = lenA + lenAt[b]!;
      }
      got = { m, d };
      plain.set(at, got);
    }
    return got;
  };

  for (let p = 0; p < n; p++) {
    const aNode = devNode[order[p]!]!;
    const row = p * n;
    const hA = nodeHb[aNode]!;
    const lenA = len[aNode]!;
    // 1. Clients with no common upstream device: dist_a + dist_b over full chains, route table
    // (the cells below the provider's root-bus device are written again in 2).
    const chainUp = [...chains[aNode]!].reverse(); // c_0 = a … c_k = root-bus device
    const { m, d } = plainRow(hA, lenA);
    mapTypes.set(m, row);
    distances.set(d, row);
    // 2. Level by level up the provider's chain.
    const same = route[hA * H + hA]!;
    let redA = 0;
    let unkA = 0;
    let prevLo = -1;
    let prevHi = -1;
    for (let j = 0; j < chainUp.length; j++) {
      const c = chainUp[j]!;
      redA += own[c] === 1 ? 1 : 0;
      unkA += own[c] === 2 ? 1 : 0;
      const dBase = j - len[c]!;
      const rBase = redA - red[c]!;
      const uBase = unkA - unk[c]!;
      const redirected = early ? MT_NOT_SUPPORTED : same;
      const level = (from: number, to: number) => {
        for (let b = from; b < to; b++) {
          const r = rBase + redAt[b]!;
          const code = r > 0 ? redirected : uBase + unkAt[b]! > 0 ? MT_UNCERTAIN : MT_BUS_ADDR;
          mapTypes[row + b] = code;
          distances[row + b] = code === MT_NOT_SUPPORTED ? -1 : dBase + lenAt[b]!;
        }
      };
      if (prevLo < 0) level(lo[c]!, hi[c]!);
      else {
        level(lo[c]!, prevLo);
        level(prevHi, hi[c]!);
      }
      prevLo = lo[c]!;
      prevHi = hi[c]!;
    }
    stats.fastRows++;
    stats.fastCells += n;
  }
  return { devices, n, mapTypes, distances, pos, stats };
}

/** The same matrix from the per-pair reference walk (slow; for tests and the benchmark baseline). */
export function referenceMatrix(
  env: P2pEnv,
  devices: readonly PciFunction[],
  rows?: number,
): PairMatrix {
  const n = devices.length;
  const mapTypes = new Int8Array(n * n);
  const distances = new Int16Array(n * n);
  const pos = Int32Array.from(devices.keys());
  const stats = { fastRows: 0, fastCells: 0, referenceCells: 0 };
  const code = {
    NOT_SUPPORTED: MT_NOT_SUPPORTED,
    BUS_ADDR: MT_BUS_ADDR,
    THRU_HOST_BRIDGE: MT_THRU_HOST_BRIDGE,
  } as const;
  for (let i = 0; i < Math.min(n, rows ?? n); i++) {
    for (let j = 0; j < n; j++) {
      const br = explore((ask) => calc(env, devices[i]!, devices[j]!, false, ask));
      const types = new Set(br.map((b) => b.value.mapType));
      const t = br[0]!.value;
      const c = types.size > 1 ? MT_UNCERTAIN : code[t.mapType];
      mapTypes[i * n + j] = c;
      distances[i * n + j] =
        c === MT_UNCERTAIN ? Math.max(...br.map((b) => distanceOf(b.value))) : distanceOf(t);
      stats.referenceCells++;
    }
  }
  return { devices, n, mapTypes, distances, pos, stats };
}
