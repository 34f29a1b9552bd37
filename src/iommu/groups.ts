import type { Fabric } from '../pci/fabric.js';
import { ACS, isKnown, type PciFunction } from '../pci/types.js';

/**
 * IOMMU groups. When the fabric lists every endpoint's group (sysfs iommu_group links) those are
 * used as they are. Otherwise groups are derived the way `pci_device_group()` does it
 * (drivers/iommu/iommu.c), without DMA aliases and quirks:
 *
 * 1. Walk up from the device: for each bus above it, stop at the first bridge whose whole path to
 *    the root has ACS isolation (`pci_acs_path_enabled(bridge, NULL, REQ_ACS_FLAGS)`); otherwise
 *    that bridge becomes the device the group is keyed on (the topmost bridge lacking isolation).
 * 2. Multifunction devices: functions of the same slot that both lack ACS isolation share a group
 *    (`get_pci_function_alias_group`).
 * 3. Anything else gets its own group.
 *
 * This is the long-standing (pre-2025) algorithm: an endpoint below a switch downstream port
 * without ACS joins that port's group, but sibling downstream ports stay apart when the path above
 * them is isolated. Jason Gunthorpe's 2025 rework (PCI_ACS_ISOLATED, "non-isolated" groups that
 * take in whole switches) is not modelled.
 *
 * REQ_ACS_FLAGS = SV | RR | CR | UF. `pci_acs_enabled`: conventional PCI → not isolated; a
 * PCIe-to-PCI bridge → not isolated; root and downstream ports → their ACS control must have the
 * flags (those the capability supports); a multifunction non-VF → same check; anything else
 * (single-function endpoints, upstream ports) → isolated. Unknown ACS state counts as not isolated
 * (conservative, larger groups).
 */
export const REQ_ACS_FLAGS = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

export interface GroupInfo {
  readonly id: number;
  /** Sorted BDFs of the functions in the group. */
  readonly members: readonly string[];
  /** True when derived from ACS here; false when read from the fabric. */
  readonly derived: boolean;
}

function acsFlagsEnabled(f: PciFunction, flags: number): boolean {
  if (f.acs.state !== 'present') return false;
  const need = flags & (f.acs.cap | ACS.EC);
  return (f.acs.ctrl & need) === need;
}

function isMultifunction(fabric: Fabric, f: PciFunction): boolean {
  return fabric.siblings(f).some((g) => g.physfn === null) || f.addr.fn !== 0;
}

export function acsEnabled(fabric: Fabric, f: PciFunction, flags = REQ_ACS_FLAGS): boolean {
  if (f.pcie === null) return false;
  if (!isKnown(f.pcie)) return f.acs.state === 'present' && acsFlagsEnabled(f, flags);
  switch (f.pcie.portType) {
    case 'pcie-to-pci-bridge':
    case 'pci-to-pcie-bridge':
      return false;
    case 'root-port':
    case 'switch-downstream':
      return acsFlagsEnabled(f, flags);
    default:
      break;
  }
  if (f.physfn === null && isMultifunction(fabric, f)) return acsFlagsEnabled(f, flags);
  return true;
}

/** `pci_acs_path_enabled(start, NULL, flags)`: start and every bridge above it are isolated. */
export function acsPathEnabled(fabric: Fabric, start: PciFunction, flags = REQ_ACS_FLAGS): boolean {
  for (let f: PciFunction | null = start; f !== null; f = fabric.upstreamBridge(f)) {
    if (!acsEnabled(fabric, f, flags)) return false;
  }
  return true;
}

/** The function a device's group is keyed on (step 1 and 2 above). */
function groupKey(fabric: Fabric, f: PciFunction): PciFunction {
  let dev = f.physfn !== null ? fabric.require(f.physfn) : f;
  for (let up = fabric.upstreamBridge(dev); up !== null; up = fabric.upstreamBridge(up)) {
    if (acsPathEnabled(fabric, up)) break;
    dev = up;
  }
  if (!acsEnabled(fabric, dev)) {
    const peers = [dev, ...fabric.siblings(dev)].filter((g) => !acsEnabled(fabric, g));
    peers.sort((a, b) => a.addr.fn - b.addr.fn);
    return peers[0] ?? dev;
  }
  return dev;
}

/**
 * Groups of every non-host-bridge function: from the fabric when each has a known group, else
 * derived from ACS. Returns bdf → group.
 */
export function iommuGroups(fabric: Fabric): Map<string, GroupInfo> {
  const fns = fabric.functions.filter((f) => f.kind !== 'host-bridge');
  const fromFabric = fns.every((f) => f.iommuGroup !== null && isKnown(f.iommuGroup));
  const byKey = new Map<string, string[]>();
  const ids = new Map<string, number>();
  for (const f of fns) {
    const key = fromFabric ? `g${f.iommuGroup as number}` : groupKey(fabric, f).bdf;
    const list = byKey.get(key) ?? [];
    list.push(f.bdf);
    byKey.set(key, list);
    if (!ids.has(key)) ids.set(key, fromFabric ? (f.iommuGroup as number) : ids.size);
  }
  const out = new Map<string, GroupInfo>();
  for (const [key, members] of byKey) {
    const g: GroupInfo = { id: ids.get(key)!, members: members.sort(), derived: !fromFabric };
    for (const m of members) out.set(m, g);
  }
  return out;
}
