/**
 * `matrix`: P2P verdicts for every pair of endpoints. Map type and distance come from the fast
 * matrix; the per-pair walk runs only where there is something to say (pairs that are not
 * BUS_ADDR, and BUS_ADDR pairs whose path the what-if command line touched). Also the P2P summary
 * of `report`: counts by map type and the notable findings, read off the compact matrix.
 */

import { PeerdmaError } from '../errors/index.js';
import { P2pEnv } from '../p2pdma/env.js';
import { chooseRules, type RulesChoice } from '../p2pdma/kernel-release.js';
import { localityClass } from '../p2pdma/locality.js';
import {
  cellDistance,
  cellMapType,
  type DeviceSelection,
  fastMatrix,
  type MatrixRows,
  MT_BUS_ADDR,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
  matrixDevices,
  type PairMatrix,
} from '../p2pdma/matrix.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { Issue, IssueCode, LocalityClass, MissingFact } from '../p2pdma/types.js';
import { type AcsBridge, acsIssue, pairAnswer } from '../p2pdma/verdict.js';
import { PAIR_NAMED_CODES, VerdictKeys } from '../p2pdma/verdict-key.js';
import type { Bdf } from '../pci/bdf.js';
import type { DeviceCategory } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { stringifyJson } from '../util/json.js';
import type { P2pRequest } from './check.js';
import { type AppContext, loadMachine } from './context.js';
import { type Finding, issueFinding } from './findings.js';
import { LOCALITY_CODES, MATRIX_CLASSES } from './options.js';

export interface MatrixView {
  readonly env: P2pEnv;
  readonly matrix: PairMatrix;
  /** Which rule set answered and why (`--rules`, the machine's kernel, the newest by default). */
  readonly choice: RulesChoice;
  /** Every ordered pair in detail, row by row (computed as iterated). */
  pairs(): Iterable<PairDetail>;
  /** nvidia-smi's locality class of the pair (devices i, j). */
  locality(i: number, j: number): LocalityClass | 'unknown';
}

export function buildMatrix(
  fabric: Fabric,
  ruleSet: string | undefined,
  cmdline: string | undefined,
  sel: DeviceSelection,
): MatrixView {
  const choice = chooseRules(fabric.machine, ruleSet);
  const env = new P2pEnv(fabric, choice.rules, cmdline);
  const matrix = fastMatrix(env, matrixDevices(fabric, sel));
  // Common upstream devices from cached chains (`matrix --show class` asks for every pair).
  const keys = new VerdictKeys(env);
  const view: MatrixView = {
    env,
    matrix,
    choice,
    pairs: () => matrixPairs(view),
    locality: (i, j) => {
      const a = matrix.devices[i]!;
      const b = matrix.devices[j]!;
      return localityClass(fabric, a, b, keys.common(a, b));
    },
  };
  return view;
}

export interface MatrixRequest extends P2pRequest {
  /** Every function that is not a bridge. */
  readonly all?: boolean | undefined;
  /** Comma list of device classes. */
  readonly classes?: string | undefined;
}

