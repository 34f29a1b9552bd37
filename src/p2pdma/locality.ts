/**
 * Locality classes in `nvidia-smi topo -m` vocabulary, from the topology alone (ACS does not change
 * where the wires are). nvidia-smi's legend, and how each class is decided here:
 *   X    "Self": provider and client are the same function.
 *   PIX  "traversing at most a single PCIe bridge": a common upstream device exists and the path
 *        crosses at most one bridge unit — a PCIe switch (its upstream port and downstream ports) is
 *        one unit, a root port is one unit. Two devices on one switch, two functions of one device.
 *   PXB  "traversing multiple PCIe bridges (without traversing the PCIe Host Bridge)": a common
 *        upstream device exists and the path crosses two or more units (e.g. two switches below one
 *        root port, or a switch cascade).
 *   PHB  "traversing PCIe as well as a PCIe Host Bridge (typically the CPU)": no common upstream
 *        device, same host bridge (e.g. two root ports of one root complex).
 *   NODE "traversing PCIe as well as the interconnect between PCIe Host Bridges within a NUMA node":
 *        different host bridges on the same NUMA node (e.g. two IIO stacks of one Xeon socket).
 *   SYS  "traversing PCIe as well as the SMP interconnect between NUMA nodes (e.g., QPI/UPI)":
 *        different host bridges on different NUMA nodes.
 *   NV#  (bonded NVLinks) is not modelled: peerdma sees PCIe only.
 * A host bridge whose NUMA node the input does not record makes a cross-host-bridge pair 'unknown'.
 */
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import type { LocalityClass } from './types.js';

export const LOCALITY_LEGEND: ReadonlyArray<[LocalityClass, string]> = [
  ['X', 'self'],
  [
    'PIX',
    'traverses at most a single PCIe bridge (a switch counts as one; two functions of one device)',
  ],
  ['PXB', 'traverses multiple PCIe bridges, without the PCIe host bridge'],
  ['PHB', 'traverses PCIe and a PCIe host bridge (typically the CPU)'],
  ['NODE', 'traverses PCIe and the interconnect between host bridges within a NUMA node'],
  ['SYS', 'traverses PCIe and the SMP interconnect between NUMA nodes (e.g. QPI/UPI)'],
];

/** Number of "switch units" between f and its ancestor c (a USP and its DSPs count as one). */
function switchHops(fabric: Fabric, f: PciFunction, c: PciFunction): number {
  let n = 0;
  for (let x = fabric.upstreamBridge(f); x !== null && x !== c; x = fabric.upstreamBridge(x)) {
    if (x.kind !== 'switch-downstream') n++;
  }
  return n;
}

export function localityClass(
  fabric: Fabric,
  a: PciFunction,
  b: PciFunction,
  /** `fabric.commonUpstream(a, b)` when the caller already has it. */
  common: PciFunction | null = fabric.commonUpstream(a, b),
): LocalityClass | 'unknown' {
  if (a === b) return 'X';
  if (common !== null) {
    const units = switchHops(fabric, a, common) + switchHops(fabric, b, common) + 1;
    return units <= 1 ? 'PIX' : 'PXB';
  }
  if (a.hostBridge === b.hostBridge) return 'PHB';
  const na = fabric.hostBridge(a.hostBridge).numaNode;
  const nb = fabric.hostBridge(b.hostBridge).numaNode;
  if (!isKnown(na) || !isKnown(nb)) return 'unknown';
  return na === nb ? 'NODE' : 'SYS';
}
