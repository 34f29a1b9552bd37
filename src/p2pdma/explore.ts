/**
 * Run a deterministic computation under every resolution of the facts it actually consults.
 * A consulted unknown fact forks the run (true / false); facts never consulted never fork, so a
 * missing fact that does not matter for a pair cannot make its answer uncertain.
 */
import type { Bdf } from '../pci/bdf.js';
import type { FactKind } from './types.js';

export interface FactRef {
  readonly key: string;
  readonly fact: FactKind;
  readonly devices: readonly Bdf[];
}

/** Returns a known fact as is; resolves an unknown one from the current branch. */
export type Ask = (ref: FactRef, known: boolean | 'unknown') => boolean;

class NeedFact {
  constructor(readonly ref: FactRef) {}
}

export interface Branch<T> {
  readonly value: T;
  /** The unknown facts this branch assumed, in the order they were consulted. */
  readonly assumed: readonly (FactRef & { readonly value: boolean })[];
}

const MAX_BRANCHES = 1024;

export function explore<T>(run: (ask: Ask) => T): Branch<T>[] {
  const out: Branch<T>[] = [];
  const todo: Map<string, FactRef & { value: boolean }>[] = [new Map()];
  while (todo.length > 0) {
    const assign = todo.pop()!;
    const ask: Ask = (ref, known) => {
      if (known !== 'unknown') return known;
      const got = assign.get(ref.key);
      if (got !== undefined) return got.value;
      throw new NeedFact(ref);
    };
    try {
      out.push({ value: run(ask), assumed: [...assign.values()] });
    } catch (e) {
      if (!(e instanceof NeedFact)) throw e;
      if (out.length + todo.length > MAX_BRANCHES)
        throw new Error('too many unknown facts to explore');
      // Push false first so the `true` branch is explored first (stable, deterministic order).
      for (const value of [false, true])
        todo.push(new Map(assign).set(e.ref.key, { ...e.ref, value }));
    }
  }
  return out;
}
