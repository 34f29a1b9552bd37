/** dma_resv rules (spec §2.2–2.3, §7 rules 34–35) beyond the kernel self-tests. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KernelBug, unwrap } from '../core/index.js';
import { dmaFenceArrayCreate, toArray } from './array.js';
import { DmaResv, resvListCapacity } from './resv.js';
import { makeHarness, rules } from './testing/harness.js';
import { DMA_RESV_USAGE as U } from './types.js';

const locked = (h: ReturnType<typeof makeHarness>, n = 1) => {
  const resv = new DmaResv(h.sys);
  unwrap(resv.lock());
  unwrap(resv.reserveFences(n));
  return resv;
};

describe('dma_resv reserve/add', () => {
  test('list capacity follows kmalloc buckets: max 4 → 5 slots, 8 → 9, 16 → 21', () => {
    // 24-byte header + 8 bytes/slot: 56→64 B, 88→96 B, 152→192 B.
    assert.deepEqual([4, 8, 16].map(resvListCapacity), [5, 9, 21]);
  });

  test('add without any reserve is an oops; beyond the reservation is BUG_ON', () => {
    const h = makeHarness();
    const resv = new DmaResv(h.sys);
    unwrap(resv.lock());
    assert.throws(
      () => resv.addFence(h.sys.mockFence(), U.WRITE),
      (e: KernelBug) => e.rule === 'resv.add.no-list',
    );
    unwrap(resv.reserveFences(1));
    for (let i = 0; i < resv.maxFences; i++) resv.addFence(h.sys.mockFence(), U.READ);
    assert.throws(
      () => resv.addFence(h.sys.mockFence(), U.READ),
      (e: KernelBug) => e.rule === 'resv.add.no-reservation',
    );
  });

  test('CONFIG_DEBUG_MUTEXES: a reservation does not survive unlock', () => {
    for (const debugMutexes of [true, false]) {
      const h = makeHarness({ debugMutexes });
      const resv = locked(h, 2);
      resv.addFence(h.sys.mockFence(), U.WRITE);
      resv.unlock();
      unwrap(resv.lock());
      const add = () => resv.addFence(h.sys.mockFence(), U.WRITE);
      if (debugMutexes) assert.throws(add, KernelBug);
      else assert.doesNotThrow(add);
    }
  });

  test('reserve/add without the lock → LOCKDEP; adding a container → WARN (still added)', () => {
    const h = makeHarness();
    const resv = new DmaResv(h.sys);
    resv.reserveFences(1);
    assert.deepEqual(rules(h.log), ['resv.assert-held']);
    unwrap(resv.lock());
    unwrap(resv.reserveFences(1));
    const arr = dmaFenceArrayCreate(h.sys, [h.sys.mockFence()], h.sys.contextAlloc(1), 1n, false);
    resv.addFence(arr, U.READ);
    assert.deepEqual(rules(h.log), ['resv.assert-held', 'resv.add.container']);
    assert.equal(resv.numFences, 1);
  });

  test('same-context rule: promotion, no demotion, newer replaces, older appends, signalled recycled', () => {
    const h = makeHarness();
    const ctx = h.sys.contextAlloc(1);
    const f = (s: bigint) => h.sys.mockFence(s, ctx);
    const resv = locked(h, 4);
    resv.addFence(f(1n), U.READ);
    resv.addFence(f(2n), U.WRITE); // WRITE replaces the READ of the same context
    assert.deepEqual(
      resv.listRaw!.map((s) => [s.fence.seqno, s.usage]),
      [[2n, U.WRITE]],
    );
    resv.addFence(f(3n), U.READ); // READ never replaces WRITE
    assert.equal(resv.numFences, 2);
    resv.addFence(f(4n), U.WRITE); // replaces the first slot (same ctx, WRITE ≥ WRITE, later)
    assert.deepEqual(
      resv.listRaw!.map((s) => s.fence.seqno),
      [4n, 3n],
    );
    resv.addFence(f(1n), U.WRITE); // older than slot 0 and slot 1 is READ: appended
    assert.equal(resv.numFences, 3);
    resv.listRaw![1]!.fence.signal();
    resv.addFence(h.sys.mockFence(), U.BOOKKEEP); // recycles the signalled slot
    assert.equal(resv.numFences, 3);
    assert.equal(resv.listRaw![1]!.usage, U.BOOKKEEP);
  });

  test('re-adding the identical fence keeps one slot', () => {
    const h = makeHarness();
    const resv = locked(h, 2);
    const f = h.sys.mockFence();
    resv.addFence(f, U.WRITE);
    resv.addFence(f, U.WRITE);
    assert.equal(resv.numFences, 1);
    assert.equal(f.refcount, 2);
  });

  test('reserve drops signalled fences when it reallocates', () => {
    const h = makeHarness({ debugMutexes: false });
    const resv = locked(h, 1);
    const fs = Array.from({ length: 5 }, () => h.sys.mockFence());
    for (const f of fs) resv.addFence(f, U.READ);
    fs[0]!.signal();
    fs[2]!.signal();
    unwrap(resv.reserveFences(1)); // 5 + 1 > 5 → new list
    assert.equal(resv.numFences, 3);
    assert.equal(fs[0]!.refcount, 1, 'the list dropped its reference');
  });

  test('replace_fences swaps every slot of a context', () => {
    const h = makeHarness();
    const ctx = h.sys.contextAlloc(1);
    const resv = locked(h, 3);
    resv.addFence(h.sys.mockFence(1n, ctx), U.BOOKKEEP);
    resv.addFence(h.sys.mockFence(), U.READ);
    const pt = h.sys.mockFence();
    resv.replaceFences(ctx, pt, U.KERNEL);
    assert.equal(resv.listRaw![0]!.fence, pt);
    assert.equal(resv.listRaw![0]!.usage, U.KERNEL);
    assert.equal(pt.refcount, 2);
  });
});

describe('dma_resv queries', () => {
  test('a usage query includes every stronger usage', () => {
    const h = makeHarness();
    const resv = locked(h, 4);
    for (const u of [U.BOOKKEEP, U.READ, U.WRITE, U.KERNEL]) resv.addFence(h.sys.mockFence(), u);
    const seen = (u: 0 | 1 | 2 | 3) => [...resv.fences(u)].map((s) => s.usage);
    assert.deepEqual(seen(U.KERNEL), [U.KERNEL]);
    assert.deepEqual(seen(U.WRITE), [U.WRITE, U.KERNEL]);
    assert.deepEqual(seen(U.READ), [U.READ, U.WRITE, U.KERNEL]);
    assert.equal(seen(U.BOOKKEEP).length, 4);
    assert.equal(resv.getFences(U.WRITE).length, 2);
  });

  test('get_singleton: null, the fence, or a new array (fresh context, seqno 1)', () => {
    const h = makeHarness();
    const resv = locked(h, 2);
    assert.deepEqual(resv.getSingleton(U.BOOKKEEP), { ok: true, value: null });
    const [a, b] = [h.sys.mockFence(), h.sys.mockFence()];
    resv.addFence(a, U.WRITE);
    assert.equal(unwrap(resv.getSingleton(U.BOOKKEEP)), a);
    resv.addFence(b, U.READ);
    const s = unwrap(resv.getSingleton(U.READ))!;
    assert.deepEqual(toArray(s)?.fences, [a, b]);
    assert.equal(s.seqno, 1n);
    a.signal();
    assert.equal(s.isSignaled(), false);
    b.signal();
    assert.equal(s.isSignaled(), true);
  });

  test('unlocked iteration restarts when a writer changed the list', () => {
    const h = makeHarness();
    const resv = locked(h, 3);
    resv.addFence(h.sys.mockFence(), U.READ);
    const it = resv.iterUnlocked(U.BOOKKEEP);
    assert.ok(it.first());
    resv.addFence(h.sys.mockFence(), U.READ);
    it.next();
    assert.equal(it.isRestarted, true);
    it.end();
  });

  test('copy_fences copies unsignalled fences with their usages', () => {
    const h = makeHarness();
    const src = locked(h, 3);
    const dst = locked(h, 1);
    dst.addFence(h.sys.mockFence(), U.WRITE);
    const [a, b, c] = [h.sys.mockFence(), h.sys.mockFence(), h.sys.mockFence()];
    src.addFence(a, U.KERNEL);
    src.addFence(b, U.BOOKKEEP);
    src.addFence(c, U.READ);
    b.signal();
    unwrap(dst.copyFences(src));
    assert.deepEqual(
      dst.listRaw!.map((s) => [s.fence, s.usage]),
      [
        [a, U.KERNEL],
        [c, U.READ],
      ],
    );
  });

  test('wait_timeout passes the remaining time along; timeout 0 polls', () => {
    const h = makeHarness();
    const resv = locked(h, 3);
    const [a, b] = [h.sys.mockFence(), h.sys.mockFence()];
    resv.addFence(a, U.WRITE);
    resv.addFence(b, U.BOOKKEEP);
    resv.unlock();
    a.signalAt(100n);
    b.signalAt(300n);
    // timeout 0 with a pending fence waits 1 ns (the kernel passes 1 jiffy on) and times out.
    assert.deepEqual(resv.waitTimeout(U.BOOKKEEP, false, 0n), { ok: true, value: 0n });
    assert.equal(h.clock.now, 1n);
    assert.deepEqual(resv.waitTimeout(U.WRITE, false, 1000n), { ok: true, value: 901n });
    assert.equal(h.clock.now, 100n);
    assert.deepEqual(resv.waitTimeout(U.BOOKKEEP, false, 1000n), { ok: true, value: 800n });
    assert.deepEqual(resv.waitTimeout(U.BOOKKEEP, false, 0n), { ok: true, value: 1n });
  });

  test('describe lists fences up to READ as "context:seqno timeline driver"', () => {
    const h = makeHarness();
    const resv = locked(h, 2);
    const f = h.sys.mockFence(7n);
    resv.addFence(f, U.WRITE);
    resv.addFence(h.sys.mockFence(), U.BOOKKEEP);
    assert.deepEqual(resv.describe(), [
      { usage: U.WRITE, desc: `${f.context}:7 mock mock`, signaled: false },
    ]);
  });
});

describe('dma_resv ww-mutex', () => {
  test('-EALREADY for the same context, -EDEADLK for a younger context holding locks, lock_slow', () => {
    const h = makeHarness();
    const [r1, r2] = [new DmaResv(h.sys), new DmaResv(h.sys)];
    const old = r1.acquireCtx();
    const young = r1.acquireCtx();
    unwrap(r1.lock(old));
    assert.equal(r1.lock(old).ok ? 0 : (r1.lock(old) as { errno: string }).errno, 'EALREADY');
    unwrap(r2.lock(young));
    const d = r1.lock(young);
    assert.equal(!d.ok && d.errno, 'EDEADLK');
    r2.unlock(); // back off
    r1.unlock(); // the older transaction finishes
    unwrap(r1.lockSlow(young));
    unwrap(r2.lock(young));
    young.done();
    r1.unlock();
    r2.unlock();
    young.fini();
    old.fini();
    assert.equal(h.log.all.length, 0);
    assert.equal(h.sys.liveObjects().lockedResvs, 0);
  });

  test('taking the lock twice without a context self-deadlocks (LOCKDEP + BUG); -EINTR if interruptible', () => {
    const h = makeHarness();
    const resv = new DmaResv(h.sys);
    unwrap(resv.lock());
    assert.equal(resv.trylock(), false);
    h.sys.signalPending = true;
    const r = resv.lockInterruptible();
    assert.equal(!r.ok && r.errno, 'EINTR');
    assert.throws(
      () => resv.lock(),
      (e: KernelBug) => e.rule === 'resv.lock.deadlock',
    );
    assert.deepEqual(rules(h.log), ['resv.lock.recursive']);
  });

  test('unlock of an unlocked resv and fini of a locked one warn; acquire_fini with locks held warns', () => {
    const h = makeHarness();
    const resv = new DmaResv(h.sys);
    resv.unlock();
    const ctx = resv.acquireCtx();
    unwrap(resv.lock(ctx));
    ctx.fini();
    resv.fini();
    assert.deepEqual(rules(h.log), ['resv.unlock.not-locked', 'ww.fini.held', 'resv.fini.locked']);
  });
});
