/**
 * A hand-built machine for driver tests: a switch holding a Gaudi2-class accelerator (HBM BAR),
 * a ConnectX NIC and an NVMe drive, plus a GPU (VRAM BAR) on a second root port.
 * `redirect` sets ACS RR|CR on the switch downstream ports. Test-only.
 */
import { type Fabric, FabricBuilder } from '../../pci/index.js';
import { acsPresent, bridgeFn, HOST_BRIDGE_FN, memBar, pcie } from '../../pci/testing/parts.js';

const GiB = 1024n ** 3n;
const MiB = 1024n ** 2n;
const acs = acsPresent;
const bar = memBar;

export interface DriverFabricOptions {
  readonly redirect?: boolean;
  /** HBM BAR size (default 128 GiB, covering all 96 GiB). */
  readonly hbmBarSize?: bigint;
  readonly iommu?: boolean;
}

export function driverFabric(opts: DriverFabricOptions = {}): Fabric {
  const r = opts.redirect ?? false;
  const group = opts.iommu ? 1 : null;
  return new FabricBuilder()
    .machine({
      name: 'driver-fabric',
      cpu: { vendor: 'GenuineIntel', family: 6, model: 143, arch: 'x86_64' },
      iommu: { enabled: opts.iommu ?? false },
    })
    .hostBridge({ domain: 0, rootBus: 0, numaNode: 0 })
    .fn(HOST_BRIDGE_FN)
    .fn(
      bridgeFn('0000:00:01.0', 'root-port', acs(false), {
        buses: { secondary: 1, subordinate: 5 },
      }),
    )
    .fn(
      bridgeFn('0000:01:00.0', 'switch-upstream', { state: 'absent' }, { parent: '0000:00:01.0' }),
    )
    .fn(bridgeFn('0000:02:00.0', 'switch-downstream', acs(r), { parent: '0000:01:00.0' }))
    .fn(bridgeFn('0000:02:01.0', 'switch-downstream', acs(r), { parent: '0000:01:00.0' }))
    .fn(bridgeFn('0000:02:02.0', 'switch-downstream', acs(r), { parent: '0000:01:00.0' }))
    .fn({
      bdf: '0000:03:00.0',
      name: 'accel0',
      parent: '0000:02:00.0',
      vendor: 0x1da3,
      device: 0x1020,
      classCode: 0x120000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      driver: 'habanalabs',
      iommuGroup: group,
      deviceMemory: 96n * GiB,
      bars: [
        bar(0, 0xe000_0000n, 16n * MiB, false),
        bar(2, 0x200_0000_0000n, opts.hbmBarSize ?? 128n * GiB),
      ],
    })
    .fn({
      bdf: '0000:04:00.0',
      name: 'nic0',
      parent: '0000:02:01.0',
      vendor: 0x15b3,
      device: 0x101d,
      classCode: 0x020000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      driver: 'mlx5_core',
      iommuGroup: group,
      bars: [bar(0, 0x300_0000_0000n, 32n * MiB)],
    })
    .fn({
      bdf: '0000:05:00.0',
      name: 'nvme0',
      parent: '0000:02:02.0',
      vendor: 0x144d,
      device: 0xa80a,
      classCode: 0x010802,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      driver: 'nvme',
      iommuGroup: group,
      bars: [bar(0, 0xe100_0000n, 16n * 1024n, false)],
    })
    .fn(bridgeFn('0000:00:02.0', 'root-port', acs(false)))
    .fn({
      bdf: '0000:06:00.0',
      name: 'gpu0',
      parent: '0000:00:02.0',
      vendor: 0x1002,
      device: 0x740f,
      classCode: 0x038000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
      driver: 'amdgpu',
      iommuGroup: group,
      deviceMemory: 64n * GiB,
      bars: [bar(0, 0x400_0000_0000n, 64n * GiB), bar(5, 0xe200_0000n, 1n * MiB, false)],
    })
    .build();
}
