/**
 * `dma_fence_unwrap` (spec §2.1.8 rules 3–4): iterate the leaf fences behind chains and arrays
 * (chain → array → leaf, as the kernel's cursor does), and merge several fences into the smallest
 * equivalent one: signalled leaves dropped, one fence per context (the latest), sorted by context.
 */
import { dmaFenceArrayCreate, toArray } from './array.js';
import { chainContained, dmaFenceChainWalk } from './chain.js';
import type { DmaFence } from './fence.js';
import { seqnoCompareLaterFirst } from './seqno.js';
import type { FenceSystem } from './system.js';

/** `dma_fence_is_container`: an array or a chain node. */
export const isContainer = (fence: DmaFence): boolean => fence.container !== undefined;

/**
 * `dma_fence_unwrap_for_each(fence, &cursor, head)`: yields leaf fences (borrowed: no reference is
 * handed out). Walking the chain garbage-collects signalled links, as in the kernel.
 */
export function* dmaFenceUnwrap(head: DmaFence): Generator<DmaFence, void, undefined> {
  let chain: DmaFence | null = head.get();
  try {
    while (chain) {
      const inner = chainContained(chain);
      const arr = toArray(inner);
      if (arr) yield* arr.fences;
      else yield inner;
      chain = dmaFenceChainWalk(chain);
    }
  } finally {
    chain?.put();
  }
}

/**
 * `dma_fence_unwrap_merge(...)`: a new reference to — a private stub (signalled, timestamp of the
 * latest signalled leaf) if no unsignalled leaf remains; the single remaining fence; or a new
 * signal-on-all array (fresh context, seqno 1) of the latest fence per context, sorted by context.
 * The inputs' references stay with the caller.
 */
export function dmaFenceUnwrapMerge(sys: FenceSystem, ...fences: DmaFence[]): DmaFence {
  const pending: DmaFence[] = [];
  let timestamp = 0n;
  for (const f of fences) {
    for (const leaf of dmaFenceUnwrap(f)) {
      if (!leaf.isSignaled()) pending.push(leaf.get());
      else if ((leaf.timestamp ?? 0n) > timestamp) timestamp = leaf.timestamp ?? 0n;
    }
  }
  if (pending.length === 0) return sys.allocatePrivateStub(timestamp);
  if (pending.length === 1) return pending[0]!;
  pending.sort((a, b) =>
    a.context < b.context
      ? -1
      : a.context > b.context
        ? 1
        : seqnoCompareLaterFirst(a.seqno, b.seqno, a.seqno64),
  );
  const kept: DmaFence[] = [];
  for (const f of pending) {
    if (kept.length === 0 || kept[kept.length - 1]!.context !== f.context) kept.push(f);
    else f.put();
  }
  if (kept.length === 1) return kept[0]!;
  return dmaFenceArrayCreate(sys, kept, sys.contextAlloc(1), 1n, false);
}
