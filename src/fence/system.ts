/**
 * FenceSystem: the per-Kernel owner of everything fence-related that the kernel keeps globally —
 * the context counter (starts at 1; 0 is the stub's), the stub fence, ww-acquire stamps, atomic
 * context depth (for might_sleep) and live-object counters (leak checks). No module globals.
 */

import type { SimClock, ViolationLog } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import { DmaFence, type FenceInitOptions } from './fence.js';
import { type DmaFenceOps, type LiveObjects, NO_LIVE_OBJECTS } from './types.js';

export interface FenceSystemOptions {
  readonly clock: SimClock;
  readonly log: ViolationLog;
  /** Newest kernels detach ops on signal: names read "detached-driver"/"signaled-timeline". Default true. */
  readonly detachOpsOnSignal?: boolean;
  /** ≤ v6.16: signalling an already-signalled fence returns -EINVAL (newest: a silent no-op). Default false. */
  readonly signalReturnsEinval?: boolean;
  /** CONFIG_DEBUG_MUTEXES: `unlock` shrinks a resv's reservation to its fence count. Default true. */
  readonly debugMutexes?: boolean;
}

/** Mutable counters behind `liveObjects()`; @internal to the fence layer. */
export interface LiveCounters {
  fences: number;
  callbacks: number;
  resvs: number;
  syncFiles: number;
  timers: number;
  lockedResvs: number;
}

const STUB_OPS: DmaFenceOps = { driverName: 'stub', timelineName: 'stub' };

/** The ops the kernel self-tests use ("mock"/"mock"). */
export const MOCK_FENCE_OPS: DmaFenceOps = { driverName: 'mock', timelineName: 'mock' };

export class FenceSystem {
  readonly clock: SimClock;
  readonly log: ViolationLog;
  readonly detachOpsOnSignal: boolean;
  readonly signalReturnsEinval: boolean;
  readonly debugMutexes: boolean;
  /** Simulated "signal pending" for the current task: interruptible waits return -ERESTARTSYS. */
  signalPending = false;
  /** @internal */
  readonly live: LiveCounters = { ...NO_LIVE_OBJECTS };
  #nextContext = 1n;
  #nextId = 0;
  #nextStamp = 1;
  #atomicDepth = 0;
  readonly #stub: DmaFence;

  constructor(opts: FenceSystemOptions) {
    this.clock = opts.clock;
    this.log = opts.log;
    this.detachOpsOnSignal = opts.detachOpsOnSignal ?? true;
    this.signalReturnsEinval = opts.signalReturnsEinval ?? false;
    this.debugMutexes = opts.debugMutexes ?? true;
    this.#stub = new DmaFence(this, STUB_OPS, 0n, 0n, { counted: false });
    this.#stub.signalTimestamp(0n);
  }

  /** `dma_fence_context_alloc(n)`: first of `n` consecutive fresh context ids. n == 0 → WARN. */
  contextAlloc(n = 1): bigint {
    if (n === 0) this.log.report('WARN', RULE.fenceContextAllocZero, 'dma_fence_context_alloc(0)');
    const first = this.#nextContext;
    this.#nextContext += BigInt(n);
    return first;
  }

  /** `dma_fence_init` (or `_init64` with `seqno64`): a new fence holding one reference. */
  createFence(
    ops: DmaFenceOps,
    context: bigint,
    seqno: bigint,
    opts: FenceInitOptions = {},
  ): DmaFence {
    return new DmaFence(this, ops, context, seqno, opts);
  }

  /** A self-test mock fence: ops "mock"/"mock", on a fresh context, seqno 0 unless given. */
  mockFence(seqno = 0n, context: bigint = this.contextAlloc(1)): DmaFence {
    return new DmaFence(this, MOCK_FENCE_OPS, context, seqno);
  }

  /** `dma_fence_get_stub()`: a new reference to this system's always-signalled stub (context 0). */
  getStub(): DmaFence {
    return this.#stub.get();
  }

  /** `dma_fence_allocate_private_stub(ts)`: a fresh, already-signalled fence with that timestamp. */
  allocatePrivateStub(timestamp: bigint = this.clock.now): DmaFence {
    const f = new DmaFence(this, STUB_OPS, this.contextAlloc(1), 0n);
    f.signalTimestamp(timestamp);
    return f;
  }

  /** Live objects of this system (for "back to the initial state" assertions). */
  liveObjects(): LiveObjects {
    return { ...this.live };
  }

  /** True while running fence callbacks (spinlock held, IRQs off). */
  get inAtomic(): boolean {
    return this.#atomicDepth > 0;
  }

  /** Run `fn` in atomic context (used for callbacks). */
  runAtomic<T>(fn: () => T): T {
    this.#atomicDepth++;
    try {
      return fn();
    } finally {
      this.#atomicDepth--;
    }
  }

  /** `might_sleep()`: a MIGHT_SLEEP violation when called from atomic context. */
  mightSleep(where: string): void {
    if (this.#atomicDepth > 0) {
      this.log.report(
        'MIGHT_SLEEP',
        RULE.fenceMightSleep,
        `BUG: sleeping function called from invalid context at ${where}`,
      );
    }
  }

  /** @internal unique creation serial (debug names, deterministic ordering). */
  nextId(): number {
    return this.#nextId++;
  }

  /** @internal ww_acquire_ctx stamp (smaller = older). */
  nextStamp(): number {
    return this.#nextStamp++;
  }
}
