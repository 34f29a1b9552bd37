/**
 * Fences, reservation objects and sync_files (spec §2, §1.12, §1.14.2–3), kernel-faithful and in
 * simulated time. All state lives in one `FenceSystem` per Kernel:
 *
 *   const fs = new FenceSystem({ clock, log });          // context counter, stub, leak counters
 *   const f = fs.mockFence();                             // or fs.createFence(ops, ctx, seqno)
 *   const resv = new DmaResv(fs);                         // ww-mutex modelled as state
 *   unwrap(resv.lock()); unwrap(resv.reserveFences(1));
 *   resv.addFence(f, DMA_RESV_USAGE.WRITE); resv.unlock();
 *   const sf = unwrap(resvExportSyncFile(resv, DMA_BUF_SYNC_READ));   // EXPORT_SYNC_FILE
 *   f.signalAt(fs.clock.now + 1000n);  sf.fence.waitTimeout(true, 5000n);
 *   f.put(); sf.release(); resv.fini(); assert.deepEqual(fs.liveObjects(), before);
 *
 * Conventions: errno results are `KResult` (core/errno); WARN/lockdep/might_sleep go to the
 * system's ViolationLog; BUG_ON throws KernelBug. Times are bigint ns on the SimClock. Every
 * function that returns a fence returns a new reference the caller must `put()`.
 */

export { dmaFenceArrayCreate, toArray } from './array.js';
export {
  chainContained,
  chainForEach,
  dmaFenceChainCreate,
  dmaFenceChainFindSeqno,
  dmaFenceChainWalk,
  toChain,
} from './chain.js';
export {
  DmaBufPollState,
  type PollFileRef,
  resvExportSyncFile,
  resvImportSyncFile,
  resvPollReady,
  validateSyncFileFlags,
} from './dmabuf-sync.js';
export { DmaFence, dmaFenceLater, type FenceInitOptions } from './fence.js';
export { DmaResv, type ResvSlot, resvListCapacity } from './resv.js';
export { DmaResvIter } from './resv-iter.js';
export { seqnoCompareLaterFirst, seqnoIsLater } from './seqno.js';
export { type SyncFenceInfo, SyncFile, type SyncFileInfo, syncFileMerge } from './sync-file.js';
export { FenceSystem, type FenceSystemOptions, MOCK_FENCE_OPS } from './system.js';
export {
  DMA_BUF_SYNC_READ,
  DMA_BUF_SYNC_RW,
  DMA_BUF_SYNC_WRITE,
  DMA_RESV_USAGE,
  DMA_RESV_USAGES,
  DmaFenceCb,
  type DmaFenceFunc,
  type DmaFenceOps,
  type DmaResvUsage,
  dmaResvUsageRw,
  EPOLLERR,
  EPOLLIN,
  EPOLLOUT,
  type FenceArrayData,
  type FenceChainData,
  type FenceContainer,
  type LiveObjects,
  MAX_ERRNO,
  MAX_SCHEDULE_TIMEOUT,
  NO_LIVE_OBJECTS,
  USAGE_NAMES,
} from './types.js';
export { dmaFenceUnwrap, dmaFenceUnwrapMerge, isContainer } from './unwrap.js';
export { dmaFenceWaitAnyTimeout, type WaitOutcome } from './wait.js';
export { NO_CTX, WwAcquireCtx, type WwHolder, WwMutex } from './ww.js';
