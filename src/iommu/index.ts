/**
 * The IOMMU model (spec §4.5): groups (from the fabric or derived from ACS like
 * `pci_device_group`), modes (none, passthrough, strict, lazy with a flush queue; untrusted
 * devices forced strict), one DMA domain per group with a top-down size-aligned IOVA allocator
 * with rcaches, a 4K/2M/1G page table, and a shared IOTLB.
 *
 * Typical use (the DMA layer does this for you):
 *   const iommu = new Iommu(fabric, { mode: 'lazy' }, { clock, violations });
 *   iommu.translating(dev)            // dma-iommu or direct path?
 *   iommu.domainOf(dev)?.allocIova(size, limit) / .map(iova, phys, size, prot) / .unmap(...)
 *   iommu.translate(dev, dmaAddr, 'write') // → CPU physical address (or EFAULT fault)
 *   iommu.snapshot()                  // what teardown must restore
 */
export { type Access, IommuDomain } from './domain.js';
export {
  acsEnabled,
  acsPathEnabled,
  type GroupInfo,
  iommuGroups,
  REQ_ACS_FLAGS,
} from './groups.js';
export { Iommu, type IommuConfig, MSI_WINDOW } from './iommu.js';
export { DEFAULT_IOTLB_ENTRIES, Iotlb, type IotlbStats } from './iotlb.js';
export {
  IOVA_RCACHE_CAPACITY,
  IOVA_RCACHE_MAX_ORDER,
  IovaAllocator,
  type IovaRange,
  type IovaStats,
} from './iova.js';
export { type MachineIommuMode, machineIommuMode } from './machine-mode.js';
export { IoPageTable, type Leaf, pteCounts, tablePagesFor } from './pagetable.js';
export * from './types.js';
