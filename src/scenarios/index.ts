/**
 * End-to-end scenarios over the drivers: the founding export → RDMA import flow (`peerdma demo`)
 * and the ring + doorbell comparison. Each runs on its own Kernel and ends with its pristine check.
 */
export {
  type DemoPair,
  type DemoResult,
  type DemoStep,
  type FoundingOptions,
  runFounding,
} from './founding.js';
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
