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

/** Rows of an n×n matrix of map types and distances, one row at a time into the caller's buffers. */
export interface MatrixRows {
  readonly n: number;
  /** Distances take two bytes per cell (Int16Array), else one (Int8Array). */
  readonly wideDistances: boolean;
  /** Row i (caller's order: provider i, every client j) into `mt` and `d` (n cells each; `d`
   * null: map types only). */
  row(i: number, mt: Int8Array, d: Int8Array | Int16Array | null): void;
  /**
   * Where rows i and p may differ: true with `span[0]`…`span[1]` (every cell outside is equal in
   * both), false when the source cannot tell (anywhere).
   */
  differBetween?(i: number, p: number, span: Int32Array): boolean;
}

/** A buffer for `rows` distance rows of m (of its width). */
export function distanceRows(m: MatrixRows, rows = 1): Int8Array | Int16Array {
  return m.wideDistances ? new Int16Array(rows * m.n) : new Int8Array(rows * m.n);
}

export interface PairMatrix extends MatrixRows {
  /** Devices in the caller's order; cell (i, j) = provider devices[i], client devices[j]. */
  readonly devices: readonly PciFunction[];
  /**
   * Row-major by `pos` (tree order), read through `cellMapType()` / `cellDistance()`. The fast
   * matrix fills the whole table on first read (16 MiB on 4,096 devices, fresh memory): the bulk
   * paths (`matrix --json`) read `row()` / `mapTypeAt()` instead.
   */
  readonly mapTypes: Int8Array;
  /**
   * -1 refused; for MT_UNCERTAIN the distance the walk would report if accepted. One byte per
   * cell when every distance fits (no chain longer than 63), else two.
   */
  readonly distances: Int8Array | Int16Array;
  /** devices index → tree-order position. */
  readonly pos: Int32Array;
  readonly stats: { fastRows: number; fastCells: number; referenceCells: number };
  /**
   * True when cell (i, j) always equals cell (j, i) (map type and distance), so that a column is
   * its row: the fast matrix's cells depend on the pair's common upstream device, the ACS counts
   * along the whole path between the two and the route between their two host bridges, all
   * symmetric in provider and client. Absent: unknown (read both directions).
   */
  readonly symmetric?: boolean;
  /** The map type and the distance of one cell (caller's order) without the tables. */
  mapTypeAt(i: number, j: number): number;
  distanceAt(i: number, j: number): number;
}

export function cellMapType(m: PairMatrix, i: number, j: number): number {
  return m.mapTypes[m.pos[i]! * m.n + m.pos[j]!]!;
}
export function cellDistance(m: PairMatrix, i: number, j: number): number {
  return m.distances[m.pos[i]! * m.n + m.pos[j]!]!;
}

/** Rows read from whole n×n tables (row-major). */
export class TableRows implements MatrixRows {
  readonly n: number;
  readonly wideDistances: boolean;
  readonly #mt: Int8Array;
  readonly #d: Int8Array | Int16Array;

  constructor(n: number, mt: Int8Array, d: Int8Array | Int16Array) {
    this.n = n;
    this.wideDistances = d instanceof Int16Array;
    this.#mt = mt;
    this.#d = d;
  }

