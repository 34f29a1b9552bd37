/**
 * Joins what the tree and the verbose blocks say into one Fabric. Parents come from the tree when
 * it lists the function, otherwise from the bridge whose secondary bus is the function's bus.
 */
import { type LoadWarning, PeerdmaError } from '../../errors/index.js';
import { type BdfParts, formatBdf } from '../../pci/bdf.js';
import { FabricBuilder, type FunctionInit } from '../../pci/builder.js';
import type { AcsState, FunctionKind, Maybe, PcieInfo } from '../../pci/types.js';
import { UNKNOWN } from '../../pci/types.js';
import type { LoadResult } from '../types.js';
import type { Scanned } from './scan.js';
import type { TreeEntry } from './tree.js';
import type { VerboseFacts, VerboseFn } from './verbose.js';
import { Warnings } from './warnings.js';

const keyOf = (a: BdfParts): string => formatBdf(a);
const busKey = (domain: number, bus: number): string => `${domain}:${bus}`;

interface Bridge {
  readonly key: string;
  readonly domain: number;
  readonly secondary: number;
  readonly subordinate: number;
  readonly where: string;
}

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
  for (const sk of s.skipped) w.add('lspci_skipped_line', 'skipped a line that is not lspci output', sk);

  const owners = busOwners(s.verbose.fns, tree.entries);
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
    } else parents.set(k, parentFromBuses(addr, owners, physfn.has(k), w));
  }
  // VFs whose bus no bridge claims sit beside their PF.
  for (const [vf, pf] of physfn) {
    if (parents.get(vf) === null && !tree.entries.has(vf)) parents.set(vf, parents.get(pf) ?? null);
  }

  const b = new FabricBuilder().machine({ source: 'lspci', name: null, iommu: { enabled: UNKNOWN } });
  const guessed = guessKinds(tree.entries, parents, fns);
  if (guessed.size > 0) {
    w.add('lspci_kind_guessed', `${guessed.size} bridge kinds guessed from the tree's shape`);
  }
  const facts = s.verbose.facts;
  if (facts.missingIds) w.add('lspci_no_ids', 'lspci ran without -nn: some vendor/device ids are unknown');
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
    w.add('lspci_tree_mismatch', `${onlyTree.length} functions in the lspci tree are not in the verbose output: ${show(onlyTree)}`);
  }
  if (onlyVerbose.length > 0) {
    w.add('lspci_tree_mismatch', `${onlyVerbose.length} functions in the verbose output are not in the lspci tree: ${show(onlyVerbose)}`);
  }
}

/** Bridges by (domain, secondary bus); verbose `Bus:` lines first, tree ranges for the rest. */
function busOwners(vs: readonly VerboseFn[], tree: Map<string, TreeEntry>): Map<string, Bridge> {
  const owners = new Map<string, Bridge>();
  const claim = (br: Bridge, own: BdfParts, line: number, file: string) => {
    if (br.secondary <= own.bus || br.subordinate < br.secondary) return; // unconfigured bridge
    const k = busKey(br.domain, br.secondary);
    const prev = owners.get(k);
    if (prev && prev.key !== br.key) {
      throw new PeerdmaError(
        'E_TOPOLOGY',
        `bus ${br.secondary.toString(16).padStart(2, '0')} is the secondary bus of both ${prev.key} (${prev.where}) and ${br.key} (${file}:${line})`,
        { file, line },
      );
    }
    if (!prev) owners.set(k, br);
  };
  for (const f of vs) {
    if (!f.buses) continue;
    const key = keyOf(f.addr);
    const where = `${f.file}:${f.line}`;
    claim({ key, domain: f.addr.domain, ...f.buses, where }, f.addr, f.line, f.file);
  }
  for (const [key, e] of tree) {
    if (!e.buses) continue;
    const k = busKey(e.addr.domain, e.buses.secondary);
    if (owners.has(k)) continue;
    owners.set(k, { key, domain: e.addr.domain, ...e.buses, where: `tree line ${e.line}` });
  }
  return owners;
}

