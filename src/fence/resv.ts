/**
 * `struct dma_resv` (spec §2.2–2.3): a ww-mutex plus a list of (fence, usage) slots. Writers hold
 * the lock and reserve slots before adding (BUG otherwise); readers iterate unlocked with a cursor
 * that restarts when the list changed. Fence lists are replaced, never grown in place, like the
 * kernel's RCU-published `dma_resv_list` (capacity rounded to the kmalloc bucket).
 */

import { type KResult, ok } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import { dmaFenceArrayCreate } from './array.js';
import type { DmaFence } from './fence.js';
import { DmaResvIter } from './resv-iter.js';
import type { FenceSystem } from './system.js';
import { DMA_RESV_USAGE, type DmaResvUsage } from './types.js';
import { WwAcquireCtx, WwMutex } from './ww.js';

/** One slot of the fence list. */
export interface ResvSlot {
  readonly fence: DmaFence;
  readonly usage: DmaResvUsage;
}

/** Slots a `dma_resv_list` of `max` entries really holds: header 24 B + 8 B/slot, kmalloc-rounded. */
export function resvListCapacity(max: number): number {
  const bytes = 24 + 8 * max;
  const buckets = [32, 64, 96, 128, 192];
  let size = buckets.find((b) => bytes <= b) ?? 256;
  while (size < bytes) size *= 2;
  return Math.floor((size - 24) / 8);
}

const roundupPow2 = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

export class DmaResv {
  readonly sys: FenceSystem;
  readonly id: number;
  readonly mutex: WwMutex;
  #list: ResvSlot[] | null = null;
  #max = 0;
  #seq = 0;
  #dead = false;

  /** `dma_resv_init`. */
  constructor(sys: FenceSystem) {
    this.sys = sys;
    this.id = sys.nextId();
    this.mutex = new WwMutex(sys, `resv#${this.id}`);
    sys.live.resvs++;
  }

  // ---- locking (spec §2.3 rule 2, §1.11) ---------------------------------------------------

  /** A new `ww_acquire_ctx` for this system's reservation class. */
  acquireCtx(): WwAcquireCtx {
    return new WwAcquireCtx(this.sys);
  }
  /** `dma_resv_lock(obj, ctx)`: 0, -EALREADY (ctx holds it), -EDEADLK (back off). */
  lock(ctx: WwAcquireCtx | null = null): KResult<void> {
    return this.mutex.lock(ctx, false);
  }
  /** `dma_resv_lock_interruptible`: also -EINTR when a signal is pending and it would sleep. */
  lockInterruptible(ctx: WwAcquireCtx | null = null): KResult<void> {
    return this.mutex.lock(ctx, true);
  }
  /** `dma_resv_lock_slow` after -EDEADLK. */
  lockSlow(ctx: WwAcquireCtx): KResult<void> {
    return this.mutex.lockSlow(ctx, false);
  }
  /** `dma_resv_trylock`. */
  trylock(): boolean {
    return this.mutex.trylock();
  }
  /** `dma_resv_unlock`; with CONFIG_DEBUG_MUTEXES the reservation shrinks to the fence count. */
  unlock(): void {
    if (this.sys.debugMutexes && this.mutex.holder !== null && this.#list) {
      this.#max = this.#list.length;
    }
    this.mutex.unlock();
  }
  get isLocked(): boolean {
    return this.mutex.holder !== null;
  }
  /** `dma_resv_assert_held`: LOCKDEP violation when not held. Returns whether it is held. */
  assertHeld(where = 'dma_resv_assert_held'): boolean {
    if (this.isLocked) return true;
    this.sys.log.report(
      'LOCKDEP',
      RULE.resvAssertHeld,
      `${where}: reservation lock of resv#${this.id} not held`,
    );
    return false;
  }

  // ---- list state ----------------------------------------------------------------------------

