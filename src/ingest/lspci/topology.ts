/** Where each function hangs: bus owners from `Bus:` lines and tree ranges, VFs, guessed kinds. */
import { PeerdmaError } from '../../errors/index.js';
import { type BdfParts, formatBdf } from '../../pci/bdf.js';
import type { FunctionKind } from '../../pci/types.js';
import { hexDigits } from '../../util/hex.js';
import type { TreeEntry } from './tree.js';
import type { VerboseFn } from './verbose.js';
import type { Warnings } from './warnings.js';

export const keyOf = (a: BdfParts): string => formatBdf(a);
export const busKey = (domain: number, bus: number): string => `${domain}:${bus}`;

export interface Bridge {
  readonly key: string;
  readonly domain: number;
  readonly secondary: number;
  readonly subordinate: number;
  readonly where: string;
}

/** Bridges by (domain, secondary bus); verbose `Bus:` lines first, tree ranges for the rest. */
export function busOwners(
  vs: readonly VerboseFn[],
  tree: Map<string, TreeEntry>,
): Map<string, Bridge> {
  const owners = new Map<string, Bridge>();
  const claim = (br: Bridge, own: BdfParts, line: number, file: string) => {
    if (br.secondary <= own.bus || br.subordinate < br.secondary) return; // unconfigured bridge
    const k = busKey(br.domain, br.secondary);
    const prev = owners.get(k);
    if (prev && prev.key !== br.key) {
      throw new PeerdmaError(
        'E_TOPOLOGY',
        `bus ${hexDigits(br.secondary, 2)} is the secondary bus of both ${prev.key} (${prev.where}) and ${br.key} (${file}:${line})`,
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

export function parentFromBuses(
  a: BdfParts,
  owners: Map<string, Bridge>,
  byDomain: Map<number, Bridge[]>,
  isVf: boolean,
  w: Warnings,
): string | null {
  const own = owners.get(busKey(a.domain, a.bus));
  if (own) return own.key;
  if (isVf) return null; // a VF on a bus of its own: set beside its PF later
  let best: Bridge | null = null;
  for (const br of byDomain.get(a.domain) ?? []) {
    if (a.bus < br.secondary || a.bus > br.subordinate) continue;
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

export function checkParent(
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
export function virtfns(
  vs: readonly VerboseFn[],
  fns: Map<string, VerboseFn>,
): Map<string, string> {
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
export function guessKinds(
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
      return pt === 'switch-upstream' || pt === 'switch-downstream' || pt === 'root-port'
        ? pt
        : undefined;
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
    else if ((pk === 'root-port' || pk === 'switch-downstream') && hasBridgeChild.has(k))
      kind = 'switch-upstream';
    kinds.set(k, kind);
  }
  return kinds;
}
