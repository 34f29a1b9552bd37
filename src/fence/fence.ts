/**
 * `struct dma_fence` (spec §2.1): a one-shot completion event on a (context, seqno) timeline, with
 * callbacks, an error recorded before signalling, a timestamp, and a reference count. Use after the
 * last `put()` is detected and reported (WARN) instead of corrupting state.
 */

import { type KResult, kerr, ok } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import { seqnoIsLater } from './seqno.js';
import type { FenceSystem } from './system.js';
import {
  type DmaFenceCb,
  type DmaFenceFunc,
  type DmaFenceOps,
  type FenceContainer,
  MAX_ERRNO,
} from './types.js';
import { waitFences } from './wait.js';

export interface FenceInitOptions {
  /** `dma_fence_init64`: full 64-bit seqno comparison (SEQNO64 flag). */
  readonly seqno64?: boolean;
  /** @internal set by array/chain constructors. */
  readonly container?: FenceContainer;
  /** @internal false only for the per-system stub (not counted as a live object). */
  readonly counted?: boolean;
}

export class DmaFence {
  readonly sys: FenceSystem;
  /** Creation serial within the system (stable, deterministic). */
  readonly id: number;
  readonly context: bigint;
  readonly seqno: bigint;
  readonly seqno64: boolean;
  /** Array or chain payload; undefined for a leaf fence. */
  readonly container: FenceContainer | undefined;
  readonly #ops: DmaFenceOps;
  readonly #counted: boolean;
  #signaled = false;
  #enableSignal = false;
  #error = 0;
  #timestamp: bigint | undefined;
  #cbs: DmaFenceCb[] = [];
  #refs = 1;
  #released = false;

