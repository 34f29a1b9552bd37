/**
 * Conformance: kernel dma_fence_chain tests (drivers/dma-buf/st-dma-fence-chain.c), spec §2.4.4.
 * Threads become deterministic interleavings; "waits" advance the SimClock to scheduled signals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainContained, dmaFenceChainCreate, dmaFenceChainFindSeqno, toChain } from './chain.js';
import type { DmaFence } from './fence.js';
import type { FenceSystem } from './system.js';
import { assertClean, type Harness, makeHarness } from './testing/harness.js';

const CHAIN_SZ = 4096;

interface FenceChains {
  chains: DmaFence[];
  fences: DmaFence[];
  tail: DmaFence;
}

/** fence_chains_init: link i holds mock fence i with seqno `seqnoOf(i)`; we keep our own refs. */
function fenceChainsInit(
  sys: FenceSystem,
  count: number,
  seqnoOf: (i: number) => bigint,
): FenceChains {
  const chains: DmaFence[] = [];
  const fences: DmaFence[] = [];
  for (let i = 0; i < count; i++) {
    const f = sys.mockFence();
    const prev = i > 0 ? chains[i - 1]!.get() : null;
    const c = dmaFenceChainCreate(sys, prev, f.get(), seqnoOf(i));
    c.enableSwSignaling();
    fences.push(f);
    chains.push(c);
  }
  return { chains, fences, tail: chains[count - 1]! };
}

/** fence_chains_fini: signal everything, drop our references; the system must be empty again. */
function fenceChainsFini(h: Harness, fc: FenceChains): void {
  for (const f of fc.fences) if (!f.signaledFlag) f.signal();
  for (const c of fc.chains) c.put();
  for (const f of fc.fences) f.put();
  assertClean(h);
}

/** find_seqno from a new reference to `from`; returns the found link (reference dropped). */
function find(from: DmaFence, seqno: bigint): { ok: boolean; fence: DmaFence | null } {
  const r = dmaFenceChainFindSeqno(from.get(), seqno);
  if (!r.ok) {
    from.put();
    return { ok: false, fence: null };
  }
  r.value?.put();
  return { ok: true, fence: r.value };
}

const inc = (i: number): bigint => BigInt(i + 1);

