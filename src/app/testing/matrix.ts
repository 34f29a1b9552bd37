/**
 * Test-only: a random machine's matrix, with or without a what-if command line; and the
 * references the compact matrix and the report's summary are checked against.
 */
import {
  cellMapType,
  MT_BUS_ADDR,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
} from '../../p2pdma/matrix.js';
import { randomFabric } from '../../p2pdma/testing/gen.js';
import type { Issue } from '../../p2pdma/types.js';
import { pairAnswer } from '../../p2pdma/verdict.js';
import { PAIR_NAMED_CODES, VerdictKeys } from '../../p2pdma/verdict-key.js';
import type { Fabric } from '../../pci/fabric.js';
import { issueFinding } from '../findings.js';
import {
  buildMatrix,
  type CompactMatrix,
  type CompactOptions,
  FindingTable,
  GroupRows,
  INFO_CODES,
  type MatrixView,
  type P2pSummary,
} from '../matrix.js';
import { LOCALITY_CODES } from '../options.js';

export interface RandomMatrix {
  readonly fabric: Fabric;
  readonly cmdline: string | undefined;
  readonly view: MatrixView;
}

/**
 * Every non-bridge function of `randomFabric(seed)` under `rules`; `withCmdline` disables ACS
 * redirect on the first two bridges with `pci=disable_acs_redir=`.
 */
export function randomMatrix(
  seed: number,
  rules: string,
  unknowns: boolean,
  withCmdline: boolean,
): RandomMatrix {
  const fabric = randomFabric(seed, { unknowns });
  const bridges = fabric.functions.filter((x) => fabric.isBridge(x)).map((x) => x.bdf);
  const cmdline = withCmdline
    ? `pci=disable_acs_redir=${bridges.slice(0, 2).join(';')}`
    : undefined;
  return { fabric, cmdline, view: buildMatrix(fabric, rules, cmdline, { all: true }) };
}

/** Group rows from whole G×G tables of classes and finding lists, row-major. */
export function groupRowsFromTables(
  groups: number,
  cls: Int8Array,
  lists: Int16Array | Int32Array,
): GroupRows {
  const t = new GroupRows(groups);
  for (let g = 0; g < groups; g++) {
    for (let h = 0; h < groups; h++) t.extend(h + 1, cls[g * groups + h]!, lists[g * groups + h]!);
    t.endRow();
  }
  return t;
}

/**
 * Counts by map type and the findings of every pair that is not plainly BUS_ADDR, from walks of
 * its own (`report` reads the same summary off its compact matrix instead, `summaryOfCompact`;
 * this is that function's reference in summary.test.ts and the bench's baseline).
 * Decided pairs with one verdict key (p2pdma/verdict-key.ts) have the same findings apart from the
 * pair's own names: the first such pair is walked and the others only counted (`shareWalks: false`
 * walks every pair: the reference of the differential test in app.test.ts).
 */
export function p2pSummary(view: MatrixView, opts: CompactOptions = {}): P2pSummary {
  const share = opts.shareWalks ?? true;
  const { matrix, env } = view;
  /** Distinct findings in order of first appearance, and the least rank of each. */
  const notable = new FindingTable();
  const ranks: (0 | 1 | 2)[] = [];
  const acsPorts = new Set<string>();
  const allowlisted = new Map<string, { entry: string | null; ids: readonly number[] | null }>();
  let acsPairs = 0;
  let crossPairs = 0;
  const counts = [0, 0, 0, 0];
  /** One issue of a pair with map type t; what it adds to the pair counts (cross, ACS). */
  const take = (x: Issue, t: number): void => {
    if (x.code === 'no_common_upstream') {
      crossPairs++;
      return;
    }
    if (x.code === 'host_bridge_allowlisted') {
      const e = x.evidence as { hostBridge: string; entry?: string; ids: number[] | null };
      allowlisted.set(e.hostBridge, { entry: e.entry ?? null, ids: e.ids });
      return;
    }
    if (x.code === 'acs_redirect') {
      acsPairs++;
      for (const p of x.path) acsPorts.add(p);
      return;
    }
    const rank = INFO_CODES.has(x.code) ? 2 : t === MT_THRU_HOST_BRIDGE ? 1 : 0;
    const k = notable.add(issueFinding(x));
    if (k === ranks.length) ranks.push(rank);
    else if (rank < ranks[k]!) ranks[k] = rank;
  };
  const keys = new VerdictKeys(env);
  /** Per verdict key: the pair counts its findings add, and the finding that names the pair. */
  const byKey = new Map<string, { cross: number; acs: number; named: Issue | null }>();
  let walks = 0;
  for (let i = 0; i < matrix.n; i++) {
    for (let j = 0; j < matrix.n; j++) {
      if (i === j) continue; // a device with itself is not a pair
      const t = cellMapType(matrix, i, j);
      counts[t]!++;
      if (t === MT_BUS_ADDR) continue;
      const a = matrix.devices[i]!;
      const b = matrix.devices[j]!;
      // An undecided pair may name its own devices (its missing fact): always walked.
      const k = share && t !== MT_UNCERTAIN ? keys.key(a, b) : null;
      const got = k === null ? undefined : byKey.get(k);
      if (got !== undefined) {
        // Everything but the counts and the pair's own finding is in the tables already.
        crossPairs += got.cross;
        acsPairs += got.acs;
        if (got.named !== null) take({ ...got.named, path: [a.bdf, b.bdf] }, t);
        continue;
      }
      const v = pairAnswer(env, a, b, env.fabric.path(a, b), { log: false });
      walks++;
      const cross = crossPairs;
      const acs = acsPairs;
      for (const x of v.issues) take(x, t);
      if (k !== null) {
        const named = v.issues.find(
          (x) => PAIR_NAMED_CODES.has(x.code) && x.code !== 'no_common_upstream',
        );
        byKey.set(k, { cross: crossPairs - cross, acs: acsPairs - acs, named: named ?? null });
      }
    }
  }
  return {
    view,
    counts,
    notable: notable.list.map((finding, k) => ({ finding, rank: ranks[k]! })),
    crossPairs,
    allowlisted,
    acsPorts: [...acsPorts].sort(),
    acsPairs,
    walks,
  };
}

/** LOCALITY_CODES index of devices (i, j) of a compact matrix. */
export function cellLocality(c: CompactMatrix, i: number, j: number): number {
  return i === j ? LOCALITY_X : c.groupRows.cls(c.group[i]!, c.group[j]!);
}
const LOCALITY_X = LOCALITY_CODES.indexOf('X');

/** `[providerGroup, clientGroup, finding index…]` for each group pair with findings, in order. */
export function* groupFindingRows(c: CompactMatrix): Generator<number[]> {
  const G = c.groups;
  const lists = new Int32Array(G);
  for (let g = 0; g < G; g++) {
    c.groupRows.row(g, null, lists);
    for (let h = 0; h < G; h++) {
      const id = lists[h]!;
      if (id >= 0) yield [g, h, ...c.findingLists[id]!];
    }
  }
}
