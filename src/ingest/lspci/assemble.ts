/**
 * Joins what the tree and the verbose blocks say into one Fabric. Parents come from the tree when
 * it lists the function, otherwise from the bridge whose secondary bus is the function's bus.
 */
import { PeerdmaError } from '../../errors/index.js';
import { FabricBuilder } from '../../pci/builder.js';
import { type Maybe, UNKNOWN } from '../../pci/types.js';
import { pushTo } from '../../util/multimap.js';
import type { LoadResult } from '../types.js';
import { fromTree, fromVerbose } from './function-init.js';
import type { Scanned } from './scan.js';
import {
  type Bridge,
  busKey,
  busOwners,
  checkParent,
  guessKinds,
  keyOf,
  parentFromBuses,
  virtfns,
} from './topology.js';
import type { TreeEntry } from './tree.js';
import type { VerboseFn } from './verbose.js';
import { Warnings } from './warnings.js';

export function assemble(s: Scanned): LoadResult {
  const w = new Warnings();
  const tree = mergeTrees(s);
  const fns = new Map<string, VerboseFn>();
  for (const f of s.verbose.fns) fns.set(keyOf(f.addr), f);
  const hasTree = tree.entries.size > 0;
  const hasVerbose = fns.size > 0;
  if (!hasTree && !hasVerbose) {
    throw new PeerdmaError('E_PARSE', 'no PCI functions in the lspci input', {
      ...(s.fileNames[0] !== undefined ? { file: s.fileNames[0] } : {}),
    });
  }
  w.add('lspci_no_platform', 'lspci output does not carry the CPU or kernel version: both unknown');
  if (!hasVerbose) {
    w.add(
      'lspci_tree_only',
      'only the lspci tree was given: port types, ACS and links are unknown (add `lspci -vvvnn` output)',
    );
  }
  if (hasTree && hasVerbose) crossCheck(tree.entries, fns, w);
  for (const sk of s.skipped)
    w.add('lspci_skipped_line', 'skipped a line that is not lspci output', sk);
  for (const u of s.unterminated) {
    w.add(
      'lspci_truncated',
      `the output ends inside the block of ${u.bdf} (lspci closes every function with a blank line): it looks cut off, so ${u.bdf} may lack facts and later functions may be missing`,
      { file: u.file, line: u.line },
    );
  }

  const owners = busOwners(s.verbose.fns, tree.entries);
  const byDomain = new Map<number, Bridge[]>();
  for (const br of owners.values()) pushTo(byDomain, br.domain, br);
  const physfn = virtfns(s.verbose.fns, fns);
  const parents = new Map<string, string | null>();
  const keys = new Set<string>([...tree.entries.keys(), ...fns.keys()]);
  for (const k of keys) {
    const t = tree.entries.get(k);
    const v = fns.get(k);
    const addr = (t?.addr ?? v?.addr)!;
    if (t) {
      const tp = t.parent ? keyOf(t.parent.addr) : null;
      if (v) checkParent(k, tp, t, owners, fns);
      parents.set(k, tp);
    } else parents.set(k, parentFromBuses(addr, owners, byDomain, physfn.has(k), w));
  }
  // VFs whose bus no bridge claims sit beside their PF.
  for (const [vf, pf] of physfn) {
    if (parents.get(vf) === null && !tree.entries.has(vf)) parents.set(vf, parents.get(pf) ?? null);
  }

  const b = new FabricBuilder().machine({
    source: 'lspci',
    name: null,
    iommu: { enabled: UNKNOWN },
  });
  const guessed = guessKinds(tree.entries, parents, fns);
  if (guessed.size > 0) {
    w.add('lspci_kind_guessed', `${guessed.size} bridge kinds guessed from the tree's shape`);
  }
  const facts = s.verbose.facts;
  if (facts.missingIds)
    w.add('lspci_no_ids', 'lspci ran without -nn: some vendor/device ids are unknown');
  const groups = new Set<number>();
  const rootNuma = new Map<string, Maybe<number>>();
  for (const k of [...keys].sort()) {
    const v = fns.get(k);
    const t = tree.entries.get(k);
    const parent = parents.get(k) ?? null;
    const init = v ? fromVerbose(v, facts, w) : fromTree(t!, guessed.get(k), w);
    b.fn({ ...init, parent, physfn: physfn.get(k) ?? null });
    if (v?.iommuGroup !== undefined) groups.add(v.iommuGroup);
    if (parent === null) {
      const a = (v?.addr ?? t?.addr)!;
      const hb = busKey(a.domain, a.bus);
      const numa = init.numaNode ?? UNKNOWN;
      const prev = rootNuma.get(hb);
      rootNuma.set(hb, prev === undefined || prev === numa ? numa : UNKNOWN);
    }
  }
  for (const r of tree.rootBuses) {
    const hb = busKey(r.domain, r.bus);
    if (!rootNuma.has(hb)) rootNuma.set(hb, UNKNOWN);
  }
  for (const [hb, numaNode] of rootNuma) {
    const [domain, rootBus] = hb.split(':').map(Number) as [number, number];
    b.hostBridge({ domain, rootBus, numaNode });
  }
  for (const id of [...groups].sort((x, y) => x - y)) b.iommuGroup({ id, type: UNKNOWN });
  return { fabric: b.build(), warnings: w.list() };
}

function mergeTrees(s: Scanned): {
  entries: Map<string, TreeEntry>;
  rootBuses: { domain: number; bus: number }[];
} {
  const entries = new Map<string, TreeEntry>();
  const rootBuses: { domain: number; bus: number }[] = [];
  for (const sec of s.trees) {
    rootBuses.push(...sec.rootBuses);
    for (const e of sec.entries) {
      const k = keyOf(e.addr);
      const prev = entries.get(k);
      if (!prev) {
        entries.set(k, e);
        continue;
      }
      const pa = prev.parent ? keyOf(prev.parent.addr) : null;
      const pb = e.parent ? keyOf(e.parent.addr) : null;
      if (pa !== pb) {
        throw new PeerdmaError(
          'E_TOPOLOGY',
          `two lspci trees disagree on ${k}'s parent: ${pa ?? 'root bus'} (line ${prev.line}) and ${pb ?? 'root bus'} (line ${e.line})`,
          { file: sec.file, line: e.line },
        );
      }
      if (prev.vendor === undefined && e.vendor !== undefined) {
        prev.vendor = e.vendor;
        if (e.device !== undefined) prev.device = e.device;
      }
      if (prev.description === undefined && e.description !== undefined) {
        prev.description = e.description;
      }
    }
  }
  return { entries, rootBuses };
}

function crossCheck(tree: Map<string, TreeEntry>, fns: Map<string, VerboseFn>, w: Warnings): void {
  const onlyTree = [...tree.keys()].filter((k) => !fns.has(k));
  const onlyVerbose = [...fns.keys()].filter((k) => !tree.has(k));
  const show = (ks: string[]) => ks.slice(0, 8).join(', ') + (ks.length > 8 ? ', …' : '');
  if (onlyTree.length > 0) {
    w.add(
      'lspci_tree_mismatch',
      `${onlyTree.length} functions in the lspci tree are not in the verbose output: ${show(onlyTree)}`,
    );
  }
  if (onlyVerbose.length > 0) {
    w.add(
      'lspci_tree_mismatch',
      `${onlyVerbose.length} functions in the verbose output are not in the lspci tree: ${show(onlyVerbose)}`,
    );
  }
}
