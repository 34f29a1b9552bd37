/**
 * Shared vocabulary of the fence layer (spec §2): usages, constants, driver ops, leak counters.
 * Everything here is plain data; behaviour lives in fence.ts, resv.ts, sync-file.ts.
 */
import type { DmaFence } from './fence.js';

/** `MAX_ERRNO`: a fence error must lie in [-MAX_ERRNO, -1] (spec §2.1.4). */
export const MAX_ERRNO = 4095;

/** `MAX_SCHEDULE_TIMEOUT` in simulated ns: "wait forever". Waits with it never time out. */
export const MAX_SCHEDULE_TIMEOUT = (1n << 63n) - 1n;

/**
 * `enum dma_resv_usage` (spec §2.2), ordered strongest first. A query for usage U returns every
 * fence whose usage is numerically ≤ U, so KERNEL ⊂ WRITE ⊂ READ ⊂ BOOKKEEP as query sets.
 */
export const DMA_RESV_USAGE = {
  /** Kernel memory management (moves, clears): everybody waits for these. */
  KERNEL: 0,
  /** Implicit-sync writers. */
  WRITE: 1,
  /** Implicit-sync readers. */
  READ: 2,
  /** Tracked but not used for implicit sync. */
  BOOKKEEP: 3,
} as const;
export type DmaResvUsage = (typeof DMA_RESV_USAGE)[keyof typeof DMA_RESV_USAGE];
export const DMA_RESV_USAGES: readonly DmaResvUsage[] = [0, 1, 2, 3];
export const USAGE_NAMES = ['kernel', 'write', 'read', 'bookkeep'] as const;

/**
 * `dma_resv_usage_rw(write)`: a writer must wait for readers and writers → READ; a reader waits
 * for writers only → WRITE (note the apparent inversion, spec §2.2 rule 2).
 */
export const dmaResvUsageRw = (write: boolean): DmaResvUsage =>
  write ? DMA_RESV_USAGE.READ : DMA_RESV_USAGE.WRITE;

/** `DMA_BUF_SYNC_READ/WRITE/RW` flag bits used by EXPORT/IMPORT_SYNC_FILE (spec §1.14.2–3). */
export const DMA_BUF_SYNC_READ = 1;
export const DMA_BUF_SYNC_WRITE = 2;
export const DMA_BUF_SYNC_RW = 3;

/** poll(2) event bits (x86-64 values). */
export const EPOLLIN = 0x001;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;

/**
 * `struct dma_fence_ops` (spec §2.1). Names are required (missing → BUG at init). The optional
 * hooks run exactly where the kernel calls them.
 */
export interface DmaFenceOps {
  readonly driverName: string;
  readonly timelineName: string;
  /** Called once when software signalling is enabled; returning false signals the fence now. */
  readonly enableSignaling?: (fence: DmaFence) => boolean;
  /** Polled by `isSignaled()`; returning true signals the fence as a side effect. */
  readonly signaled?: (fence: DmaFence) => boolean;
  /** Runs when the last reference is dropped (after the pending-signals check). */
  readonly release?: (fence: DmaFence) => void;
  /** Deadline hint; no semantic effect on completion. */
  readonly setDeadline?: (fence: DmaFence, deadlineNs: bigint) => void;
}

/** Callback signature (`dma_fence_func_t`). Runs in atomic context: it must not sleep/wait. */
export type DmaFenceFunc = (fence: DmaFence, cb: DmaFenceCb) => void;

/**
 * `struct dma_fence_cb`: one registration slot. A slot is on at most one fence at a time.
 * `pending` is true while registered and not yet run/removed.
 */
export class DmaFenceCb {
  /** @internal the fence this slot is registered on, or null. */
  on: DmaFence | null = null;
  /** @internal */
  func: DmaFenceFunc | null = null;
  get pending(): boolean {
    return this.on !== null;
  }
}

/** Live-object counters of one FenceSystem (leak check: compare with a snapshot taken earlier). */
export interface LiveObjects {
  /** Fences not yet released (the per-system stub fence is not counted). */
  readonly fences: number;
  /** Callbacks registered and not yet run or removed. */
  readonly callbacks: number;
  /** Reservation objects created and not yet `fini`ed. */
  readonly resvs: number;
  /** sync_files created and not yet released. */
  readonly syncFiles: number;
  /** Scheduled `signalAt` timers not yet fired or cancelled. */
  readonly timers: number;
  /** Reservation objects currently locked. */
  readonly lockedResvs: number;
}

/** Container payload of a `dma_fence_array` (spec §2.1.8 rule 1). @internal fields are mutable. */
export interface FenceArrayData {
  readonly kind: 'array';
  /** Member fences; the array owns one reference to each. */
  readonly fences: readonly DmaFence[];
  readonly signalOnAny: boolean;
  /** @internal members still to signal before the array signals. */
  numPending: number;
  /** @internal first member error observed (0 = none). */
  pendingError: number;
  /** @internal one callback slot per member. */
  readonly cbs: readonly DmaFenceCb[];
}

/** Container payload of a `dma_fence_chain` node (spec §2.1.8 rule 2). */
export interface FenceChainData {
  readonly kind: 'chain';
  /** Previous node (or a plain fence), referenced; replaced by garbage collection during walks. */
  prev: DmaFence | null;
  /** The contained fence, referenced. */
  readonly fence: DmaFence;
  /** Seqno of `prev` when the node reused its context, else 0. */
  readonly prevSeqno: bigint;
  /** @internal the node's own callback slot (enable_signaling). */
  readonly cb: DmaFenceCb;
}

export type FenceContainer = FenceArrayData | FenceChainData;

/** Counters of a system with nothing alive (compare `liveObjects()` against it at teardown). */
export const NO_LIVE_OBJECTS: LiveObjects = Object.freeze({
  fences: 0,
  callbacks: 0,
  resvs: 0,
  syncFiles: 0,
  timers: 0,
  lockedResvs: 0,
});
