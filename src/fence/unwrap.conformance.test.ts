/**
 * Conformance: kernel dma_fence_unwrap tests (drivers/dma-buf/st-dma-fence-unwrap.c), spec §2.4.5.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dmaFenceArrayCreate } from './array.js';
import { dmaFenceChainCreate } from './chain.js';
import type { DmaFence } from './fence.js';
import type { FenceSystem } from './system.js';
import { type Harness, makeHarness } from './testing/harness.js';
import { dmaFenceUnwrap, dmaFenceUnwrapMerge } from './unwrap.js';

/** mock_array(f…): an array owning new references to the given fences. */
const mockArray = (sys: FenceSystem, ...fs: DmaFence[]): DmaFence =>
  dmaFenceArrayCreate(
    sys,
    fs.map((f) => f.get()),
    sys.contextAlloc(1),
    1n,
    false,
  );

/** mock_chain(prev, fence): a chain node with seqno 1 owning new references. */
const mockChain = (sys: FenceSystem, prev: DmaFence | null, f: DmaFence): DmaFence =>
  dmaFenceChainCreate(sys, prev?.get() ?? null, f.get(), 1n);

const leaves = (f: DmaFence): DmaFence[] => [...dmaFenceUnwrap(f)];

function done(h: Harness, ...fs: DmaFence[]): void {
  for (const f of fs) {
    if (!f.signaledFlag) f.signal();
  }
  for (const f of fs) f.put();
  assert.equal(h.sys.liveObjects().fences, 0, 'every fence released');
  assert.equal(h.sys.liveObjects().callbacks, 0);
  assert.equal(h.log.all.length, 0);
}

describe('dma-buf fence-unwrap (st-dma-fence-unwrap)', () => {
  test('sanitycheck: a fence wrapped in an array and a chain is visited', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence();
    f.enableSwSignaling();
    const array = mockArray(h.sys, f);
    const chain = mockChain(h.sys, null, array);
    assert.deepEqual(leaves(chain), [f]);
    done(h, f, array, chain);
  });

  test('unwrap_array: f1 then f2, each once', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const array = mockArray(h.sys, f1, f2);
    assert.deepEqual(leaves(array), [f1, f2]);
    done(h, f1, f2, array);
  });

  test('unwrap_chain: chain f1 → f2 visits both once', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const c1 = mockChain(h.sys, null, f1);
    const c2 = mockChain(h.sys, c1, f2);
    assert.deepEqual(new Set(leaves(c2)), new Set([f1, f2]));
    assert.equal(leaves(c2).length, 2);
    done(h, f1, f2, c1, c2);
  });

  test('unwrap_chain_array: chain link holding array(f1, f2) visits both once', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const array = mockArray(h.sys, f1, f2);
    const chain = mockChain(h.sys, null, array);
    assert.deepEqual(leaves(chain), [f1, f2]);
    done(h, f1, f2, array, chain);
  });

  test('unwrap_merge: merge(f1, f2, array(f1, f2)) is exactly f1 and f2', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const array = mockArray(h.sys, f1, f2);
    const merged = dmaFenceUnwrapMerge(h.sys, f1, f2, array);
    assert.deepEqual(leaves(merged), [f1, f2]);
    done(h, f1, f2, array, merged);
  });

  test('unwrap_merge_duplicate: merge(f1, f1) is f1', () => {
    const h = makeHarness({ strict: true });
    const f1 = h.sys.mockFence();
    const merged = dmaFenceUnwrapMerge(h.sys, f1, f1);
    assert.equal(merged, f1);
    done(h, f1, merged);
  });

  test('unwrap_merge_seqno: same context seqno 1 and 2 → only seqno 2', () => {
    const h = makeHarness({ strict: true });
    const ctx = h.sys.contextAlloc(1);
    const [f1, f2] = [h.sys.mockFence(1n, ctx), h.sys.mockFence(2n, ctx)];
    const merged = dmaFenceUnwrapMerge(h.sys, f1, f2);
    assert.equal(merged, f2);
    const reversed = dmaFenceUnwrapMerge(h.sys, f2, f1);
    assert.equal(reversed, f2);
    done(h, f1, f2, merged, reversed);
  });

  test('unwrap_merge_order: different input orders give the same context-sorted result', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const a1 = mockArray(h.sys, f1, f2);
    const a2 = mockArray(h.sys, f2, f1);
    const m1 = dmaFenceUnwrapMerge(h.sys, a1, a2);
    const m2 = dmaFenceUnwrapMerge(h.sys, a2, a1);
    assert.deepEqual(leaves(m1), [f1, f2]);
    assert.deepEqual(leaves(m2), [f1, f2]);
    done(h, f1, f2, a1, a2, m1, m2);
  });

  test('unwrap_merge_complex: nested merges with duplicates and a signalled stub → f1, f2', () => {
    const h = makeHarness({ strict: true });
    const [f1, f2] = [h.sys.mockFence(), h.sys.mockFence()];
    const f3 = dmaFenceUnwrapMerge(h.sys, f1, f2);
    const stub = h.sys.getStub();
    const f4 = dmaFenceUnwrapMerge(h.sys, stub, f2, f1);
    const chain = mockChain(h.sys, null, f3);
    const f5 = dmaFenceUnwrapMerge(h.sys, f4, chain, f3, stub);
    assert.deepEqual(leaves(f5), [f1, f2]);
    done(h, f1, f2, f3, stub, f4, chain, f5);
  });

  test('unwrap_merge_complex_seqno: only the latest fence per context survives', () => {
    const h = makeHarness({ strict: true });
    const [c0, c1] = [h.sys.contextAlloc(1), h.sys.contextAlloc(1)];
    const f1 = h.sys.mockFence(1n, c0);
    const f2 = h.sys.mockFence(2n, c0);
    const f3 = h.sys.mockFence(1n, c1);
    const f4 = h.sys.mockFence(2n, c1);
    const a1 = mockArray(h.sys, f1, f4);
    const chain = mockChain(h.sys, null, a1);
    const a2 = mockArray(h.sys, f3, f2);
    const merged = dmaFenceUnwrapMerge(h.sys, chain, a2);
    assert.deepEqual(leaves(merged), [f2, f4]);
    done(h, f1, f2, f3, f4, a1, chain, a2, merged);
  });

  test('test_dedup_empty: merging only signalled inputs returns a signalled stub', () => {
    const h = makeHarness({ strict: true });
    const f1 = h.sys.mockFence();
    f1.signalTimestamp(9n);
    const stub = h.sys.getStub();
    const merged = dmaFenceUnwrapMerge(h.sys, stub, f1);
    assert.equal(merged.isSignaled(), true);
    assert.equal(merged.timestamp, 9n, 'private stub with the latest leaf timestamp');
    done(h, f1, stub, merged);
  });
});