/** Deterministic PRNG (mulberry32) for the "random" cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('dma-buf fence-chain (st-dma-fence-chain)', () => {
  test('sanitycheck: one-link chain on a mock fence, signal, drop', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence();
    const chain = dmaFenceChainCreate(h.sys, null, f.get(), 1n);
    chain.enableSwSignaling();
    f.signal();
    assert.equal(chain.isSignaled(), true);
    chain.put();
    f.put();
    assert.equal(h.sys.liveObjects().fences, 0);
  });

  test('find_seqno: 64 links, find from the head and from each link', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 64, inc);
    const zero = dmaFenceChainFindSeqno(fc.tail.get(), 0n);
    assert.ok(zero.ok && zero.value === fc.tail, 'find_seqno(0) leaves the fence unchanged');
    fc.tail.put();
    for (let i = 0; i < 64; i++) {
      assert.equal(
        find(fc.tail, BigInt(i + 1)).fence,
        fc.chains[i],
        `find_seqno(${i + 1}) from head`,
      );
      assert.equal(find(fc.chains[i]!, BigInt(i + 1)).fence, fc.chains[i], 'find self');
      assert.equal(find(fc.chains[i]!, BigInt(i + 2)).ok, false, 'future seqno is an error');
      const back = find(fc.chains[i]!, BigInt(i));
      assert.ok(back.ok);
      if (i > 0) assert.equal(back.fence, fc.chains[i - 1], `find_seqno(${i}) from link ${i}`);
    }
    fenceChainsFini(h, fc);
  });

  test('find_signaled: first fence signalled → NULL or link 0', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 2, inc);
    fc.fences[0]!.signal();
    const r = find(fc.tail, 1n);
    assert.ok(r.ok);
    assert.ok(r.fence === null || r.fence === fc.chains[0]);
    fenceChainsFini(h, fc);
  });

  test('find_out_of_order: middle of 1-2-3 signalled, seqno 2 → link 0', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 3, inc);
    fc.fences[1]!.signal();
    const r = find(fc.tail, 2n);
    assert.ok(r.ok);
    assert.equal(r.fence, fc.chains[0]);
    fenceChainsFini(h, fc);
  });

  test('find_gap: seqnos 2,4,6…; odd and even searches return the covering link', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 64, (i) => BigInt(2 * i + 2));
    for (let i = 0; i < 64; i++) {
      assert.equal(find(fc.tail, BigInt(2 * i + 1)).fence, fc.chains[i], `seqno ${2 * i + 1}`);
      assert.equal(find(fc.tail, BigInt(2 * i + 2)).fence, fc.chains[i], `seqno ${2 * i + 2}`);
    }
    fenceChainsFini(h, fc);
  });

  test('find_race: interleaved searches and signals all terminate with a valid answer', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, CHAIN_SZ, inc);
    const rnd = prng(0x5eed);
    let completed = 0;
    for (let step = 0; step < 20_000; step++) {
      if (rnd() < 0.3) {
        const f = fc.fences[Math.floor(rnd() * CHAIN_SZ)]!;
        if (!f.signaledFlag) f.signal();
        continue;
      }
      const seqno = BigInt(1 + Math.floor(rnd() * CHAIN_SZ));
      const r = find(fc.tail, seqno);
      assert.ok(r.ok);
      if (r.fence) {
        // Either the link covering seqno, or an earlier unsignalled link to wait on instead.
        const covers = r.fence.seqno >= seqno && toChain(r.fence)!.prevSeqno < seqno;
        const earlierPending = r.fence.seqno < seqno && !chainContained(r.fence).isSignaled();
        assert.ok(covers || earlierPending, `find_seqno(${seqno}) → ${r.fence.seqno}`);
      } else {
        // NULL: everything up to seqno has signalled.
        assert.ok(fc.fences.slice(0, Number(seqno)).every((f) => f.signaledFlag));
      }
      completed++;
    }
    assert.ok(completed > 0);
    fenceChainsFini(h, fc);
  });

  test('signal_forward: link i signals with fence i, link i+1 not yet', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 64, inc);
    for (let i = 0; i < 64; i++) {
      fc.fences[i]!.signal();
      assert.equal(fc.chains[i]!.isSignaled(), true, `link ${i}`);
      if (i + 1 < 64) assert.equal(fc.chains[i + 1]!.isSignaled(), false, `link ${i + 1}`);
    }
    fenceChainsFini(h, fc);
  });

  test('signal_backward: no link signals before fence 0, then all do', () => {
    const h = makeHarness({ strict: true });
    const fc = fenceChainsInit(h.sys, 64, inc);
    for (let i = 63; i >= 0; i--) {
      fc.fences[i]!.signal();
      if (i > 0) assert.equal(fc.chains[i]!.isSignaled(), false, `link ${i} before link 0`);
    }
    for (const c of fc.chains) assert.equal(c.isSignaled(), true);
    fenceChainsFini(h, fc);
  });

  const waitCase = (name: string, order: (n: number) => number[]) =>
    test(`${name}: waiting on the tail completes only after every fence signalled`, () => {
      const h = makeHarness({ strict: true });
      const fc = fenceChainsInit(h.sys, CHAIN_SZ, inc);
      for (const [t, idx] of order(CHAIN_SZ).entries()) fc.fences[idx]!.signalAt(BigInt(t + 1));
      assert.deepEqual(fc.tail.wait(false), { ok: true, value: 0n });
      assert.equal(h.clock.now, BigInt(CHAIN_SZ), 'woke at the last signal');
      for (const f of fc.fences) assert.equal(f.signaledFlag, true);
      fenceChainsFini(h, fc);
    });
  waitCase('wait_forward', (n) => Array.from({ length: n }, (_, i) => i));
  waitCase('wait_backward', (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  waitCase('wait_random', (n) => {
    const p = Array.from({ length: n }, (_, i) => i);
    const rnd = prng(42);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  });
});