  get numFences(): number {
    return this.#list?.length ?? 0;
  }
  /** Slots available without a new `reserveFences` (0 when no list was ever allocated). */
  get maxFences(): number {
    return this.#max;
  }
  /** @internal write sequence count (unlocked iterators restart when it moved). */
  get seq(): number {
    return this.#seq;
  }
  /** @internal the currently published list (treated as immutable by readers). */
  get listRaw(): readonly ResvSlot[] | null {
    return this.#list;
  }

  /** `dma_resv_reserve_fences(obj, n)` (lock held): room for `n` more `addFence` calls. */
  reserveFences(n: number): KResult<void> {
    this.assertHeld('dma_resv_reserve_fences');
    const old = this.#list;
    let max: number;
    if (old && this.#max > 0) {
      if (old.length + n <= this.#max) return ok(undefined);
      max = Math.max(old.length + n, this.#max * 2);
    } else {
      max = Math.max(4, roundupPow2(n));
    }
    const kept: ResvSlot[] = [];
    const dropped: DmaFence[] = [];
    for (const slot of old ?? []) {
      if (slot.fence.isSignaled()) dropped.push(slot.fence);
      else kept.push(slot);
    }
    this.#list = kept;
    this.#max = resvListCapacity(max);
    for (const f of dropped) f.put();
    return ok(undefined);
  }

  /**
   * `dma_resv_add_fence(obj, fence, usage)` (lock held): takes a reference. Overwrites the first
   * slot with the same context, an equal-or-weaker usage and an older-or-same fence, or any slot
   * whose fence signalled; else appends (no room → BUG). A container → WARN (still added).
   */
  addFence(fence: DmaFence, usage: DmaResvUsage): void {
    fence.get();
    this.assertHeld('dma_resv_add_fence');
    if (fence.container) {
      this.sys.log.report(
        'WARN',
        RULE.resvAddContainer,
        `dma_resv_add_fence: container ${fence.describe()}`,
      );
    }
    const list = this.#list;
    if (list === null) {
      this.sys.log.bug(
        RULE.resvAddNoList,
        'NULL pointer dereference in dma_resv_add_fence: no reserve_fences',
      );
    }
    this.#seq++;
    for (const [i, old] of list.entries()) {
      const same =
        old.fence.context === fence.context && old.usage >= usage && fence.isLaterOrSame(old.fence);
      if (same || old.fence.isSignaled()) {
        list[i] = { fence, usage };
        this.#seq++;
        old.fence.put();
        return;
      }
    }
    if (list.length >= this.#max) {
      this.sys.log.bug(
        RULE.resvAddNoReservation,
        'BUG_ON(num_fences >= max_fences): dma_resv_add_fence without reserve_fences',
      );
    }
    list.push({ fence, usage });
    this.#seq++;
  }

  /** `dma_resv_replace_fences(obj, context, replacement, usage)` (lock held). */
  replaceFences(context: bigint, replacement: DmaFence, usage: DmaResvUsage): void {
    this.assertHeld('dma_resv_replace_fences');
    const list = this.#list ?? [];
    this.#seq++;
    for (const [i, old] of list.entries()) {
      if (old.fence.context !== context) continue;
      list[i] = { fence: replacement.get(), usage };
      old.fence.put();
    }
    this.#seq++;
  }

  // ---- iteration and queries -------------------------------------------------------------------

  /** `dma_resv_for_each_fence` (lock held): slots with usage ≤ `usage`, signalled ones included. */
  *fences(usage: DmaResvUsage): Generator<ResvSlot, void, undefined> {
    this.assertHeld('dma_resv_iter_first');
    for (let i = 0; this.#list && i < this.#list.length; i++) {
      const slot = this.#list[i]!;
      if (slot.usage <= usage) yield slot;
    }
  }

  /** A `dma_resv_for_each_fence_unlocked` cursor (call `first()`, `next()`, `end()`). */
  iterUnlocked(usage: DmaResvUsage): DmaResvIter {
    return new DmaResvIter(this, usage);
  }

  /** Unlocked iteration as a generator; references are managed for you. */
  *forEachUnlocked(usage: DmaResvUsage): Generator<DmaResvIter, void, undefined> {
    const it = new DmaResvIter(this, usage);
    try {
      for (let f = it.first(); f; f = it.next()) yield it;
    } finally {
      it.end();
    }
  }

  /** `dma_resv_get_fences`: new references to the unsignalled fences ≤ `usage`. */
  getFences(usage: DmaResvUsage): DmaFence[] {
    let out: DmaFence[] = [];
    for (const it of this.forEachUnlocked(usage)) {
      if (it.isRestarted) {
        for (const f of out) f.put();
        out = [];
      }
      out.push(it.fence!.get());
    }
    return out;
  }

  /** `dma_resv_get_singleton`: null, the one fence, or a new signal-on-all array (seqno 1). */
  getSingleton(usage: DmaResvUsage): KResult<DmaFence | null> {
    const fences = this.getFences(usage);
    if (fences.length === 0) return ok(null);
    if (fences.length === 1) return ok(fences[0]!);
    return ok(dmaFenceArrayCreate(this.sys, fences, this.sys.contextAlloc(1), 1n, false));
  }

  /** `dma_resv_copy_fences(dst=this, src)` (dst locked): dst's list := src's unsignalled fences. */
  copyFences(src: DmaResv): KResult<void> {
    this.assertHeld('dma_resv_copy_fences');
    let list: ResvSlot[] | null = null;
    for (const it of src.forEachUnlocked(DMA_RESV_USAGE.BOOKKEEP)) {
      if (it.isRestarted || list === null) {
        for (const s of list ?? []) s.fence.put();
        list = [];
      }
      list.push({ fence: it.fence!.get(), usage: it.fenceUsage });
    }
    const old = this.#list;
    this.#seq++;
    this.#list = list;
    this.#max = list ? resvListCapacity(list.length) : 0;
    this.#seq++;
    for (const s of old ?? []) s.fence.put();
    return ok(undefined);
  }

  /**
   * `dma_resv_wait_timeout(obj, usage, intr, timeout)`: waits for each unsignalled fence ≤ usage,
   * passing the remaining time on (timeout 0 → each wait gets 1 ns, as the kernel passes 1 jiffy).
   */
  waitTimeout(usage: DmaResvUsage, intr: boolean, timeout: bigint): KResult<bigint> {
    let ret = timeout === 0n ? 1n : timeout;
    for (const it of this.forEachUnlocked(usage)) {
      const r = it.fence!.waitTimeout(intr, ret);
      if (!r.ok || r.value <= 0n) return r;
      ret = r.value;
    }
    return ok(ret);
  }

  /** `dma_resv_test_signaled(obj, usage)`: every fence ≤ usage signalled. */
  testSignaled(usage: DmaResvUsage): boolean {
    for (const _ of this.forEachUnlocked(usage)) return false;
    return true;
  }

  /** `dma_resv_set_deadline`. */
  setDeadline(usage: DmaResvUsage, deadlineNs: bigint): void {
    for (const it of this.forEachUnlocked(usage)) it.fence!.setDeadline(deadlineNs);
  }

  /** `dma_resv_describe` data (lock held): fences up to READ, signalled ones included. */
  describe(): { usage: DmaResvUsage; desc: string; signaled: boolean }[] {
    return [...this.fences(DMA_RESV_USAGE.READ)].map((s) => ({
      usage: s.usage,
      desc: s.fence.describe(),
      signaled: s.fence.isSignaled(),
    }));
  }

  /** `dma_resv_fini`: drops every fence reference. Locked or twice → WARN. */
  fini(): void {
    if (this.#dead) {
      this.sys.log.report('WARN', RULE.resvFiniTwice, `dma_resv_fini twice on resv#${this.id}`);
      return;
    }
    if (this.isLocked)
      this.sys.log.report('WARN', RULE.resvFiniLocked, `dma_resv_fini of locked resv#${this.id}`);
    this.#dead = true;
    const list = this.#list ?? [];
    this.#list = null;
    this.#max = 0;
    for (const s of list) s.fence.put();
    this.sys.live.resvs--;
  }
}
