/**
 * Simulated time in nanoseconds (bigint, never wall-clock), owned by one Kernel instance.
 * Timed waits advance it; nothing reads the real clock, so runs are reproducible.
 */
export class SimClock {
  #now = 0n;
  readonly #timers: { at: bigint; seq: number; fire: () => void }[] = [];
  #seq = 0;

  get now(): bigint {
    return this.#now;
  }

  /** Schedule `fire` at absolute time `at` (ns). Returns a cancel function. */
  at(at: bigint, fire: () => void): () => void {
    const t = { at, seq: this.#seq++, fire };
    this.#timers.push(t);
    this.#timers.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
    return () => {
      const i = this.#timers.indexOf(t);
      if (i >= 0) this.#timers.splice(i, 1);
    };
  }

  /** Advance to `now + ns`, firing due timers in order. */
  advance(ns: bigint): void {
    const target = this.#now + ns;
    while (this.#timers.length > 0 && this.#timers[0]!.at <= target) {
      const t = this.#timers.shift()!;
      this.#now = t.at;
      t.fire();
    }
    this.#now = target;
  }

  /** Absolute time of the earliest pending timer, or undefined when none is pending. */
  get nextDue(): bigint | undefined {
    return this.#timers[0]?.at;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }
}
