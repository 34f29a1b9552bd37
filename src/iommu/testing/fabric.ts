/**
 * Test-only machine for the IOMMU/DMA tests: root port → switch → {accelerator (BAR0 64 MiB),
 * NIC (BAR0 1 MiB)}, plus a GPU on a second root port and a multifunction device (00:1f.0/.3)
 * without ACS. `redirect` sets ACS RR|CR on the switch downstream ports; `groups` copies
 * sysfs-style IOMMU groups into the fabric (else they are derived from ACS).
 */
import { type Fabric, FabricBuilder } from '../../pci/index.js';
import { acsPresent, bridgeFn, HOST_BRIDGE_FN, memBar, pcie } from '../../pci/testing/parts.js';

export const MiB = 1024n * 1024n;
export const ACCEL_BAR = 0x20_0000_0000n;
export const ACCEL_BAR_SIZE = 64n * MiB;
export const NIC_BAR = 0x21_0000_0000n;
export const GPU_BAR = 0x30_0000_0000n;

const acs = acsPresent;
const bar = (start: bigint, size: bigint) => memBar(0, start, size);

export function testFabric(
  opts: { redirect?: boolean; groups?: boolean; rootAcs?: boolean; accelBarSize?: bigint } = {},
): Fabric {
  const g = (n: number) => (opts.groups ? n : null);
  return new FabricBuilder()
    .machine({ name: 'dma-test', cpu: { vendor: 'GenuineIntel', family: 6, model: 143 } })
    .hostBridge({ domain: 0, rootBus: 0 })
    .fn({ ...HOST_BRIDGE_FN, iommuGroup: g(0) })
    .fn(
      bridgeFn('00:01.0', 'root-port', acs(opts.rootAcs ?? true), {
        buses: { secondary: 1, subordinate: 4 },
        iommuGroup: g(1),
      }),
    )
    .fn(
      bridgeFn(
        '01:00.0',
        'switch-upstream',
        { state: 'absent' },
        { parent: '00:01.0', buses: { secondary: 2, subordinate: 4 }, iommuGroup: g(2) },
      ),
    )
    .fn(
      bridgeFn('02:00.0', 'switch-downstream', acs(opts.redirect ?? false), {
        parent: '01:00.0',
        buses: { secondary: 3, subordinate: 3 },
        iommuGroup: g(3),
      }),
    )
    .fn(
      bridgeFn('02:01.0', 'switch-downstream', acs(opts.redirect ?? false), {
        parent: '01:00.0',
        buses: { secondary: 4, subordinate: 4 },
        iommuGroup: g(4),
      }),
    )
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
    .fn(
      bridgeFn('00:02.0', 'root-port', acs(true), {
        buses: { secondary: 5, subordinate: 5 },
        iommuGroup: g(7),
      }),
    )
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
