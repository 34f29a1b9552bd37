/**
 * Locality classes in `nvidia-smi topo -m` vocabulary, from the topology alone (ACS does not change
 * where the wires are):
 *   X    the device itself
 *   PIX  the path crosses at most one PCIe bridge or switch (same switch, or functions of one device)
 *   PXB  the path crosses several bridges/switches but not the host bridge
 *   PHB  the path goes through one PCIe host bridge (the CPU's root complex)
 *   NODE the path crosses host bridges within one NUMA node
 *   SYS  the path crosses the interconnect between NUMA nodes (QPI/UPI, Infinity Fabric)
 */
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import type { LocalityClass } from './types.js';

export const LOCALITY_LEGEND: ReadonlyArray<[LocalityClass, string]> = [
  ['X', 'the device itself'],
  ['PIX', 'path crosses at most a single PCIe bridge or switch'],
  ['PXB', 'path crosses several PCIe bridges/switches, without the host bridge'],
  ['PHB', 'path goes through a PCIe host bridge (typically the CPU)'],
  ['NODE', 'path crosses PCIe host bridges within one NUMA node'],
  ['SYS', 'path crosses the SMP interconnect between NUMA nodes (e.g. QPI/UPI)'],
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
): LocalityClass | 'unknown' {
  if (a === b) return 'X';
  const common = fabric.commonUpstream(a, b);
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
