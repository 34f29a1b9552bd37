/**
 * `pci_dev_str_match()` (drivers/pci/pci.c) over a Fabric: the path form
 * `[<domain>:]<bus>:<dev>.<fn>[/<dev>.<fn>]*` (ends at the next `;` only) and the id form
 * `pci:<vendor>:<device>[:<subvendor>:<subdevice>]` (0 matches anything). The path is matched from
 * its last element up through `pci_upstream_bridge()`, so a malformed head is only noticed for a
 * device whose tail matches — exactly as the kernel does.
 */
import { devfn } from '../pci/bdf.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type Maybe, type PciFunction } from '../pci/types.js';
import { ksscanf } from './ksscanf.js';

/** 1 match, 0 no match, -22 (-EINVAL) unparsable, 'unknown' when the device's ids are unknown. */
export type MatchResult = 1 | 0 | -22 | 'unknown';

const PCI_DEVFN = (slot: number, fn: number) => ((slot & 0x1f) << 3) | (fn & 0x07);

function matchPath(
  fabric: Fabric,
  dev0: PciFunction,
  s: string,
  pos: number,
): [MatchResult, number] {
  const semi = s.indexOf(';', pos);
  const end = semi < 0 ? s.length : semi;
  let wpath = s.slice(pos, end);
  let dev: PciFunction | null = dev0;
  for (;;) {
    const slash = wpath.lastIndexOf('/');
    if (slash < 0) break;
    const r = ksscanf(wpath.slice(slash), '/%x.%x%c');
    if (r.ret !== 2) return [-22, end];
    if (devfn(dev.addr) !== PCI_DEVFN(r.out[0] as number, r.out[1] as number)) return [0, end];
    dev = fabric.upstreamBridge(dev);
    if (dev === null) return [0, end];
    wpath = wpath.slice(0, slash);
  }
  let seg: number;
  let bus: number;
  let slot: number;
  let fn: number;
  const r4 = ksscanf(wpath, '%x:%x:%x.%x%c');
  if (r4.ret === 4) {
    [seg, bus, slot, fn] = r4.out as [number, number, number, number];
  } else {
    const r3 = ksscanf(wpath, '%x:%x.%x%c');
    if (r3.ret !== 3) return [-22, end];
    seg = 0;
    [bus, slot, fn] = r3.out as [number, number, number];
  }
  const ok =
    seg === dev.addr.domain && bus === dev.addr.bus && devfn(dev.addr) === PCI_DEVFN(slot, fn);
  return [ok ? 1 : 0, end];
}

function idMatches(want: number, have: Maybe<number> | null): boolean | 'unknown' {
  if (want === 0) return true;
  if (have === null || !isKnown(have)) return 'unknown';
  return want === have;
}

/** `pci_dev_str_match(dev, s + pos, &end)`: [result, end position]. */
export function devStrMatch(
  fabric: Fabric,
  dev: PciFunction,
  s: string,
  pos: number,
): [MatchResult, number] {
  if (!s.startsWith('pci:', pos)) return matchPath(fabric, dev, s, pos);
  const rest = s.slice(pos + 4);
  let ids: number[];
  let count: number;
  const r4 = ksscanf(rest, '%hx:%hx:%hx:%hx%n');
  if (r4.ret === 4) {
    ids = r4.out.slice(0, 4) as number[];
    count = r4.out[4] as number;
  } else {
    const r2 = ksscanf(rest, '%hx:%hx%n');
    if (r2.ret !== 2) return [-22, pos];
    ids = [r2.out[0] as number, r2.out[1] as number, 0, 0];
    count = r2.out[2] as number;
  }
  const end = pos + 4 + count;
  const checks = [
    idMatches(ids[0]!, dev.vendor),
    idMatches(ids[1]!, dev.device),
    idMatches(ids[2]!, dev.subsystemVendor),
    idMatches(ids[3]!, dev.subsystemDevice),
  ];
  if (checks.includes(false)) return [0, end];
  if (checks.includes('unknown')) return ['unknown', end];
  return [1, end];
}
