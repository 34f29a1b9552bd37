/**
 * `dma_fence_chain` (spec §2.1.8 rule 2): timeline nodes (prev node, contained fence, seqno) with
 * 64-bit seqnos. A node signals when its fence and all earlier nodes did. Walking backwards
 * garbage-collects signalled predecessors, so fully signalled prefixes disappear.
 */
import { type KResult, kerr, ok } from '../core/index.js';
import { DmaFence } from './fence.js';
import { seqnoIsLater } from './seqno.js';
import type { FenceSystem } from './system.js';
import { DmaFenceCb, type DmaFenceOps, type FenceChainData } from './types.js';

/** The chain payload of `fence`, or undefined when it is not a chain node. */
export const toChain = (fence: DmaFence): FenceChainData | undefined =>
  fence.container?.kind === 'chain' ? fence.container : undefined;

/** `dma_fence_chain_contained`: the node's fence, or `fence` itself when it is not a node. */
export const chainContained = (fence: DmaFence): DmaFence => toChain(fence)?.fence ?? fence;

const getPrev = (data: FenceChainData): DmaFence | null => data.prev?.get() ?? null;

/**
 * `dma_fence_chain_walk(fence)`: consumes the caller's reference to `fence` and returns a new
 * reference to the next unsignalled predecessor (null at the end / for a non-chain fence),
 * unlinking signalled predecessors on the way.
 */
export function dmaFenceChainWalk(fence: DmaFence): DmaFence | null {
  const chain = toChain(fence);
  if (!chain) {
    fence.put();
    return null;
  }
  let prev: DmaFence | null;
  for (;;) {
    prev = getPrev(chain);
    if (!prev) break;
    const prevChain = toChain(prev);
    let replacement: DmaFence | null = null;
    if (prevChain) {
      if (!prevChain.fence.isSignaled()) break;
      replacement = getPrev(prevChain);
    } else if (!prev.isSignaled()) {
      break;
    }
    chain.prev = replacement; // the node now owns the replacement's reference
    prev.put(); // the node's old reference
    prev.put(); // ours
  }
  fence.put();
  return prev;
}

/** `dma_fence_chain_for_each(iter, head)`: yields head, then each unsignalled predecessor. */
export function* chainForEach(head: DmaFence): Generator<DmaFence, void, undefined> {
  let iter: DmaFence | null = head.get();
  try {
    while (iter) {
      yield iter;
      iter = dmaFenceChainWalk(iter);
    }
  } finally {
    iter?.put();
  }
}

function enableChainSignaling(head: DmaFence): boolean {
  const data = toChain(head)!;
  head.get();
  for (const link of chainForEach(head)) {
    const f = chainContained(link).get();
    const r = f.addCallback(data.cb, () => {
      // The kernel re-arms from irq_work; the model does it synchronously.
      if (!enableChainSignaling(head)) head.signal();
      head.put();
      f.put();
    });
    if (r.ok) return true; // leaving the loop puts `link`; head and f stay referenced
    f.put();
  }
  head.put();
  return false;
}

const CHAIN_OPS: DmaFenceOps = {
  driverName: 'dma_fence_chain',
  timelineName: 'unbound',
  enableSignaling: enableChainSignaling,
  signaled(head) {
    for (const link of chainForEach(head)) {
      if (!chainContained(link).isSignaled()) return false;
    }
    return true;
  },
  release(node) {
    const data = toChain(node)!;
    // Unlink predecessors we hold the last reference to, iteratively (no deep recursion).
    for (let prev = data.prev; prev; prev = data.prev) {
      const prevChain = toChain(prev);
      if (prev.refcount > 1 || !prevChain) break;
      data.prev = prevChain.prev;
      prevChain.prev = null;
      prev.put();
    }
    data.prev?.put();
    data.prev = null;
    data.fence.put();
  },
};

/**
 * `dma_fence_chain_init` on a new node: takes ownership of the `prev` and `fence` references.
 * Reuses prev's context when `seqno` is later than a chain `prev`; else a fresh context and a seqno
 * of at least prev's.
 */
export function dmaFenceChainCreate(
  sys: FenceSystem,
  prev: DmaFence | null,
  fence: DmaFence,
  seqno: bigint,
): DmaFence {
  const prevIsChain = prev !== null && toChain(prev) !== undefined;
  let context: bigint;
  let prevSeqno = 0n;
  let s = seqno;
  if (prev && prevIsChain && seqnoIsLater(seqno, prev.seqno, true)) {
    context = prev.context;
    prevSeqno = prev.seqno;
  } else {
    context = sys.contextAlloc(1);
    if (prev && prevIsChain && prev.seqno > s) s = prev.seqno;
  }
  const data: FenceChainData = { kind: 'chain', prev, fence, prevSeqno, cb: new DmaFenceCb() };
  return new DmaFence(sys, CHAIN_OPS, context, s, { seqno64: true, container: data });
}

/**
 * `dma_fence_chain_find_seqno(&fence, seqno)`. seqno 0 → ok(fence) unchanged. Not a chain node or
 * seqno beyond the node → `-EINVAL` (caller keeps its reference). Otherwise consumes the caller's
 * reference and returns a reference to the covering node, an earlier unsignalled node to wait on,
 * or null when everything up to `seqno` has signalled.
 */
export function dmaFenceChainFindSeqno(fence: DmaFence, seqno: bigint): KResult<DmaFence | null> {
  if (seqno === 0n) return ok(fence);
  if (!toChain(fence) || fence.seqno < seqno) {
    return kerr('EINVAL', `find_seqno(${seqno}) beyond ${fence.describe()} or not a chain`);
  }
  let iter: DmaFence | null = fence.get();
  while (iter) {
    const c = toChain(iter);
    if (!c || iter.context !== fence.context || c.prevSeqno < seqno) break;
    iter = dmaFenceChainWalk(iter);
  }
  fence.put();
  return ok(iter);
}
