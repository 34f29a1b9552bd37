/** dma_fence rules beyond the kernel self-tests (spec §2.1, §7 rules 36–39). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KernelBug } from '../core/index.js';
import { dmaFenceLater } from './fence.js';
import { makeHarness, NOTHING_LIVE, rules } from './testing/harness.js';
import { DmaFenceCb, MAX_SCHEDULE_TIMEOUT } from './types.js';
import { dmaFenceWaitAnyTimeout } from './wait.js';

describe('dma_fence contexts and ordering', () => {
  test('context_alloc hands out consecutive ids from 1, per system; n=0 warns', () => {
    const a = makeHarness();
    const b = makeHarness();
    assert.equal(a.sys.contextAlloc(3), 1n);
    assert.equal(a.sys.contextAlloc(1), 4n);
    assert.equal(b.sys.contextAlloc(1), 1n, 'no shared global counter');
    a.sys.contextAlloc(0);
    assert.deepEqual(rules(a.log), ['fence.context-alloc.zero']);
  });

  test('is_later: 32-bit wrap-around unless seqno64; cross-context warns and is false', () => {
    const { sys, log } = makeHarness();
    const ctx = sys.contextAlloc(1);
    const f = (s: bigint, seqno64 = false) =>
      sys.createFence({ driverName: 'd', timelineName: 't' }, ctx, s, { seqno64 });
    assert.equal(f(1n).isLater(f(0xffffffffn)), true, '1 is later than 0xFFFFFFFF');
    assert.equal(f(0x80000000n).isLater(f(0n)), false);
    assert.equal(f(0n).isLater(f(0x80000000n)), false, '2^31 apart: not later either way');
    assert.equal(f(1n, true).isLater(f(0xffffffffn, true)), false, '64-bit: plain compare');
    const other = sys.mockFence(5n);
    assert.equal(f(9n).isLater(other), false);
    assert.deepEqual(rules(log), ['fence.is-later.context']);
    const [x, y] = [f(3n), f(4n)];
    assert.equal(dmaFenceLater(x, y), y);
    assert.equal(dmaFenceLater(x, other), null);
  });
});

describe('dma_fence errors, release, use-after-free', () => {
  test('set_error after signal or out of range warns but stores the value', () => {
    const { sys, log } = makeHarness();
    const f = sys.mockFence();
    f.setError(-4096);
    f.setError(0);
    f.signal();
    f.setError(-5);
    assert.deepEqual(rules(log), [
      'fence.set-error.range',
      'fence.set-error.range',
      'fence.set-error.signaled',
    ]);
    assert.equal(f.getStatus(), -5);
  });

  test('release with pending callbacks warns, then signals with -EDEADLK', () => {
    const { sys, log } = makeHarness();
    const f = sys.mockFence(0x10n);
    let status = 0;
    f.addCallback(new DmaFenceCb(), (fence) => (status = fence.error));
    f.put();
    assert.equal(status, -35);
    assert.equal(log.all[0]?.rule, 'fence.release.pending-signals');
    assert.match(
      log.all[0]!.message,
      /Fence mock:mock:[0-9a-f]+:10 released with pending signals!/,
    );
    assert.deepEqual(sys.liveObjects(), NOTHING_LIVE);
  });

  test('unsignalled fence without callbacks is released silently', () => {
    const { sys, log } = makeHarness();
    let released = 0;
    const f = sys.createFence(
      { driverName: 'd', timelineName: 't', release: () => released++ },
      1n,
      1n,
    );
    f.put();
    assert.equal(released, 1);
    assert.equal(log.all.length, 0);
  });

  test('get/put/signal after the last put are detected', () => {
    const { sys, log } = makeHarness();
    const f = sys.mockFence();
    f.put();
    f.get();
    f.put();
    f.signal();
    assert.deepEqual(rules(log), [
      'fence.refcount.uaf',
      'fence.refcount.uaf',
      'fence.use-after-free',
    ]);
    assert.equal(f.tryGet(), null);
  });

  test('missing ops names are a BUG at init', () => {
    const { sys } = makeHarness();
    assert.throws(() => sys.createFence({ driverName: '', timelineName: 't' }, 1n, 1n), KernelBug);
  });
});

describe('dma_fence signalling hooks', () => {
  test('enable_signaling returning false signals immediately; ops.signaled is polled', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.createFence(
      { driverName: 'd', timelineName: 't', enableSignaling: () => false },
      1n,
      1n,
    );
    assert.equal(f.enableSwSignaling(), false);
    assert.equal(f.signaledFlag, true);
    let hw = false;
    const g = sys.createFence({ driverName: 'd', timelineName: 't', signaled: () => hw }, 1n, 2n);
    assert.equal(g.isSignaled(), false);
    hw = true;
    assert.equal(g.isSignaled(), true);
    assert.equal(g.signaledFlag, true);
  });

  test('callbacks run in registration order, in atomic context', () => {
    const { sys } = makeHarness();
    const f = sys.mockFence();
    const order: number[] = [];
    for (const i of [1, 2, 3])
      f.addCallback(new DmaFenceCb(), () => order.push(sys.inAtomic ? i : -i));
    f.signalTimestamp(77n);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(f.timestamp, 77n);
  });

  test('waiting from a callback is a MIGHT_SLEEP violation', () => {
    const { sys, log } = makeHarness();
    const f = sys.mockFence();
    const g = sys.mockFence();
    g.signal();
    f.addCallback(new DmaFenceCb(), () => void g.waitTimeout(false, 10n));
    f.signal();
    assert.equal(log.all[0]?.kind, 'MIGHT_SLEEP');
  });

  test('a callback slot queued twice warns and moves', () => {
    const { sys, log } = makeHarness();
    const [a, b] = [sys.mockFence(), sys.mockFence()];
    const cb = new DmaFenceCb();
    a.addCallback(cb, () => {});
    b.addCallback(cb, () => {});
    assert.deepEqual(rules(log), ['fence.cb.reused']);
    assert.equal(a.pendingCallbacks, 0);
    assert.equal(b.pendingCallbacks, 1);
  });

  test('private stub carries its timestamp; stub is not counted as live', () => {
    const { sys } = makeHarness();
    const s = sys.allocatePrivateStub(42n);
    assert.equal(s.isSignaled(), true);
    assert.equal(s.timestamp, 42n);
    assert.equal(sys.liveObjects().fences, 1);
    s.put();
    sys.getStub().put();
    assert.equal(sys.liveObjects().fences, 0);
  });
});

describe('dma_fence waits in simulated time', () => {
  test('negative timeout → WARN + -EINVAL', () => {
    const { sys, log } = makeHarness();
    const r = sys.mockFence().waitTimeout(false, -1n);
    assert.equal(!r.ok && r.errno, 'EINVAL');
    assert.deepEqual(rules(log), ['fence.wait.invalid']);
  });

  test('interruptible wait with a pending signal → -ERESTARTSYS; uninterruptible ignores it', () => {
    const { sys, clock } = makeHarness();
    const f = sys.mockFence();
    f.signalAt(100n);
    sys.signalPending = true;
    const r = f.waitTimeout(true, 1000n);
    assert.equal(!r.ok && r.code, -512);
    const w = f.waitTimeout(false, 1000n);
    assert.deepEqual(w, { ok: true, value: 900n });
    assert.equal(clock.now, 100n);
  });

  test('infinite wait returns 0 once signalled; with nothing scheduled it is a hang (BUG)', () => {
    const { sys } = makeHarness();
    const f = sys.mockFence();
    f.signalAt(5n, -5);
    assert.deepEqual(f.wait(false), { ok: true, value: 0n });
    assert.equal(f.getStatus(), -5);
    const g = sys.mockFence();
    assert.throws(() => g.waitTimeout(false, MAX_SCHEDULE_TIMEOUT), KernelBug);
  });

  test('wait_any returns the first fence to signal and its remaining time', () => {
    const { sys } = makeHarness();
    const fs = [sys.mockFence(), sys.mockFence(), sys.mockFence()];
    fs[2]!.signalAt(30n);
    fs[1]!.signalAt(50n);
    assert.deepEqual(dmaFenceWaitAnyTimeout(sys, fs, false, 100n), {
      ok: true,
      value: { remaining: 70n, index: 2 },
    });
    assert.deepEqual(dmaFenceWaitAnyTimeout(sys, fs, false, 0n), {
      ok: true,
      value: { remaining: 1n, index: 2 },
    });
    const e = dmaFenceWaitAnyTimeout(sys, [], false, 1n);
    assert.equal(!e.ok && e.errno, 'EINVAL');
  });
});