/** Check the options, load the machine, compute the matrix. */
export async function matrix(req: MatrixRequest, ctx: AppContext): Promise<MatrixView> {
  const classes = req.classes
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  const bad = classes?.find((c) => !(MATRIX_CLASSES as readonly string[]).includes(c));
  if (bad !== undefined) {
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --class '${bad}' (one of ${MATRIX_CLASSES.join(', ')})`,
    );
  }
  if (req.rules !== undefined) getRuleSet(req.rules); // a typed error before loading anything
  const { fabric } = await loadMachine(ctx, req);
  return buildMatrix(fabric, req.rules, req.kernelCmdline, {
    ...(req.all ? { all: true } : {}),
    ...(classes ? { classes: classes as DeviceCategory[] } : {}),
  });
}

/** One ordered pair in detail. */
export interface PairDetail {
  readonly provider: string;
  readonly client: string;
  readonly mapType: string;
  readonly distance: number | null;
  readonly class: LocalityClass | 'unknown';
  readonly path: readonly string[];
  readonly acsBridges: readonly string[];
  readonly issues: readonly Issue[];
  /** Only for undecided pairs. */
  readonly possible?: readonly string[];
  readonly missing?: MissingFact;
  /** True when the per-pair walk ran (otherwise the fast matrix said all there is). */
  readonly walked: boolean;
}

/** Every ordered pair, both directions, row by row. */
export function* matrixPairs(view: MatrixView): Generator<PairDetail> {
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  const changed = env.changedByCmdline;
  for (let i = 0; i < devs.length; i++) {
    const a = devs[i]!;
    for (let j = 0; j < devs.length; j++) {
      const b = devs[j]!;
      const t = cellMapType(matrix, i, j);
      const path = fabric.path(a, b);
      const klass = view.locality(i, j);
      if (t === MT_BUS_ADDR && !path.some((x) => changed.has(x))) {
        yield {
          provider: a.bdf,
          client: b.bdf,
          mapType: 'BUS_ADDR',
          distance: cellDistance(matrix, i, j),
          class: klass,
          path,
          acsBridges: [],
          issues: [],
          walked: false,
        };
        continue;
      }
      const v = pairAnswer(env, a, b, path, { log: false });
      yield {
        provider: a.bdf,
        client: b.bdf,
        mapType: v.mapType,
        distance: v.distance,
        class: klass,
        path,
        acsBridges: v.acsBridges,
        issues: v.issues,
        ...(v.mapType === 'uncertain' ? { possible: v.possible, missing: v.missing } : {}),
        walked: true,
      };
    }
  }
}

/** A finding of the P2P summary and how prominent it is: 0 refusal or fixable cause, 1 on a
 * THRU_HOST_BRIDGE pair, 2 informational. */
export interface NotableFinding {
  readonly finding: Finding;
  readonly rank: 0 | 1 | 2;
}

export interface P2pSummary {
  readonly view: MatrixView;
  /** Ordered pairs of distinct devices by map type, indexed by the MT_* codes of src/p2pdma/matrix.ts. */
  readonly counts: readonly number[];
  /** Distinct findings other than the three folded below, in order of first appearance. */
  readonly notable: readonly NotableFinding[];
  /** Pairs with no common upstream bridge below the host bridge. */
  readonly crossPairs: number;
  /** Host bridges whose allowlist entry opened the route: entry name and device ids. */
  readonly allowlisted: ReadonlyMap<
    string,
    { entry: string | null; ids: readonly number[] | null }
  >;
  /** Ports whose ACS redirect sends pairs up, and how many pairs. */
  readonly acsPorts: readonly string[];
  readonly acsPairs: number;
  /** Per-pair walks run (decided pairs with one verdict key share one). */
  readonly walks: number;
}

export const INFO_CODES: ReadonlySet<IssueCode> = new Set([
  'no_common_upstream',
  'cpu_allows_host_bridge',
  'host_bridge_allowlisted',
  'cmdline',
]);

/** A finding's identity as text: JSON, bigints as `123n` (stringifyJson: the replacer only when
 * there is a BigInt). */
const keyReplacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const jsonKey = (x: unknown): string => stringifyJson(x, keyReplacer);

/** An undecided pair: the outcomes the missing fact chooses between. */
export interface UndecidedPair {
  readonly i: number;
  readonly j: number;
  readonly distance: number | null;
  readonly possible: readonly string[];
  readonly missing: MissingFact;
}

/**
 * Every pair of a matrix in a compact form (`matrix --json`, schemaVersion 2). Devices that share
 * their upstream bridge form a group, unless a finding could name them (then they are alone);
 * a pair's findings depend only on the two groups (the differential test in app.test.ts holds
 * every pair against the full verdict), so each pair of groups needs one answer and each distinct
 * finding is listed once. Decided group pairs with one verdict key (p2pdma/verdict-key.ts: the
 * common upstream device, the ACS-redirect devices the walk asks about, the host bridges, the
 * command-line changes on the route) share one per-pair walk: on the 4,112-endpoint bench machine
 * 256 walks answer 274,672 group pairs. Keys below a common device whose ACS list is not empty
 * (every device on it surely redirecting) need no walk of their own: the ACS finding is built from
 * the list (`acsIssue`) and the rest is the first such walk's below the same host bridge
 * (`fromAcs`; on the synthetic 4,096-endpoint snapshot 132 walks instead of 16,505).
 */
export interface CompactMatrix {
  readonly n: number;
  /** MT_* codes and distances, row by row in the device order (the fast matrix's row recipe: no
   * n×n table). */
  readonly cells: MatrixRows;
  /** Group of each device, and how many groups (G). */
  readonly group: Int32Array;
  readonly groups: number;
  /**
   * Per pair of groups (g, h), row by row: the LOCALITY_CODES index of two distinct devices in
   * them (a device with itself is X: `cellLocality` reads a pair of devices), and their findings
   * as an index into `findingLists`, -1 for none (`groupFindingRows` spells them out as the JSON
   * does).
   */
  readonly groupRows: GroupRows;
  /** Distinct findings (PAIR_SUBJECT codes with an empty subject: the pair is the subject). */
  readonly findings: readonly Finding[];
  /** The lists of finding indexes `groupRows` points to (group pairs with one walk share one). */
  readonly findingLists: readonly (readonly number[])[];
  /** [device, finding index…] for a device paired with itself, where there are findings. */
  readonly selfFindings: readonly (readonly number[])[];
  readonly undecided: readonly UndecidedPair[];
  /** Pairs answered beyond the fast matrix: self pairs, group pairs with something to say, and
   * every pair of an undecided group pair. */
  readonly walked: number;
  /** Per-pair walks actually run: decided pairs with one verdict key (verdict-key.ts) share one. */
  readonly computed: number;
  /** Verdict keys answered without a walk: their ACS finding built from their ACS list and the
   * rest taken from the walk of a pair below a common device of the same host bridge. */
  readonly fromAcs: number;
}

/**
 * The G×G tables of group pairs (locality class, finding list) stored as runs: row g is a list of
 * runs of neighbouring groups h with one class and one list. A row across host bridges is a few
 * runs (one walk answers a whole run of groups that share no upstream device), so 2,048 groups take
 * kilobytes instead of 12 MiB of fresh memory; a row whose cells all differ takes 9 bytes a cell.
 * `row` spells a row out into the caller's buffers.
 */
export class GroupRows {
  readonly groups: number;
  /** Where the runs of row g start in the pools: #rowAt[g]…#rowAt[g + 1]. */
  readonly #rowAt: Int32Array;
  #rows = 0;
  /** Per run: the group after its last, its class, its list. */
  #ends: Int32Array;
  #cls: Int8Array;
  #lists: Int32Array;
  #runs = 0;

  constructor(groups: number) {
    this.groups = groups;
    this.#rowAt = new Int32Array(groups + 1);
    const room = Math.max(16, 4 * groups);
    this.#ends = new Int32Array(room);
    this.#cls = new Int8Array(room);
    this.#lists = new Int32Array(room);
  }

  /** The row being built: its cells from where it stopped up to `end` (exclusive) have class
   * `cls` and list `list` (one run with the cells before when they have the same). */
  extend(end: number, cls: number, list: number): void {
    const r = this.#runs;
    if (r > this.#rowAt[this.#rows]! && this.#cls[r - 1] === cls && this.#lists[r - 1] === list) {
      this.#ends[r - 1] = end;
      return;
    }
    if (r === this.#ends.length) this.#grow();
    this.#ends[r] = end;
    this.#cls[r] = cls;
    this.#lists[r] = list;
    this.#runs = r + 1;
  }

  /** The row being built is complete (every group up to G). */
  endRow(): void {
    const r = this.#runs;
    if (this.groups > 0 && (r === this.#rowAt[this.#rows] || this.#ends[r - 1] !== this.groups))
      throw new Error(`GroupRows: row ${this.#rows} stops short of ${this.groups} groups`);
    this.#rows++;
    this.#rowAt[this.#rows] = r;
  }

  #grow(): void {
    const room = 2 * this.#ends.length;
    const ends = new Int32Array(room);
    const cls = new Int8Array(room);
    const lists = new Int32Array(room);
    ends.set(this.#ends);
    cls.set(this.#cls);
    lists.set(this.#lists);
    this.#ends = ends;
    this.#cls = cls;
    this.#lists = lists;
  }

  /** Row g into `cls` (unless null: the caller reads the lists only) and `lists` (G cells each). */
  row(g: number, cls: Int8Array | null, lists: Int16Array | Int32Array): void {
    let h = 0;
    for (let r = this.#rowAt[g]!, e = this.#rowAt[g + 1]!; r < e; r++) {
      const end = this.#ends[r]!;
      cls?.fill(this.#cls[r]!, h, end);
      lists.fill(this.#lists[r]!, h, end);
      h = end;
    }
  }

  /** The run of row g that holds group h. */
  #run(g: number, h: number): number {
    let lo = this.#rowAt[g]!;
    let hi = this.#rowAt[g + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ends[mid]! <= h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The class of group pair (g, h). */
  cls(g: number, h: number): number {
    return this.#cls[this.#run(g, h)]!;
  }

  /** The finding list of group pair (g, h), -1 for none. */
  list(g: number, h: number): number {
    return this.#lists[this.#run(g, h)]!;
  }
}

/** Codes whose subject is the pair itself: listed with an empty subject in the compact matrix. */
export const PAIR_SUBJECT: ReadonlySet<string> = PAIR_NAMED_CODES;

export interface CompactOptions {
  /** false: walk every group pair on its own (the reference for tests and the benchmark baseline). */
  readonly shareWalks?: boolean;
}

/** Whether `mapType[first[h]]` is t for every h in [from, to) (a small function of its own: the
 * loop runs G² times in all, and stays fast outside compactMatrix's closures). */
function sameMapType(
  mapType: Int8Array,
  first: Int32Array,
  from: number,
  to: number,
  t: number,
): boolean {
  for (let h = from; h < to; h++) if (mapType[first[h]!] !== t) return false;
  return true;
}

/** A finding of a pair without the pair's own names (PAIR_SUBJECT codes: an empty subject). */
function own(x: Issue): Finding {
  const f = issueFinding(x);
  // These name the pair itself, which the reference to the finding already says.
  return PAIR_SUBJECT.has(f.code) ? { ...f, subject: [] } : f;
}

/**
 * Distinct findings in order of first appearance. A finding's identity is its JSON (`jsonKey` of
 * code, subject, evidence, hint); it is spelled only when another finding has the same hash of
 * code and subject (most are new: a walk or an ACS list gives a subject of its own).
 */
export class FindingTable {
  readonly list: Finding[] = [];
  /** Hash of code and subject (a coarser identity) → indexes of the findings with it. */
  readonly #byHash = new Map<number, number[]>();
  /** A number per code and subject string, for the hash. */
  readonly #words = new Map<string, number>();
  /** jsonKey of each finding, once needed. */
  readonly #keys: (string | undefined)[] = [];

  #identity(k: number): string {
    let key = this.#keys[k];
    if (key === undefined) {
      const f = this.list[k]!;
      key = jsonKey([f.code, f.subject, f.evidence, f.hint]);
      this.#keys[k] = key;
    }
    return key;
  }

  #word(s: string): number {
    let w = this.#words.get(s);
    if (w === undefined) {
      w = this.#words.size + 1;
      this.#words.set(s, w);
    }
    return w;
  }

  /** Equal findings have equal codes and subjects, so equal hashes (30 bits: a small integer
   * to the map, never a boxed number). */
  #hash(f: Finding): number {
    let h = this.#word(f.code);
    for (const s of f.subject) h = (Math.imul(h, 0x9e3779b1) + this.#word(s)) | 0;
    return (Math.imul(h, 31) + f.subject.length) & 0x3fffffff;
  }

  /** The index of a finding equal to f, if there is one. */
  find(f: Finding): number | undefined {
    return this.#find(f, this.#byHash.get(this.#hash(f)));
  }

  /** The index of f in the table (added when new). */
  add(f: Finding): number {
    const hash = this.#hash(f);
    let same = this.#byHash.get(hash);
    const got = this.#find(f, same);
    if (got !== undefined) return got;
    if (same === undefined) {
      same = [];
      this.#byHash.set(hash, same);
    }
    const k = this.list.length;
    this.list.push(f);
    same.push(k);
    return k;
  }

  #find(f: Finding, same: readonly number[] | undefined): number | undefined {
    if (same === undefined) return undefined;
    const key = jsonKey([f.code, f.subject, f.evidence, f.hint]);
    return same.find((k) => this.#identity(k) === key);
  }
}

export function compactMatrix(view: MatrixView, opts: CompactOptions = {}): CompactMatrix {
  const share = opts.shareWalks ?? true;
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  const n = devs.length;
  const changed = env.changedByCmdline;
  // Groups: same upstream bridge (or root bus), same own ACS state, command line untouched.
  const groupOf = new Map<string, number>();
  const group = new Int32Array(n);
  const members: number[][] = [];
  devs.forEach((d, i) => {
    const up = env.up(d);
    // A device that can be named by a finding in its own right stays alone: the command line
    // touched it, its own ACS redirect is on or unknown, or it is its host bridge's device.
    const alone =
      changed.has(d.bdf) ||
      env.redirect(d) !== false ||
      fabric.hostBridgeDevice(d.hostBridge) === d ||
      fabric.hostBridgeDeviceUnsure(d.hostBridge) === d;
    const key = alone ? `self:${d.bdf}` : up === null ? `root:${d.hostBridge}` : up.bdf;
    let g = groupOf.get(key);
    if (g === undefined) {
      g = members.length;
      groupOf.set(key, g);
      members.push([]);
    }
    group[i] = g;
    members[g]!.push(i);
  });
  // The map types of one provider's row (the first device of the group being answered).
  const mapType = new Int8Array(n);
  const findings = new FindingTable();
  const findingLists: (readonly number[])[] = [];
  /** The index of a list of findings in `findingLists` (-1: no findings). */
  const listOf = (fs: readonly number[]): number => {
    if (fs.length === 0) return -1;
    findingLists.push(fs);
    return findingLists.length - 1;
  };
  const selfFindings: number[][] = [];
  const undecided: UndecidedPair[] = [];
  let walked = 0;
  const classCode = new Map(LOCALITY_CODES.map((c, k) => [c, k]));

  const keys = new VerdictKeys(env);
  /** Findings by verdict key (verdict-key.ts): pairs with one key share one walk. */
  const byKey = new Map<string, number>();
  let computed = 0;
  /** The index of an issue in the findings table (added when new). */
  const indexOf = (x: Issue): number => findings.add(own(x));
  /** Walk one pair; its findings as indexes into the table. */
  const walk = (i: number, j: number): number[] => {
    const a = devs[i]!;
    const b = devs[j]!;
    walked++;
    computed++;
    const v = pairAnswer(env, a, b, fabric.path(a, b), { log: false });
    if (v.mapType === 'uncertain')
      undecided.push({ i, j, distance: v.distance, possible: v.possible, missing: v.missing });
    return v.issues.map(indexOf);
  };
  /**
   * Decided pairs with a common device whose ACS lists are not empty and hold only devices with
   * ACS redirect surely on (no command line): after the ACS list the walk reads only the host
   * bridge rule (the CPU, the allowlist entry of the provider's host bridge, which is both
   * devices'), so its findings are the ACS finding of the pair's own list (acsIssue), then the
   * rest of the first such pair's walk below the same host bridge. Per provider's host bridge:
   * those rest findings, or null when the first walk did not start with the ACS finding built
   * here (then every key is walked).
   */
  const afterAcs = new Map<string, number[] | null>();
  /** The evidence entries of the ACS findings built here, by BDF (acsIssue). */
  const acsBridges = new Map<Bdf, AcsBridge>();
  let fromAcs = 0;
  /** The findings of a decided pair (a `listOf` index), from the walk of the first pair with its
   * verdict key, or built from its ACS list (afterAcs). */
  const shared = (i: number, j: number): number => {
    const a = devs[i]!;
    const b = devs[j]!;
    const k = keys.key(a, b);
    const got = byKey.get(k);
    if (got !== undefined) {
      walked++;
      return got;
    }
    const route = changed.size === 0 ? keys.acsRoute(a, b) : null;
    const common = route !== null && route.length > 0 ? keys.common(a, b) : null;
    const rest = common === null ? undefined : afterAcs.get(a.hostBridge);
    let id: number;
    if (common !== null && rest !== undefined && rest !== null) {
      walked++;
      fromAcs++;
      const acs = indexOf(acsIssue(env, route!, common.bdf, acsBridges));
      id = listOf([acs].concat(rest));
    } else {
      const fs = walk(i, j);
      if (common !== null && rest === undefined) {
        const first = findings.find(own(acsIssue(env, route!, common.bdf, acsBridges)));
        afterAcs.set(a.hostBridge, first !== undefined && first === fs[0] ? fs.slice(1) : null);
      }
      id = listOf(fs);
    }
    byKey.set(k, id);
    return id;
  };
  /** Pair (i, j) of map type t is BUS_ADDR and the command line changed nothing on its path. */
  const plain = (t: number, i: number, j: number) =>
    t === MT_BUS_ADDR && !keys.touchesChanged(devs[i]!, devs[j]!);

  // The diagonal: each device with itself.
  for (let i = 0; i < n; i++) {
    if (plain(matrix.mapTypeAt(i, i), i, i)) continue;
    const fs = walk(i, i);
    if (fs.length > 0) selfFindings.push([i, ...fs]);
  }
  // Distinct devices: one representative pair per pair of groups.
  const G = members.length;
  // Group pairs as runs, row g by row g; pairOfGroups sets cell (g, h) in these two first.
  const groupRows = new GroupRows(G);
  let pairCls = 0;
  let pairList = -1;
  // Groups under two different host bridges, or below two devices on the root bus, share no
  // upstream device: without a command line, their locality class and verdict key are the two
  // host bridges' (verdict-key.ts).
  const hbNames = [...new Set(devs.map((d) => d.hostBridge))];
  const hbIdx = new Map(hbNames.map((hb, k) => [hb, k]));
  const H = hbNames.length;
  const groupHb = Int32Array.from(members, (ms) => hbIdx.get(devs[ms[0]!]!.hostBridge)!);
  const crossClass = new Int8Array(H * H).fill(-1);
  /** The locality class of devices a and b, under host bridges hg and hb, sharing no upstream
   * device (one per pair of host bridges). */
  const classApart = (hg: number, hb: number, a: number, b: number): number => {
    const hh = hg * H + hb;
    let cls = crossClass[hh]!;
    if (cls < 0) {
      cls = classCode.get(localityClass(fabric, devs[a]!, devs[b]!, null))!;
      crossClass[hh] = cls;
    }
    return cls;
  };
  const byHostBridges = share && changed.size === 0;
  const first = Int32Array.from(members, (ms) => ms[0]!);
  // The device on the root bus above each group: two groups below different ones share no
  // upstream device either (same host bridge: the pair goes through it, class PHB).
  const tops = new Map<PciFunction, number>();
  const groupTop = Int32Array.from(first, (a) => {
    const chain = keys.chain(devs[a]!);
    const top = chain[chain.length - 1]!;
    let t = tops.get(top);
    if (t === undefined) {
      t = tops.size;
      tops.set(top, t);
    }
    return t;
  });
  // Runs of neighbouring groups with one host bridge and one device on the root bus above them.
  const runs = [0];
  for (let h = 1; h < G; h++)
    if (groupHb[h] !== groupHb[h - 1] || groupTop[h] !== groupTop[h - 1]) runs.push(h);
  runs.push(G);
  const R = runs.length - 1;
  for (let g = 0; g < G; g++) {
    const a = first[g]!;
    const hg = groupHb[g]!;
    matrix.row(a, mapType, null);
    const top = groupTop[g]!;
    /** Whether run r shares no upstream device with g (without a command line). */
    const apart = (r: number) =>
      byHostBridges && (groupHb[runs[r]!] !== hg || groupTop[runs[r]!] !== top);
    for (let r = 0; r < R; ) {
      const h0 = runs[r]!;
      const hb = groupHb[h0]!;
      let r1 = r + 1;
      if (apart(r)) {
        // Neighbouring runs under one host bridge sharing no upstream device with g, of one map
        // type: one class and one list (what pairOfGroups gives each of them), set at once.
        while (r1 < R && groupHb[runs[r1]!] === hb && apart(r1)) r1++;
        const h1 = runs[r1]!;
        const t = mapType[first[h0]!]!;
        if (t !== MT_UNCERTAIN && sameMapType(mapType, first, h0, h1, t)) {
          const cls = classApart(hg, hb, a, first[h0]!);
          let id = -1;
          if (t !== MT_BUS_ADDR) {
            // Without a command line, every such pair's verdict key is the host bridges' (one
            // walk, shared() gives the others from byKey): the rest of the run count as walked.
            id = shared(a, first[h0]!);
            walked += h1 - h0 - 1;
          }
          groupRows.extend(h1, cls, id);
          r = r1;
          continue;
        }
      }
      for (let h = h0; h < runs[r1]!; h++) {
        pairCls = 0;
        pairList = -1;
        pairOfGroups(g, h);
        groupRows.extend(h + 1, pairCls, pairList);
      }
      r = r1;
    }
    groupRows.endRow();
  }
  /** Group pair (g, h): its class and findings from the first device of each group into
   * `pairCls` / `pairList` (`mapType` holds the row of g's). */
  function pairOfGroups(g: number, h: number): void {
    const a = first[g]!;
    const hg = groupHb[g]!;
    const top = groupTop[g]!;
    const hb = groupHb[h]!;
    if (byHostBridges && (hb !== hg || groupTop[h] !== top)) {
      // No common upstream device (so g ≠ h): the first device of each group.
      const b = first[h]!;
      const t = mapType[b]!;
      if (t !== MT_UNCERTAIN) {
        pairCls = classApart(hg, hb, a, b);
        if (t === MT_BUS_ADDR) return;
        pairList = shared(a, b);
        return;
      }
    }
    const gs = members[g]!;
    const hs = members[h]!;
    const b = g === h ? hs[1] : hs[0]!;
    if (b === undefined) return; // a group of one has no pair with itself
    const t = mapType[b]!;
    const undecidedPair = t === MT_UNCERTAIN;
    const da = devs[a]!;
    const db = devs[b]!;
    pairCls = classCode.get(localityClass(fabric, da, db, keys.common(da, db)))!;
    if (!plain(t, a, b)) {
      // An undecided pair is listed with its own missing fact: always walked.
      pairList = undecidedPair || !share ? listOf(walk(a, b)) : shared(a, b);
    }
    // Undecided pairs name their own devices: walk each of them for its missing fact.
    if (undecidedPair) {
      for (const i of gs) for (const j of hs) if (i !== j && (i !== a || j !== b)) walk(i, j);
    }
  }
  undecided.sort((x, y) => x.i - y.i || x.j - y.j);
  return {
    n,
    cells: matrix,
    group,
    groups: members.length,
    groupRows,
    findings: findings.list,
    findingLists,
    selfFindings,
    undecided,
    walked,
    computed,
    fromAcs,
  };
}

/**
 * The P2P summary of `report` from a compact matrix, with no walk of its own: every pair of
 * distinct devices takes its findings from its pair of groups (the list `compactMatrix` gives it,
 * the pair's own names put back into `early_no_common_switch`), in row order as the reference
 * walk (`p2pSummary`, app/testing) meets them, so the summary is the same data (`walks`: the compact matrix's walks). One pass over
 * the n² pairs reading typed rows; a finding list is spelled out again only while it can still
 * add something (a first sighting, or a lower rank) or when it names the pair.
 */
export function summaryOfCompact(view: MatrixView, c: CompactMatrix): P2pSummary {
  const { n, group, groups: G, findings, findingLists } = c;
  const devs = view.matrix.devices;
  const notable: NotableFinding[] = [];
  const acsPorts = new Set<string>();
  const allowlisted = new Map<string, { entry: string | null; ids: readonly number[] | null }>();
  const counts = [0, 0, 0, 0];
  let crossPairs = 0;
  let acsPairs = 0;
  /** What a finding adds: its own entry in `notable` (index), or a fold (the codes below). */
  const noteAt = new Int32Array(findings.length).fill(-1);
  const L = findingLists.length;
  /** Per list: pairs it adds to the cross / ACS counts, whether it names the pair, and how far
   * its findings are settled (0 unseen, 1 seen on THRU_HOST_BRIDGE pairs only, 2 every rank least). */
  const crossOf = new Int32Array(L);
  const acsOf = new Int32Array(L);
  const named = new Uint8Array(L);
  const state = new Uint8Array(L);
  findingLists.forEach((list, id) => {
    for (const k of list) {
      const code = findings[k]!.code;
      if (code === 'no_common_upstream') crossOf[id]!++;
      else if (code === 'acs_redirect') acsOf[id]!++;
      else if (code === 'early_no_common_switch') named[id] = 1;
    }
  });
  /** Finding k met on a pair of map type t (a, b: the pair, for the finding that names it). */
  const take = (k: number, t: number, a: number, b: number): void => {
    const f = findings[k]!;
    switch (f.code) {
      case 'no_common_upstream':
        return;
      case 'acs_redirect':
        for (const p of f.subject) acsPorts.add(p);
        return;
      case 'host_bridge_allowlisted': {
        const e = f.evidence as { hostBridge: string; entry?: string; ids: number[] | null };
        allowlisted.set(e.hostBridge, { entry: e.entry ?? null, ids: e.ids });
        return;
      }
    }
    const rank = INFO_CODES.has(f.code as IssueCode) ? 2 : t === MT_THRU_HOST_BRIDGE ? 1 : 0;
    if (PAIR_SUBJECT.has(f.code)) {
      // A finding of its own for every pair (its subject is the pair).
      notable.push({ finding: { ...f, subject: [devs[a]!.bdf, devs[b]!.bdf] }, rank });
      return;
    }
    const at = noteAt[k]!;
    if (at < 0) {
      noteAt[k] = notable.length;
      notable.push({ finding: f, rank });
    } else if (rank < notable[at]!.rank) notable[at] = { finding: f, rank };
  };
  const mt = new Int8Array(n);
  const lists = new Int32Array(G);
  let rowGroup = -1;
  for (let i = 0; i < n; i++) {
    c.cells.row(i, mt, null);
    const g = group[i]!;
    if (g !== rowGroup) {
      c.groupRows.row(g, null, lists); // the finding lists only
      rowGroup = g;
    }
    for (let j = 0; j < n; j++) {
      if (j === i) continue; // a device with itself is not a pair
      const t = mt[j]!;
      counts[t]!++;
      if (t === MT_BUS_ADDR) continue;
      const id = lists[group[j]!]!;
      if (id < 0) continue;
      crossPairs += crossOf[id]!;
      acsPairs += acsOf[id]!;
      const s = state[id]!;
      if (named[id] === 0 && (s === 2 || (s === 1 && t === MT_THRU_HOST_BRIDGE))) continue;
      for (const k of findingLists[id]!) take(k, t, i, j);
      state[id] = t === MT_THRU_HOST_BRIDGE ? Math.max(s, 1) : 2;
    }
  }
  return {
    view,
    counts,
    notable,
    crossPairs,
    allowlisted,
    acsPorts: [...acsPorts].sort(),
    acsPairs,
    walks: c.computed,
  };
}