  row(i: number, mt: Int8Array, d: Int8Array | Int16Array | null): void {
    const n = this.n;
    mt.set(this.#mt.subarray(i * n, i * n + n));
    d?.set(this.#d.subarray(i * n, i * n + n));
  }
}

/** The map type of a pair below a common upstream device, from the devices on its path with ACS
 * redirect on (`red`) or unknown (`unk`): `redirected` (where redirected TLPs go), uncertain, or
 * BUS_ADDR. */
function cellCode(red: number, unk: number, redirected: number): number {
  return red > 0 ? redirected : unk > 0 ? MT_UNCERTAIN : MT_BUS_ADDR;
}

/** A pair's distance: its `hops`, or -1 when its map type is NOT_SUPPORTED. */
function cellDistanceOf(code: number, hops: number): number {
  return code === MT_NOT_SUPPORTED ? -1 : hops;
}

function isIdentity(pos: Int32Array): boolean {
  for (let i = 0; i < pos.length; i++) if (pos[i] !== i) return false;
  return true;
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
  return new FastMatrix(env, devices);
}

/**
 * The fast matrix as a row recipe: a provider's row (tree order) is the plain row of its host
 * bridge and chain length (every client as if it shared no upstream device with the provider)
 * with the provider's subtree written again level by level up its chain. Rows are filled on
 * demand into the caller's buffers (`row`), single cells answered from the same facts
 * (`mapTypeAt`); the n×n tables exist only once `mapTypes` / `distances` is read.
 */
class FastMatrix implements PairMatrix {
  readonly devices: readonly PciFunction[];
  readonly n: number;
  readonly pos: Int32Array;
  readonly stats: { fastRows: number; fastCells: number; referenceCells: number };
  readonly wideDistances: boolean;
  /** See PairMatrix.symmetric (checked on random fabrics by src/perf/matrix.test.ts). */
  readonly symmetric = true;
  /** Per node (devices and their upstream bridges): root-down chain of node indexes, chain
   * length, ACS-redirect (own 1) and unknown (own 2) counts along it, its subtree's positions. */
  readonly #chains: number[][];
  readonly #len: Int32Array;
  readonly #red: Int32Array;
  readonly #unk: Int32Array;
  readonly #own: Int8Array;
  readonly #lo: Int32Array;
  readonly #hi: Int32Array;
  /** Per tree position: the device's node, host bridge, chain length, redirect/unknown counts. */
  readonly #nodeAt: Int32Array;
  readonly #hbAt: Int32Array;
  readonly #lenAt: Int32Array;
  readonly #redAt: Int32Array;
  readonly #unkAt: Int32Array;
  /** Route code per (provider host bridge, client host bridge); H host bridges. */
  readonly #route: Int8Array;
  readonly #H: number;
  readonly #maxLen: number;
  /** Map type of a redirected pair below a common device (early semantics: refused). */
  readonly #early: boolean;
  readonly #inOrder: boolean;
  /** Plain rows by provider host bridge and chain length (`#plainRow`). */
  readonly #plain = new Map<number, { m: Int8Array; d: Int8Array | Int16Array }>();
  /** A tree-order row for `row` when the caller's order differs. */
  #scratch: { m: Int8Array; d: Int8Array | Int16Array } | null = null;
  #mapTypes: Int8Array | null = null;
  #distances: Int8Array | Int16Array | null = null;

  constructor(env: P2pEnv, devices: readonly PciFunction[]) {
    this.devices = devices;
    const n = devices.length;
    this.n = n;
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
    const nodeAt = new Int32Array(n);
    const hbAt = new Int32Array(n);
    const lenAt = new Int32Array(n);
    const redAt = new Int32Array(n);
    const unkAt = new Int32Array(n);
    let maxLen = 0;
    for (let p = 0; p < n; p++) {
      const node = devNode[order[p]!]!;
      nodeAt[p] = node;
      hbAt[p] = nodeHb[node]!;
      lenAt[p] = len[node]!;
      redAt[p] = red[node]!;
      unkAt[p] = unk[node]!;
      if (len[node]! > maxLen) maxLen = len[node]!;
      for (const c of chains[node]!) {
        if (lo[c] === -1) lo[c] = p;
        hi[c] = p + 1;
      }
    }
    this.pos = pos;
    this.#chains = chains;
    this.#len = len;
    this.#red = red;
    this.#unk = unk;
    this.#own = own;
    this.#lo = lo;
    this.#hi = hi;
    this.#nodeAt = nodeAt;
    this.#hbAt = hbAt;
    this.#lenAt = lenAt;
    this.#redAt = redAt;
    this.#unkAt = unkAt;
    this.#route = hostRouteTable(env, hbs);
    this.#H = hbs.length;
    this.#maxLen = maxLen;
    this.#early = env.rules.semantics !== 'host-bridge';
    this.#inOrder = isIdentity(pos);
    // A distance is at most the two chain lengths together.
    this.wideDistances = 2 * maxLen > 127;
    // Every row comes from the recipe (none from the per-pair walk).
    this.stats = { fastRows: n, fastCells: n * n, referenceCells: 0 };
  }

  /**
   * The row of a provider with host bridge hA and chain length lenA as if no client shared an
   * upstream device with it: route table code; distance dist_a + dist_b over full chains, or -1.
   */
  #plainRow(hA: number, lenA: number): { m: Int8Array; d: Int8Array | Int16Array } {
    const at = hA * (this.#maxLen + 1) + lenA;
    let got = this.#plain.get(at);
    if (got === undefined) {
      const n = this.n;
      const m = new Int8Array(n);
      const d = distanceRows(this);
      const hbAt = this.#hbAt;
      const lenAt = this.#lenAt;
      const route = this.#route;
      const H = this.#H;
      for (let b = 0; b < n; ) {
        const h = hbAt[b]!;
        let to = b + 1;
        while (to < n && hbAt[to] === h) to++;
        const code = route[hA * H + h]!;
        m.fill(code, b, to);
        if (code === MT_NOT_SUPPORTED) d.fill(-1, b, to);
        else for (let x = b; x < to; x++) d[x] = lenA + lenAt[x]!;
        b = to;
      }
      got = { m, d };
      this.#plain.set(at, got);
    }
    return got;
  }

  /** Map type of a pair below a common device under host bridge hA with ACS redirect on its path:
   * where redirected TLPs go (the host bridge's own route; early semantics: refused). */
  #redirected(hA: number): number {
    return this.#early ? MT_NOT_SUPPORTED : this.#route[hA * this.#H + hA]!;
  }

  /** Tree-order row p into mt and d: the plain row, then the provider's subtree level by level. */
  #treeRow(p: number, mt: Int8Array, d: Int8Array | Int16Array | null): void {
    const aNode = this.#nodeAt[p]!;
    const len = this.#len;
    const own = this.#own;
    const lo = this.#lo;
    const hi = this.#hi;
    const lenAt = this.#lenAt;
    const redAt = this.#redAt;
    const unkAt = this.#unkAt;
    const hA = this.#hbAt[p]!;
    const plain = this.#plainRow(hA, len[aNode]!);
    mt.set(plain.m);
    d?.set(plain.d);
    const redirected = this.#redirected(hA);
    const chain = this.#chains[aNode]!; // root-bus device … a
    let redA = 0;
    let unkA = 0;
    let prevLo = -1;
    let prevHi = -1;
    // c_j = chain[k - j]: c_0 = a … c_k = the root-bus device.
    for (let j = 0, x = chain.length - 1; x >= 0; j++, x--) {
      const c = chain[x]!;
      redA += own[c] === 1 ? 1 : 0;
      unkA += own[c] === 2 ? 1 : 0;
      const dBase = j - len[c]!;
      const rBase = redA - this.#red[c]!;
      const uBase = unkA - this.#unk[c]!;
      const cLo = lo[c]!;
      const cHi = hi[c]!;
      // The clients whose common device with a is c: c's subtree without the level below it
      // (a's own device first: its whole subtree), as two ranges.
      for (let pass = 0; pass < 2; pass++) {
        const below = prevLo >= 0;
        const from = pass === 0 ? cLo : below ? prevHi : cHi;
        const to = pass === 0 && below ? prevLo : cHi;
        if (d === null)
          for (let b = from; b < to; b++)
            mt[b] = cellCode(rBase + redAt[b]!, uBase + unkAt[b]!, redirected);
        else
          for (let b = from; b < to; b++) {
            const code = cellCode(rBase + redAt[b]!, uBase + unkAt[b]!, redirected);
            mt[b] = code;
            d[b] = cellDistanceOf(code, dBase + lenAt[b]!);
          }
      }
      prevLo = cLo;
      prevHi = cHi;
    }
  }

