/**
 * Conformance: kernel suite "dma-buf-fence" (drivers/dma-buf/st-dma-fence.c), spec §2.4.2.
 * One test per kernel case; time is simulated (1 jiffy = 4 ms at HZ=250).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JIFFY, makeHarness } from './testing/harness.js';
import { DmaFenceCb } from './types.js';

describe('dma-buf-fence (st-dma-fence)', () => {
  test('sanitycheck: create, enable signalling, signal, drop', () => {
    const { sys, log } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    assert.ok(f.signal().ok);
    f.put();
    assert.equal(log.all.length, 0);
    assert.equal(sys.liveObjects().fences, 0);
  });

  test('test_signaling: signal once, second signal reports already signalled; ops detached', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    assert.equal(f.isSignaled(), false);
    f.enableSwSignaling();
    assert.equal(f.checkAndSignal(), false, 'was not signalled');
    assert.equal(f.isSignaled(), true);
    assert.ok(f.signal().ok, 'newest: a second signal is a silent no-op');
    assert.equal(f.checkAndSignal(), true, 'already signalled');
    assert.equal(f.driverName, 'detached-driver');
    assert.equal(f.timelineName, 'signaled-timeline');
    f.put();
  });

  test('test_signaling (≤ v6.16): a second dma_fence_signal returns -EINVAL; ops stay', () => {
    const { sys } = makeHarness({
      strict: true,
      signalReturnsEinval: true,
      detachOpsOnSignal: false,
    });
    const f = sys.mockFence();
    f.enableSwSignaling();
    assert.ok(f.signal().ok);
    const again = f.signal();
    assert.equal(!again.ok && again.errno, 'EINVAL');
    assert.equal(f.checkAndSignal(), true, 'already signalled');
    assert.equal(f.driverName, 'mock');
    f.put();
  });

  test('test_add_callback: callback added before signal runs on signal', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    let seen = false;
    assert.ok(f.addCallback(new DmaFenceCb(), () => (seen = true)).ok);
    assert.equal(seen, false);
    f.signal();
    assert.equal(seen, true);
    f.put();
  });

  test('test_late_add_callback: add after signal → -ENOENT and never runs', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    f.signal();
    let seen = false;
    const r = f.addCallback(new DmaFenceCb(), () => (seen = true));
    assert.equal(!r.ok && r.errno, 'ENOENT');
    assert.equal(!r.ok && r.code, -2);
    assert.equal(seen, false);
    f.put();
  });

  test('test_rm_callback: a removed callback does not run', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    const cb = new DmaFenceCb();
    let seen = false;
    assert.ok(f.addCallback(cb, () => (seen = true)).ok);
    assert.equal(f.removeCallback(cb), true);
    f.signal();
    assert.equal(seen, false);
    f.put();
  });

  test('test_late_rm_callback: remove after the callback ran returns false', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    const cb = new DmaFenceCb();
    let seen = false;
    assert.ok(f.addCallback(cb, () => (seen = true)).ok);
    f.signal();
    assert.equal(seen, true);
    assert.equal(f.removeCallback(cb), false);
    f.put();
  });

  test('test_status: 0 before signalling, 1 after', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    assert.equal(f.getStatus(), 0);
    f.signal();
    assert.equal(f.getStatus(), 1);
    f.put();
  });

  test('test_error: -EIO is only observable after signal', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    f.setError(-5);
    assert.equal(f.getStatus(), 0);
    f.signal();
    assert.equal(f.getStatus(), -5);
    f.put();
  });

  test('test_wait: timeout 0 returns 0 unsignalled and 1 signalled', () => {
    const { sys } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    assert.deepEqual(f.waitTimeout(false, 0n), { ok: true, value: 0n });
    f.signal();
    assert.deepEqual(f.waitTimeout(false, 0n), { ok: true, value: 1n });
    f.put();
  });

  test('test_wait_timeout: 2-jiffy wait times out, armed timer makes the wait succeed', () => {
    const { sys, clock } = makeHarness({ strict: true });
    const f = sys.mockFence();
    f.enableSwSignaling();
    assert.deepEqual(f.waitTimeout(false, 2n * JIFFY), { ok: true, value: 0n });
    assert.equal(clock.now, 2n * JIFFY, 'the wait advanced simulated time');
    const cancel = f.signalAt(clock.now + JIFFY);
    const r = f.waitTimeout(false, 2n * JIFFY);
    assert.ok(r.ok && r.value > 0n);
    assert.equal(r.ok && r.value, JIFFY, 'remaining = 2 jiffies − 1 jiffy');
    cancel(); // del_timer_sync
    f.put();
    assert.equal(sys.liveObjects().fences, 0);
    assert.equal(sys.liveObjects().timers, 0);
  });

  test('test_stub: 64 get_stub calls return signalled fences', () => {
    const { sys } = makeHarness({ strict: true });
    const stubs = Array.from({ length: 64 }, () => sys.getStub());
    for (const s of stubs) assert.equal(s.isSignaled(), true);
    assert.equal(new Set(stubs).size, 1, 'one stub per system');
    assert.equal(stubs[0]!.context, 0n);
    for (const s of stubs) s.put();
    assert.equal(sys.getStub().refcount, 2);
  });

  test('race_signal_callback: no lost wake-ups over every add/signal interleaving', () => {
    // The kernel races two threads; the simulation enumerates both orders deterministically.
    const { sys } = makeHarness({ strict: true });
    let lost = 0;
    for (let i = 0; i < 1000; i++) {
      const f = sys.mockFence(BigInt(i));
      let ran = false;
      const cb = new DmaFenceCb();
      const signalFirst = i % 2 === 0;
      if (signalFirst) f.signal();
      const added = f.addCallback(cb, () => (ran = true)).ok;
      if (!signalFirst) f.signal();
      if (f.isSignaled() && added && !ran) lost++;
      f.put();
    }
    assert.equal(lost, 0);
    assert.equal(sys.liveObjects().callbacks, 0);
  });
});
