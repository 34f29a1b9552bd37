/** Test-only rig: the test machine with an IOMMU, a DMA API and a NIC client. */
import { ViolationLog } from '../../core/violations.js';
import { Iommu, type IommuConfig } from '../../iommu/index.js';
import { MiB, testFabric } from '../../iommu/testing/fabric.js';
import type { Fabric, PciFunction } from '../../pci/index.js';
import { DmaApi } from '../api.js';
import { type DmaDevice, dmaDevice, type MapType } from '../types.js';

export * from '../../iommu/testing/fabric.js';

export interface Rig {
  readonly fabric: Fabric;
  readonly iommu: Iommu;
  readonly api: DmaApi;
  readonly violations: ViolationLog;
  readonly accel: PciFunction;
  readonly nic: DmaDevice;
}

export function rig(
  config: IommuConfig,
  mapType: MapType = 'BUS_ADDR',
  opts: { busOffset?: bigint; fabric?: Fabric; maxSegSize?: bigint } = {},
): Rig {
  const fabric = opts.fabric ?? testFabric();
  const violations = new ViolationLog();
  const iommu = new Iommu(fabric, config, { violations });
  const off = opts.busOffset ?? 0n;
  const api = new DmaApi({ iommu, mapType: () => mapType, violations, busOffset: () => off });
  return {
    fabric,
    iommu,
    api,
    violations,
    accel: fabric.resolve('accel0'),
    nic: dmaDevice(fabric.resolve('nic0'), { maxSegSize: opts.maxSegSize ?? 2n * 1024n * MiB }),
  };
}