function parentFromBuses(
  a: BdfParts,
  owners: Map<string, Bridge>,
  isVf: boolean,
  w: Warnings,
): string | null {
  const own = owners.get(busKey(a.domain, a.bus));
  if (own) return own.key;
  if (isVf) return null; // a VF on a bus of its own: set beside its PF later
  let best: Bridge | null = null;
  for (const br of owners.values()) {
    if (br.domain !== a.domain || a.bus < br.secondary || a.bus > br.subordinate) continue;
    if (!best || br.subordinate - br.secondary < best.subordinate - best.secondary) best = br;
  }
  if (best) {
    w.add(
      'lspci_missing_bridge',
      `no bridge in the input has ${formatBdf(a)}'s bus as its secondary bus; placed below ${best.key}, whose range holds it`,
    );
    return best.key;
  }
  return null;
}

function checkParent(
  k: string,
  treeParent: string | null,
  t: TreeEntry,
  owners: Map<string, Bridge>,
  fns: Map<string, VerboseFn>,
): void {
  const a = t.addr;
  const own = owners.get(busKey(a.domain, a.bus));
  const fromVerbose = own && fns.get(own.key)?.buses ? own.key : undefined;
  let conflict = fromVerbose !== undefined && fromVerbose !== treeParent;
  if (!conflict && treeParent !== null && fromVerbose === undefined) {
    const pb = fns.get(treeParent)?.buses;
    if (pb && (a.bus < pb.secondary || a.bus > pb.subordinate)) conflict = true;
  }
  if (conflict) {
    throw new PeerdmaError(
      'E_TOPOLOGY',
      `${k}: the lspci tree puts it below ${treeParent ?? 'a host bridge'} but the verbose Bus: lines put it below ${fromVerbose ?? 'another bridge'}`,
      { file: t.file, line: t.line },
    );
  }
}

/** VF → PF from each PF's SR-IOV capability: routing id = PF's + offset + i × stride. */
function virtfns(vs: readonly VerboseFn[], fns: Map<string, VerboseFn>): Map<string, string> {
  const out = new Map<string, string>();
  for (const pf of vs) {
    const sr = pf.sriov;
    if (!sr || sr.enabled === false || !sr.numVfs || sr.offset === undefined) continue;
    const stride = sr.stride ?? 0;
    const rid = pf.addr.bus * 256 + pf.addr.device * 8 + pf.addr.fn;
    const pfKey = keyOf(pf.addr);
    for (let i = 0; i < Math.min(sr.numVfs, 0x10000); i++) {
      const r = rid + sr.offset + i * stride;
      if (r > 0xffff) break;
      const addr = { domain: pf.addr.domain, bus: r >> 8, device: (r >> 3) & 0x1f, fn: r & 7 };
      const k = keyOf(addr);
      if (fns.has(k) && k !== pfKey) out.set(k, pfKey);
      if (stride === 0) break;
    }
  }
  return out;
}

/** Tree-only bridges: root bus → root port; below it, a bridge with bridges below → switch. */
function guessKinds(
  tree: Map<string, TreeEntry>,
  parents: Map<string, string | null>,
  fns: Map<string, VerboseFn>,
): Map<string, FunctionKind> {
  const hasBridgeChild = new Set<string>();
  for (const [k, e] of tree) {
    const p = parents.get(k);
    if (e.buses && p) hasBridgeChild.add(p);
  }
  const kinds = new Map<string, FunctionKind>();
  const kindOf = (k: string | null): FunctionKind | undefined => {
    if (k === null) return undefined;
    const v = fns.get(k);
    if (v?.express && v.express !== 'other') {
      const pt = v.express;
      return pt === 'switch-upstream' || pt === 'switch-downstream' || pt === 'root-port' ? pt : undefined;
    }
    return kinds.get(k);
  };
  for (const [k, e] of tree) {
    if (!e.buses || fns.has(k)) continue;
    const p = parents.get(k) ?? null;
    const pk = kindOf(p);
    let kind: FunctionKind = 'pci-bridge';
    if (p === null) kind = 'root-port';
    else if (pk === 'switch-upstream') kind = 'switch-downstream';
    else if ((pk === 'root-port' || pk === 'switch-downstream') && hasBridgeChild.has(k)) kind = 'switch-upstream';
    kinds.set(k, kind);
  }
  return kinds;
}

