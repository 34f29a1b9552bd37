/**
 * Device drivers of the DMA-BUF model: sparse device memory and MMIO registers, a habanalabs-style
 * accelerator exporter (uAPI, validation, sg chunking), an amdgpu-style dynamic GPU exporter, RDMA
 * (verbs, ib_umem_dmabuf, pinned and mlx5-style dynamic MRs) and NVMe importers, the CPU path, and
 * the wiring to a Kernel.
 *
 *   const env = fromKernel(kernel);            // dma-buf core + IOMMU + DMA API + P2P verdicts
 *   const rig = new DriverRig(env);            // devices claim BARs in the physical map
 *   const accel = rig.addAccel(fabric.resolve('accel0'));
 *   const fd = unwrap(accel.memIoctl({ op: HL_MEM_OP.EXPORT_DMABUF_FD, … }, accelExportSink(env, proc))).fd;
 *   const { mr } = unwrap(regDmabufMr(env, nic, nicFn, proc, pd, { offset, length, iova, fd, access }, 'dynamic'));
 */

export { DramAllocator, type DramRange, type PagePack, SZ_2M, SZ_4K } from './accel/allocator.js';
export {
  AccelDevice,
  type AccelExport,
  type AccelExportSink,
  type AccelOptions,
  DOORBELL_REGS,
  pickHbmBar,
} from './accel/device.js';
export {
  barAddress,
  type DramBarProps,
  type ExportRequest,
  validateExportCommon,
  validateExportNoMmu,
  validateExportPack,
} from './accel/export-validate.js';
export { accelDmabufOps, accelExportSink } from './accel/exporter.js';
export { chunkDevicePages, type DevChunk } from './accel/sg-chunks.js';
export * from './accel/uapi.js';
export { DeviceVm, USERPTR_HANDLE, type VaMapping } from './accel/vm.js';
export { PhysAddressSpace, type PhysRegion, type PhysTarget } from './bus.js';
export { cpuReadViaMmap, cpuReadViaVmap } from './cpu-path.js';
export { type DmaHop, DmaPort, type DmaTranslation, identityTranslation } from './dma-port.js';
export type { DmaMapper, DriverEnv, DriverFinding, MapCost, MappedChunks } from './env.js';
export { type Bo, type Domain, GpuDevice } from './gpu/bo.js';
export {
  AMDGPU_MAX_SG_SEGMENT_SIZE,
  evict,
  exportBo,
  type GpuExport,
  gpuDmabufOps,
  wireMoveNotify,
} from './gpu/exporter.js';
export { HOST_PAGE, HostRam } from './host-ram.js';
export {
  type DriverEnvOptions,
  driverMaxSeg,
  fromKernel,
} from './kernel-env.js';
export { identityMapper, kernelMapper } from './mappers.js';
export { SPARSE_PAGE, SparseMemory } from './memory.js';
export { MmioRegisterFile, type MmioWrite, type RegisterDef } from './mmio.js';
export * from './nvme/controller.js';
export {
  type NvmeDmabufImport,
  nvmeImportDmabuf,
  nvmeRanges,
  nvmeReleaseDmabuf,
} from './nvme/dmabuf-import.js';
export { type DmabufMrMode, type DmabufMrStats, regDmabufMr } from './rdma/dmabuf-mr.js';
export { hostBacking, type Mr, type MrBacking, type Pd } from './rdma/mr.js';
export { RdmaNic, type RdmaWr, type Sge, type Wc } from './rdma/nic.js';
export {
  type UmemDmabuf,
  umemDmabufGet,
  umemDmabufGetPinned,
  umemMapPages,
  umemRelease,
  umemRevoke,
  umemUnmapPages,
} from './rdma/umem-dmabuf.js';
export { type DmaSeg, dmaAddressAt, type TrimmedView, trimToWindow } from './rdma/umem-trim.js';
export * from './rdma/verbs.js';
export { DriverRig } from './rig.js';