  /** Tree-order cell (p, q): its distance (`distance`) or its map type. */
  #treeCell(p: number, q: number, distance: boolean): number {
    const aNode = this.#nodeAt[p]!;
    const chain = this.#chains[aNode]!;
    const own = this.#own;
    let redA = 0;
    let unkA = 0;
    for (let j = 0, x = chain.length - 1; x >= 0; j++, x--) {
      const c = chain[x]!;
      redA += own[c] === 1 ? 1 : 0;
      unkA += own[c] === 2 ? 1 : 0;
      if (q < this.#lo[c]! || q >= this.#hi[c]!) continue;
      // c is the first device up a's chain above q: their common upstream device.
      const code = cellCode(
        redA - this.#red[c]! + this.#redAt[q]!,
        unkA - this.#unk[c]! + this.#unkAt[q]!,
        this.#redirected(this.#hbAt[p]!),
      );
      return distance ? cellDistanceOf(code, j - this.#len[c]! + this.#lenAt[q]!) : code;
    }
    const code = this.#route[this.#hbAt[p]! * this.#H + this.#hbAt[q]!]!;
    return distance ? cellDistanceOf(code, this.#len[aNode]! + this.#lenAt[q]!) : code;
  }

  mapTypeAt(i: number, j: number): number {
    return this.#treeCell(this.pos[i]!, this.pos[j]!, false);
  }

  /** Providers with one host bridge and chain length have one plain row: their rows differ only
   * below their devices on the root bus (tree order; the caller's order when it is that). */
  differBetween(i: number, p: number, span: Int32Array): boolean {
    if (!this.#inOrder) return false;
    const a = this.#nodeAt[i]!;
    const b = this.#nodeAt[p]!;
    if (this.#hbAt[i] !== this.#hbAt[p] || this.#len[a] !== this.#len[b]) return false;
    const ta = this.#chains[a]![0]!;
    const tb = this.#chains[b]![0]!;
    span[0] = Math.min(this.#lo[ta]!, this.#lo[tb]!);
    span[1] = Math.max(this.#hi[ta]!, this.#hi[tb]!);
    return true;
  }

  distanceAt(i: number, j: number): number {
    return this.#treeCell(this.pos[i]!, this.pos[j]!, true);
  }

  row(i: number, mt: Int8Array, d: Int8Array | Int16Array | null): void {
    if (this.#inOrder) {
      this.#treeRow(i, mt, d);
      return;
    }
    if (this.#scratch === null) this.#scratch = { m: new Int8Array(this.n), d: distanceRows(this) };
    const s = this.#scratch;
    this.#treeRow(this.pos[i]!, s.m, d === null ? null : s.d);
    const pos = this.pos;
    for (let j = 0; j < this.n; j++) mt[j] = s.m[pos[j]!]!;
    if (d !== null) for (let j = 0; j < this.n; j++) d[j] = s.d[pos[j]!]!;
  }

  get mapTypes(): Int8Array {
    if (this.#mapTypes === null) this.#fill();
    return this.#mapTypes!;
  }

  get distances(): Int8Array | Int16Array {
    if (this.#distances === null) this.#fill();
    return this.#distances!;
  }

  /** Fills the whole n×n tables (tree order), row by row (on first read of either). */
  #fill(): void {
    const n = this.n;
    const mapTypes = new Int8Array(n * n);
    const distances = distanceRows(this, n);
    for (let p = 0; p < n; p++)
      this.#treeRow(p, mapTypes.subarray(p * n, p * n + n), distances.subarray(p * n, p * n + n));
    this.#mapTypes = mapTypes;
    this.#distances = distances;
  }
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
  const table = new TableRows(n, mapTypes, distances);
  return {
    devices,
    n,
    mapTypes,
    distances,
    pos,
    stats,
    wideDistances: true,
    row: (i, mt, d) => table.row(i, mt, d),
    mapTypeAt: (i, j) => mapTypes[i * n + j]!,
    distanceAt: (i, j) => distances[i * n + j]!,
  };
}