function fromTree(t: TreeEntry, kind: FunctionKind | undefined, w: Warnings): FunctionInit {
  w.acsUnknown('the lspci tree carries no capabilities', keyOf(t.addr));
  return {
    bdf: keyOf(t.addr),
    ...(kind !== undefined ? { kind } : {}),
    vendor: t.vendor ?? UNKNOWN,
    device: t.device ?? UNKNOWN,
    ...(t.description !== undefined ? { description: t.description } : {}),
    ...(t.buses ? { buses: t.buses } : {}),
    pcie: UNKNOWN,
    acs: { state: 'unknown', reason: 'the lspci tree carries no capabilities' },
    source: { file: t.file, line: t.line },
  };
}

function pcieOf(f: VerboseFn): Maybe<PcieInfo> | null {
  if (f.accessDenied || f.express === 'other') return UNKNOWN;
  if (f.express !== null) {
    const noLink = f.express === 'rc-integrated-endpoint' || f.express === 'rc-event-collector';
    return {
      portType: f.express,
      linkCap: f.linkCap ?? (noLink ? null : UNKNOWN),
      linkStatus: f.linkSta ?? (noLink ? null : UNKNOWN),
    };
  }
  return f.noCapList || f.capsPrinted ? null : UNKNOWN;
}

function acsOf(f: VerboseFn, pcie: Maybe<PcieInfo> | null, facts: VerboseFacts): AcsState {
  if (pcie === null) return { state: 'absent' };
  if (f.accessDenied) {
    return { state: 'unknown', reason: 'lspci could not read the capabilities (run it as root)' };
  }
  if (pcie === UNKNOWN) {
    return { state: 'unknown', reason: 'no capabilities in the lspci output (use lspci -vvv as root)' };
  }
  if (f.acsListed) {
    if (f.acsCap !== undefined && f.acsCtl !== undefined) {
      return { state: 'present', cap: f.acsCap, ctrl: f.acsCtl };
    }
    return { state: 'unknown', reason: 'ACS listed without its ACSCap/ACSCtl lines (use lspci -vv)' };
  }
  // No ACS among the printed capabilities. Without any extended capability in the whole input,
  // lspci probably could not read extended config space (not root), so ACS may be hidden.
  if (f.extCaps || facts.extCaps) return { state: 'absent' };
  return {
    state: 'unknown',
    reason: 'no extended capabilities printed (lspci needs root to read them)',
  };
}

function fromVerbose(f: VerboseFn, facts: VerboseFacts, w: Warnings): FunctionInit {
  const h = f.header;
  const pcie = pcieOf(f);
  const acs = acsOf(f, pcie, facts);
  if (acs.state === 'unknown') w.acsUnknown(acs.reason, keyOf(f.addr));
  return {
    bdf: keyOf(f.addr),
    vendor: h.vendor,
    device: h.device,
    ...(f.subsystem ? { subsystemVendor: f.subsystem.vendor, subsystemDevice: f.subsystem.device } : {}),
    classCode: h.classCode,
    revision: h.revision,
    ...(h.description.length > 0 ? { description: h.description } : {}),
    bars: f.bars,
    windows: f.windows,
    buses: f.buses ?? null,
    pcie,
    acs,
    numaNode: f.numaNode ?? (facts.numa ? -1 : UNKNOWN),
    iommuGroup: f.iommuGroup ?? (facts.iommuGroups ? null : UNKNOWN),
    driver: f.driver ?? (facts.driverInfo ? null : UNKNOWN),
    source: { file: f.file, line: f.line },
  };
}
