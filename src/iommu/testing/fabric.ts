/**
 * Test-only machine for the IOMMU/DMA tests: root port → switch → {accelerator (BAR0 64 MiB),
 * NIC (BAR0 1 MiB)}, plus a GPU on a second root port and a multifunction device (00:1f.0/.3)
 * without ACS. `redirect` sets ACS RR|CR on the switch downstream ports; `groups` copies
 * sysfs-style IOMMU groups into the fabric (else they are derived from ACS).
 */
import { ACS, type AcsState, type Bar, type Fabric, FabricBuilder } from '../../pci/index.js';

export const MiB = 1024n * 1024n;
export const ACCEL_BAR = 0x20_0000_0000n;
export const ACCEL_BAR_SIZE = 64n * MiB;
export const NIC_BAR = 0x21_0000_0000n;
export const GPU_BAR = 0x30_0000_0000n;

const acs = (on: boolean): AcsState => ({
  state: 'present',
  cap: 0x5f,
  ctrl: on ? ACS.SV | ACS.RR | ACS.CR | ACS.UF : 0,
});
const pcie = (portType: 'root-port' | 'switch-upstream' | 'switch-downstream' | 'endpoint') => ({
  portType,
  linkCap: { speedGTs: 16, width: 16 },
  linkStatus: { speedGTs: 16, width: 16 },
});
const bar = (start: bigint, size: bigint): Bar => ({
  index: 0,
  space: 'mem',
  start,
  size,
  is64: true,
  prefetchable: true,
});

export function testFabric(
  opts: { redirect?: boolean; groups?: boolean; rootAcs?: boolean; accelBarSize?: bigint } = {},
): Fabric {
  const g = (n: number) => (opts.groups ? n : null);
  return new FabricBuilder()
    .machine({ name: 'dma-test', cpu: { vendor: 'GenuineIntel', family: 6, model: 143 } })
    .hostBridge({ domain: 0, rootBus: 0 })
    .fn({
      bdf: '00:00.0',
      vendor: 0x8086,
      device: 0x09a2,
      classCode: 0x060000,
      pcie: null,
      acs: { state: 'absent' },
      iommuGroup: g(0),
    })
    .fn({
      bdf: '00:01.0',
      classCode: 0x060400,
      pcie: pcie('root-port'),
      acs: acs(opts.rootAcs ?? true),
      buses: { secondary: 1, subordinate: 4 },
      iommuGroup: g(1),
    })
    .fn({
      bdf: '01:00.0',
      parent: '00:01.0',
      classCode: 0x060400,
      pcie: pcie('switch-upstream'),
      acs: { state: 'absent' },
      buses: { secondary: 2, subordinate: 4 },
      iommuGroup: g(2),
    })
    .fn({
      bdf: '02:00.0',
      parent: '01:00.0',
      classCode: 0x060400,
      pcie: pcie('switch-downstream'),
      acs: acs(opts.redirect ?? false),
      buses: { secondary: 3, subordinate: 3 },
      iommuGroup: g(3),
    })
    .fn({
      bdf: '02:01.0',
      parent: '01:00.0',
      classCode: 0x060400,
      pcie: pcie('switch-downstream'),
      acs: acs(opts.redirect ?? false),
      buses: { secondary: 4, subordinate: 4 },
      iommuGroup: g(4),
    })
    .fn({
      bdf: '03:00.0',
      name: 'accel0',
      parent: '02:00.0',
      classCode: 0x120000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      bars: [bar(ACCEL_BAR, opts.accelBarSize ?? ACCEL_BAR_SIZE)],
      iommuGroup: g(5),
    })
    .fn({
      bdf: '04:00.0',
      name: 'nic0',
      parent: '02:01.0',
      classCode: 0x020000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      bars: [bar(NIC_BAR, MiB)],
      iommuGroup: g(6),
    })
    .fn({
      bdf: '00:02.0',
      classCode: 0x060400,
      pcie: pcie('root-port'),
      acs: acs(true),
      buses: { secondary: 5, subordinate: 5 },
      iommuGroup: g(7),
    })
    .fn({
      bdf: '05:00.0',
      name: 'gpu0',
      parent: '00:02.0',
      classCode: 0x030200,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      bars: [bar(GPU_BAR, 256n * MiB)],
      iommuGroup: g(8),
    })
    .fn({
      bdf: '00:1f.0',
      classCode: 0x060100,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      iommuGroup: g(9),
    })
    .fn({
      bdf: '00:1f.3',
      classCode: 0x040300,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      iommuGroup: g(9),
    })
    .build();
}
