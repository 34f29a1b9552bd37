/**
 * The DMA-mapping API model (spec §3.6–3.7, §4) and the mapping strategies with their cost ledger.
 *
 * Setup (one per Kernel):
 *   const iommu = new Iommu(fabric, { mode: 'lazy' }, { clock, violations });
 *   const api = new DmaApi({ iommu, mapType: (provider, client) => p2pdma.mapType(provider, client),
 *                            violations, busOffset: (provider) => 0n });
 *   const nic = dmaDevice(fabric.resolve('nic0'), { maxSegSize: 2n << 30n });
 *
 * Exporter map_dma_buf with a configurable strategy:
 *   const r = runStrategy('phys-vec', { api, provider, client: nic, chunks, dir: DMA_BIDIRECTIONAL });
 *   if (!r.ok) return r;                       // EREMOTEIO / EINVAL / ENOMEM / EIO as the kernel
 *   r.value.sgt / r.value.segments             // DMA addresses for the importer
 *   r.value.ledger                             // map-side cost ledger
 *   const unmapLedger = r.value.unmap();       // unmap_dma_buf
 *
 * Importer moving bytes: resolveDma(api, nic, dmaAddr, 'write') → { kind: 'bar', fn, bar, offset }.
 * At scale (no per-page work): closedFormLedger(...) — see closed-form.ts.
 */
export { DmaApi, type DmaApiInit, roundUp } from './api.js';
export {
  CALIBRATION_KEYS,
  CALIBRATION_ROWS,
  type Calibration,
  type CalibrationKey,
  type CalibrationRow,
  DEFAULT_CALIBRATION,
} from './calibration.js';
export { calibrationMarkdown } from './calibration-doc.js';
export { type CalibrationOverride, parseCalibrationText } from './calibration-file.js';
export { type ClosedForm, type ClosedFormEnv, closedFormLedger } from './closed-form.js';
export {
  type CaseCost,
  type CompareEnv,
  costCase,
  type StrategyCost,
  sweepSizes,
  TIE_TOLERANCE,
  tieName,
  type WinnerRun,
  winner,
  winnerRuns,
  winners,
} from './compare.js';
export {
  dmaIovaDestroy,
  dmaIovaFree,
  dmaIovaLink,
  dmaIovaSync,
  dmaIovaTryAlloc,
  dmaIovaUnlink,
  dmaUseIova,
  type IovaState,
} from './iova-api.js';
export {
  type CostCounts,
  type CostLedger,
  CostRecorder,
  type CpuEstimate,
  cpuOf,
  ledgerOf,
  type MetadataBytes,
  metadataOf,
  zeroCounts,
} from './ledger.js';
export { ledgerLine } from './ledger-line.js';
export { dmaBufFreeSgt, dmaBufPhysVecToSgt, type PhysVecSgt, splitSegments } from './physvec.js';
export { resolveDma } from './resolve.js';
export { dmaMapSg, dmaMapSgtable, dmaUnmapSgtable } from './sg.js';
export {
  type ChunkClass,
  type ExportShape,
  formatSegLimit,
  formatSize,
  layoutChunks,
  layoutSpan,
  parseChunkSpec,
  parseSize,
} from './shape.js';
export * from './strategies/index.js';
export * from './types.js';
