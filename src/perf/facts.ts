/**
 * Stated facts of the machine the kernel does not look at but the bandwidth model and `check`
 * honour: a driver's P2P policy and switch chips partitioned into virtual switches. Light on
 * purpose (only pci types): `check` imports it without loading the bandwidth model.
 */
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';

/**
 * The upstream ports of two different partitions of one switch chip above `a` and `b` (the
 * nearest switch upstream port stating a chip on each side), else null.
 */
export function sharedChip(
  fabric: Fabric,
  a: PciFunction,
  b: PciFunction,
): [PciFunction, PciFunction] | null {
  const chipPort = (f: PciFunction) =>
    fabric.upstreamChain(f).find((x) => x.switchChip !== undefined) ?? null;
  const pa = chipPort(a);
  const pb = chipPort(b);
  if (pa === null || pb === null || pa === pb) return null;
  return pa.switchChip!.id === pb.switchChip!.id ? [pa, pb] : null;
}

/** The spec states that `f`'s driver (or its PF's, for a VF) refuses P2P. */
export function driverRefusesP2p(fabric: Fabric, f: PciFunction): boolean {
  const pf = f.physfn !== null ? fabric.require(f.physfn) : f;
  return f.driverP2p === 'refuses' || pf.driverP2p === 'refuses';
}

/** The first end of a flow (its function, or a VF's PF) whose driver refuses P2P, else null. */
export function refuser(fabric: Fabric, src: PciFunction, dst: PciFunction): PciFunction | null {
  for (const f of [src, dst]) if (driverRefusesP2p(fabric, f)) return f;
  return null;
}
