/**
 * The reservation lock as state: a wound/wait mutex of the wait-die class (`DEFINE_WD_CLASS
 * (reservation_ww_class)`, spec §2.3 rule 2, §1.11). The simulation runs one task, so a lock
 * attempt that the kernel would answer by sleeping on a holder that cannot run is a self-deadlock:
 * a LOCKDEP report then a KernelBug `resv.lock.deadlock` (or -EINTR for an interruptible lock with
 * a signal pending).
 */

import { type KResult, kerr, ok } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import type { FenceSystem } from './system.js';

/** `struct ww_acquire_ctx`: one locking transaction; smaller stamp = older = wins. */
export class WwAcquireCtx {
  readonly stamp: number;
  /** Locks currently held through this context. */
  acquired = 0;
  /** Set by `done()` (`ww_acquire_done`): no more locks may be taken. */
  isDone = false;
  /** The lock whose acquisition returned -EDEADLK (for `lockSlow`). */
  contending: WwMutex | null = null;
  readonly #sys: FenceSystem;

  /** `ww_acquire_init(ctx, &reservation_ww_class)`. */
  constructor(sys: FenceSystem) {
    this.#sys = sys;
    this.stamp = sys.nextStamp();
  }

  /** `ww_acquire_done`. */
  done(): void {
    this.isDone = true;
  }

  /** `ww_acquire_fini`: WARN if locks are still held through this context. */
  fini(): void {
    if (this.acquired !== 0) {
      this.#sys.log.report(
        'WARN',
        RULE.wwFiniHeld,
        `ww_acquire_fini with ${this.acquired} lock(s) held`,
      );
    }
  }
}

/** Holder marker for a lock taken without an acquire context. */
export const NO_CTX = 'no-ctx' as const;
export type WwHolder = WwAcquireCtx | typeof NO_CTX;

export class WwMutex {
  #holder: WwHolder | null = null;
  readonly #sys: FenceSystem;
  readonly #name: string;

  constructor(sys: FenceSystem, name: string) {
    this.#sys = sys;
    this.#name = name;
  }

  get holder(): WwHolder | null {
    return this.#holder;
  }

  /** `ww_mutex_lock(_interruptible)`: 0, -EALREADY, -EDEADLK (wait-die), -EINTR. */
  lock(ctx: WwAcquireCtx | null, interruptible: boolean): KResult<void> {
    const sys = this.#sys;
    sys.mightSleep('ww_mutex_lock');
    if (ctx?.isDone)
      sys.log.report('WARN', RULE.wwLockAfterDone, 'ww_mutex_lock after ww_acquire_done');
    const holder = this.#holder;
    if (holder === null) return this.#take(ctx);
    if (ctx !== null && holder === ctx)
      return kerr('EALREADY', `${this.#name}: already held by this context`);
    if (ctx !== null && holder !== NO_CTX && ctx.stamp > holder.stamp && ctx.acquired > 0) {
      ctx.contending = this;
      return kerr('EDEADLK', `${this.#name}: held by an older context; back off and lock_slow`);
    }
    // The kernel would sleep here; in a one-task simulation nobody could ever release it.
    if (interruptible && sys.signalPending) return kerr('EINTR', `${this.#name}: interrupted`);
    sys.log.report(
      'LOCKDEP',
      RULE.resvLockRecursive,
      `possible recursive locking detected: ${this.#name}`,
    );
    return sys.log.bug(
      RULE.resvLockDeadlock,
      `${this.#name}: task would sleep forever on a lock it holds`,
    );
  }

  /** `ww_mutex_lock_slow`: after -EDEADLK, with every other lock of `ctx` dropped. */
  lockSlow(ctx: WwAcquireCtx, interruptible: boolean): KResult<void> {
    if (ctx.contending === null) {
      this.#sys.log.report(
        'WARN',
        RULE.wwLockSlowNoContention,
        'ww_mutex_lock_slow without -EDEADLK',
      );
    }
    const r = this.lock(ctx, interruptible);
    if (r.ok) ctx.contending = null;
    return r;
  }

  /** `ww_mutex_trylock(lock, NULL)`. */
  trylock(): boolean {
    return this.#holder === null && this.#take(null).ok;
  }

  /** `ww_mutex_unlock`; unlocking a free mutex → WARN. */
  unlock(): void {
    const holder = this.#holder;
    if (holder === null) {
      this.#sys.log.report(
        'WARN',
        RULE.resvUnlockNotLocked,
        `${this.#name}: unlock of an unlocked mutex`,
      );
      return;
    }
    if (holder !== NO_CTX) holder.acquired--;
    this.#holder = null;
    this.#sys.live.lockedResvs--;
  }

  #take(ctx: WwAcquireCtx | null): KResult<void> {
    this.#holder = ctx ?? NO_CTX;
    if (ctx) ctx.acquired++;
    this.#sys.live.lockedResvs++;
    return ok(undefined);
  }
}
