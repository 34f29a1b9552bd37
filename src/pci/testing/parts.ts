/**
 * Building blocks shared by the hand-built test fabrics (src/pci, src/iommu, src/drivers).
 * Test-only (excluded from the build).
 */
import { ACS, type AcsState, type Bar, type FunctionInit } from '../index.js';

/** ACS present (capability 0x5f); `redirect` turns on SV|RR|CR|UF, else all controls are off. */
export const acsPresent = (redirect: boolean): AcsState => ({
  state: 'present',
  cap: 0x5f,
  ctrl: redirect ? ACS.SV | ACS.RR | ACS.CR | ACS.UF : 0,
});

/** A PCIe capability with a Gen4 x16 link, trained at full speed. */
export const pcie = (
  portType: 'root-port' | 'switch-upstream' | 'switch-downstream' | 'endpoint',
) => ({
  portType,
  linkCap: { speedGTs: 16, width: 16 },
  linkStatus: { speedGTs: 16, width: 16 },
});

/** A 64-bit memory BAR. */
export const memBar = (index: number, start: bigint, size: bigint, prefetchable = true): Bar => ({
  index,
  space: 'mem',
  start,
  size,
  is64: true,
  prefetchable,
});

/** The host bridge device 8086:09a2 at 0000:00:00.0: no PCIe capability, no ACS. */
export const HOST_BRIDGE_FN: FunctionInit = {
  bdf: '0000:00:00.0',
  vendor: 0x8086,
  device: 0x09a2,
  classCode: 0x060000,
  pcie: null,
  acs: { state: 'absent' },
};

/** A PCI-to-PCI bridge function (class 0x060400): a root port or a switch port. */
export const bridgeFn = (
  bdf: string,
  portType: 'root-port' | 'switch-upstream' | 'switch-downstream',
  acs: AcsState,
  more: Partial<FunctionInit> = {},
): FunctionInit => ({ bdf, classCode: 0x060400, pcie: pcie(portType), acs, ...more });