  constructor(
    sys: FenceSystem,
    ops: DmaFenceOps,
    context: bigint,
    seqno: bigint,
    opts: FenceInitOptions = {},
  ) {
    if (!ops?.driverName || !ops.timelineName) {
      sys.log.bug(RULE.fenceInitOps, 'dma_fence_init: ops or a name callback is missing');
    }
    this.sys = sys;
    this.id = sys.nextId();
    this.#ops = ops;
    this.context = context;
    this.seqno = BigInt.asUintN(64, seqno);
    this.seqno64 = opts.seqno64 ?? false;
    this.container = opts.container;
    this.#counted = opts.counted ?? true;
    if (this.#counted) sys.live.fences++;
  }

  // ---- identity and state ----------------------------------------------------------------

  get driverName(): string {
    return this.#signaled && this.sys.detachOpsOnSignal ? 'detached-driver' : this.#ops.driverName;
  }
  get timelineName(): string {
    return this.#signaled && this.sys.detachOpsOnSignal
      ? 'signaled-timeline'
      : this.#ops.timelineName;
  }
  /** True once the SIGNALED flag is set (no polling of `ops.signaled`; see `isSignaled`). */
  get signaledFlag(): boolean {
    return this.#signaled;
  }
  /** Raw error field (0 or negative errno); observable through `getStatus` only after signal. */
  get error(): number {
    return this.#error;
  }
  /** Signal time (ns), defined once signalled (TIMESTAMP flag). */
  get timestamp(): bigint | undefined {
    return this.#timestamp;
  }
  get swSignalingEnabled(): boolean {
    return this.#enableSignal;
  }
  get refcount(): number {
    return this.#refs;
  }
  get released(): boolean {
    return this.#released;
  }
  /** Number of callbacks currently registered. */
  get pendingCallbacks(): number {
    return this.#cbs.length;
  }
  /** `dma_fence_describe` (newest debugfs form): "context:seqno timeline driver". */
  describe(): string {
    return `${this.context}:${this.seqno} ${this.timelineName} ${this.driverName}`;
  }

  // ---- references -----------------------------------------------------------------------

  /** `dma_fence_get`: take a reference. On a released fence → WARN (refcount addition on 0). */
  get(): this {
    if (this.#refs === 0) {
      this.sys.log.report(
        'WARN',
        RULE.fenceRefcountUaf,
        'refcount_t: addition on 0; use-after-free.',
      );
      return this;
    }
    this.#refs++;
    return this;
  }

  /** `dma_fence_get_rcu` (kref_get_unless_zero): a reference, or null if already released. */
  tryGet(): this | null {
    if (this.#refs === 0) return null;
    this.#refs++;
    return this;
  }

  /** `dma_fence_put`: drop a reference; the last one releases (spec §2.1.6). */
  put(): void {
    if (this.#refs === 0) {
      this.sys.log.report('WARN', RULE.fenceRefcountUaf, 'refcount_t: underflow; use-after-free.');
      return;
    }
    if (--this.#refs === 0) this.#release();
  }

  #release(): void {
    if (this.#cbs.length > 0 && !this.#signaled) {
      this.sys.log.report(
        'WARN',
        RULE.fenceReleasePendingSignals,
        `Fence ${this.#ops.driverName}:${this.#ops.timelineName}:${this.context.toString(16)}:${this.seqno.toString(16)} released with pending signals!`,
      );
      this.#error = -35; // -EDEADLK
      this.#doSignal(this.sys.clock.now);
    }
    this.#ops.release?.(this);
    this.#released = true;
    if (this.#counted) this.sys.live.fences--;
  }

  /** Use-after-free check for operations other than get/put (KASAN-style WARN). */
  #alive(op: string): boolean {
    if (!this.#released) return true;
    this.sys.log.report('WARN', RULE.fenceUseAfterFree, `BUG: KASAN: use-after-free in ${op}`);
    return false;
  }

  // ---- signalling -------------------------------------------------------------------------

  /**
   * `dma_fence_signal`: signal now (SimClock time). Already signalled: a no-op; through v6.19 kernels
   * (`signalReturnsEinval`) also return `-EINVAL`, newest return nothing (here: ok).
   */
  signal(): KResult<void> {
    return this.signalTimestamp(this.sys.clock.now);
  }

  /** `dma_fence_signal_timestamp`: signal with an explicit timestamp (ns). */
  signalTimestamp(timestamp: bigint): KResult<void> {
    if (!this.#alive('dma_fence_signal')) return kerr('EINVAL', 'fence already freed');
    if (this.#signaled)
      return this.sys.signalReturnsEinval
        ? kerr('EINVAL', `dma_fence_signal: ${this.describe()} already signaled`)
        : ok(undefined);
    this.#doSignal(timestamp);
    return ok(undefined);
  }

  /** `dma_fence_check_and_signal`: signal; returns true if the fence was *already* signalled. */
  checkAndSignal(): boolean {
    const was = this.#signaled;
    const r = this.signal();
    return was || !r.ok;
  }

  #doSignal(timestamp: bigint): void {
    this.#signaled = true;
    this.#timestamp = timestamp;
    const cbs = this.#cbs;
    this.#cbs = [];
    this.sys.live.callbacks -= cbs.length;
    this.sys.runAtomic(() => {
      for (const cb of cbs) {
        const func = cb.func!;
        cb.on = null;
        cb.func = null;
        func(this, cb);
      }
    });
  }

  /**
   * Schedule a signal at absolute simulated time `at` (optionally setting `error` first). The
   * timer holds a fence reference until it fires; the returned function cancels it.
   */
  signalAt(at: bigint, error?: number): () => void {
    this.get();
    this.sys.live.timers++;
    let pending = true;
    const finish = (): void => {
      if (!pending) return;
      pending = false;
      this.sys.live.timers--;
      this.put();
    };
    const cancel = this.sys.clock.at(at, () => {
      if (!this.#signaled && !this.#released) {
        if (error !== undefined) this.setError(error);
        this.#doSignal(this.sys.clock.now);
      }
      finish();
    });
    return () => {
      if (!pending) return;
      cancel();
      finish();
    };
  }

  /** `dma_fence_is_signaled`: flag, else poll `ops.signaled` (which signals as a side effect). */
  isSignaled(): boolean {
    if (!this.#alive('dma_fence_is_signaled')) return this.#signaled;
    if (this.#signaled) return true;
    if (this.#ops.signaled?.(this)) {
      this.#doSignal(this.sys.clock.now);
      return true;
    }
    return false;
  }

  /** `dma_fence_enable_sw_signaling`. Returns false if the fence is (now) signalled. */
  enableSwSignaling(): boolean {
    const wasSet = this.#enableSignal;
    this.#enableSignal = true;
    if (this.#signaled) return false;
    if (!wasSet && this.#ops.enableSignaling && !this.#ops.enableSignaling(this)) {
      if (!this.#signaled) this.#doSignal(this.sys.clock.now);
      return false;
    }
    return !this.#signaled;
  }

  // ---- callbacks --------------------------------------------------------------------------

  /**
   * `dma_fence_add_callback`: 0 when queued; `-ENOENT` (func not called) when already
   * signalled; `-EINVAL` + WARN without `func`. A slot already queued elsewhere → WARN.
   */
  addCallback(cb: DmaFenceCb, func: DmaFenceFunc): KResult<void> {
    if (!func) {
      this.sys.log.report('WARN', RULE.fenceAddCallbackNull, 'dma_fence_add_callback without func');
      return kerr('EINVAL', 'dma_fence_add_callback: no callback function');
    }
    if (!this.#alive('dma_fence_add_callback')) return kerr('EINVAL', 'fence freed');
    if (cb.on !== null) {
      this.sys.log.report(
        'WARN',
        RULE.fenceCbReused,
        'list_add corruption: callback already queued',
      );
      cb.on.removeCallback(cb);
    }
    if (this.#signaled || !this.enableSwSignaling()) {
      return kerr('ENOENT', `${this.describe()} already signaled`);
    }
    cb.on = this;
    cb.func = func;
    this.#cbs.push(cb);
    this.sys.live.callbacks++;
    return ok(undefined);
  }

  /** `dma_fence_remove_callback`: true if it was still pending (and is now unlinked). */
  removeCallback(cb: DmaFenceCb): boolean {
    if (cb.on !== this) return false;
    const i = this.#cbs.indexOf(cb);
    if (i >= 0) this.#cbs.splice(i, 1);
    this.sys.live.callbacks--;
    cb.on = null;
    cb.func = null;
    return true;
  }

  // ---- errors and status ------------------------------------------------------------------

  /** `dma_fence_set_error`: WARN if signalled or outside [-MAX_ERRNO, -1]; stored regardless. */
  setError(error: number): void {
    if (!this.#alive('dma_fence_set_error')) return;
    if (this.#signaled) {
      this.sys.log.report(
        'WARN',
        RULE.fenceSetErrorSignaled,
        `set_error on signaled ${this.describe()}`,
      );
    }
    if (!Number.isInteger(error) || error >= 0 || error < -MAX_ERRNO) {
      this.sys.log.report(
        'WARN',
        RULE.fenceSetErrorRange,
        `set_error(${error}) outside [-4095, -1]`,
      );
    }
    this.#error = error;
  }

  /** @internal error propagation by containers and the release path (no WARN checks). */
  setErrorRaw(error: number): void {
    this.#error = error;
  }

  /** `dma_fence_get_status`: 0 unsignalled; after signal the error, else 1. */
  getStatus(): number {
    if (!this.isSignaled()) return 0;
    return this.#error !== 0 ? this.#error : 1;
  }

  // ---- ordering ---------------------------------------------------------------------------

  /** `dma_fence_is_later(this, other)`; different contexts → WARN and false. */
  isLater(other: DmaFence): boolean {
    if (this.context !== other.context) {
      this.sys.log.report(
        'WARN',
        RULE.fenceIsLaterContext,
        `is_later across contexts ${this.context} and ${other.context}`,
      );
      return false;
    }
    return seqnoIsLater(this.seqno, other.seqno, this.seqno64);
  }

  /** `dma_fence_is_later_or_same`. */
  isLaterOrSame(other: DmaFence): boolean {
    return this === other || this.isLater(other);
  }

  // ---- waiting ----------------------------------------------------------------------------

  /**
   * `dma_fence_wait_timeout(fence, intr, timeout)` in simulated ns; advances the SimClock while
   * waiting. ok(remaining > 0) if signalled in time (timeout 0: ok(1) signalled / ok(0) not),
   * ok(0) on timeout, `-ERESTARTSYS` if `intr` and a signal is pending, `-EINVAL` (WARN) for a
   * negative timeout. Waiting forever on a fence nothing will signal throws a KernelBug (hang).
   */
  waitTimeout(intr: boolean, timeout: bigint): KResult<bigint> {
    return waitFences(this.sys, [this], false, intr, timeout, 'dma_fence_wait_timeout').ret;
  }

  /** `dma_fence_wait(fence, intr)`: wait forever; ok(0) or an error. */
  wait(intr: boolean): KResult<0n> {
    const r = this.waitTimeout(intr, (1n << 63n) - 1n);
    return r.ok ? ok(0n) : r;
  }

  /** `dma_fence_set_deadline`: forwarded to the driver when unsignalled; no semantic effect. */
  setDeadline(deadlineNs: bigint): void {
    if (!this.#signaled) this.#ops.setDeadline?.(this, deadlineNs);
  }
}

/** `dma_fence_later(a, b)`: the later of two same-context fences; context mismatch → WARN, null. */
export function dmaFenceLater(a: DmaFence, b: DmaFence): DmaFence | null {
  if (a.context !== b.context) {
    a.sys.log.report('WARN', RULE.fenceLaterContext, 'dma_fence_later across contexts');
    return null;
  }
  return a.isLater(b) ? a : b;
}
