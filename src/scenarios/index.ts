/**
 * End-to-end scenarios over the drivers: the founding export → RDMA import flow (`peerdma demo`),
 * the ring + doorbell comparison and NVMe → GPU VRAM. Each runs on its own Kernel and ends with
 * its pristine check.
 */
export type { DemoPair, DemoResult, DemoStep } from './demo-steps.js';
export { type FoundingOptions, runFounding } from './founding.js';
export { type GpuNvmeResult, runGpuNvme } from './gpu-nvme.js';
export {
  RECORD_BYTES,
  RING_SLOTS,
  type RingOptions,
  type RingResult,
  type RingRow,
  record,
  runRingDoorbell,
} from './ring-doorbell.js';
export { type Route, renderRoute, routeOf, routeToRam } from './route.js';
export {
  iommuModeAssumed,
  iommuModeOf,
  isAccel,
  isRdmaNic,
  makeWorld,
  type PairCandidate,
  type PairChoice,
  pickPair,
  type ScenarioOptions,
  type ScenarioWorld,
  settle,
} from './world.js';
