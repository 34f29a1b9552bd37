/**
 * `struct dma_resv_iter` for unlocked (RCU) iteration (spec §2.3 rule 7): holds a reference on the
 * current fence, skips signalled fences and fences of a weaker usage, and restarts from the first
 * slot when the object was written since the walk began; `isRestarted` is true on the first fence
 * after a (re)start — callers accumulating results must discard them then.
 */
import type { DmaFence } from './fence.js';
import type { DmaResv, ResvSlot } from './resv.js';
import type { DmaResvUsage } from './types.js';

export class DmaResvIter {
  readonly resv: DmaResv;
  readonly usage: DmaResvUsage;
  /** Current fence (referenced by the cursor), or null at the end. */
  fence: DmaFence | null = null;
  /** Usage of the current fence's slot. */
  fenceUsage: DmaResvUsage = 0;
  isRestarted = false;
  #list: readonly ResvSlot[] | null = null;
  #num = 0;
  #index = 0;
  #seq = -1;

  /** `dma_resv_iter_begin(cursor, obj, usage)`. */
  constructor(resv: DmaResv, usage: DmaResvUsage) {
    this.resv = resv;
    this.usage = usage;
  }

  /** `dma_resv_iter_first_unlocked`. */
  first(): DmaFence | null {
    this.#restart();
    this.#walk();
    return this.fence;
  }

  /** `dma_resv_iter_next_unlocked`: restarts first if the object changed. */
  next(): DmaFence | null {
    this.isRestarted = false;
    if (this.resv.seq !== this.#seq) this.#restart();
    this.#walk();
    return this.fence;
  }

  /** Test hook: make the next `next()` restart, as if a writer raced with us. */
  forceRestart(): void {
    this.#seq = -1;
  }

  /** `dma_resv_iter_end`: drop the cursor's reference. */
  end(): void {
    this.fence?.put();
    this.fence = null;
  }

  #restart(): void {
    this.#seq = this.resv.seq;
    this.#index = 0;
    this.#list = this.resv.listRaw;
    this.#num = this.#list?.length ?? 0;
    this.isRestarted = true;
  }

  #walk(): void {
    const list = this.#list;
    if (!list) return;
    for (;;) {
      this.fence?.put();
      this.fence = null;
      if (this.#index >= this.#num) return;
      const slot = list[this.#index++]!;
      this.fenceUsage = slot.usage;
      this.fence = slot.fence.tryGet();
      if (!this.fence) return;
      if (!this.fence.isSignaled() && this.usage >= slot.usage) return;
    }
  }
}
