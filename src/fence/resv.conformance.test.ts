/**
 * Conformance: kernel suite "dma-buf-resv" (drivers/dma-buf/st-dma-resv.c), spec §2.4.3; every
 * case runs once per usage (KERNEL, WRITE, READ, BOOKKEEP), as the KUnit parameterisation does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unwrap } from '../core/index.js';
import { DmaResv } from './resv.js';
import { assertClean, type Harness, makeHarness } from './testing/harness.js';
import { DMA_RESV_USAGE, DMA_RESV_USAGES, type DmaResvUsage, USAGE_NAMES } from './types.js';

/** Lock, reserve one slot and add a fresh mock fence with `usage`. */
function withOneFence(h: Harness, usage: DmaResvUsage) {
  const resv = new DmaResv(h.sys);
  const f = h.sys.mockFence();
  f.enableSwSignaling();
  unwrap(resv.lock());
  unwrap(resv.reserveFences(1));
  resv.addFence(f, usage);
  return { resv, f };
}

function finish(
  h: Harness,
  resv: DmaResv,
  f: { signaledFlag: boolean; signal(): unknown; put(): void },
): void {
  if (!f.signaledFlag) f.signal();
  if (resv.isLocked) resv.unlock();
  f.put();
  resv.fini();
  assertClean(h);
}

describe('dma-buf-resv (st-dma-resv)', () => {
  test('sanitycheck: init, lock, unlock, fini; a mock fence signalled and dropped', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence();
    f.enableSwSignaling();
    f.signal();
    f.put();
    const resv = new DmaResv(h.sys);
    assert.ok(resv.lock().ok, 'Resv locking failed');
    resv.unlock();
    resv.fini();
    assert.equal(h.sys.liveObjects().resvs, 0);
  });

  for (const usage of DMA_RESV_USAGES) {
    const u = USAGE_NAMES[usage];

    test(`test_signaling [${u}]: test_signaled false until the fence signals`, () => {
      const h = makeHarness({ strict: true });
      const { resv, f } = withOneFence(h, usage);
      assert.equal(resv.testSignaled(usage), false, 'Resv unexpectedly signaled');
      f.signal();
      assert.equal(resv.testSignaled(usage), true, 'Resv not reporting signaled');
      finish(h, resv, f);
    });

    test(`test_for_each [${u}]: locked iteration at BOOKKEEP sees exactly the fence with its usage`, () => {
      const h = makeHarness({ strict: true });
      const { resv, f } = withOneFence(h, usage);
      const seen = [...resv.fences(DMA_RESV_USAGE.BOOKKEEP)];
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.fence, f);
      assert.equal(seen[0]!.usage, usage);
      finish(h, resv, f);
    });

    test(`test_for_each_unlocked [${u}]: restart flag on first fence and after a forced restart`, () => {
      const h = makeHarness({ strict: true });
      const { resv, f } = withOneFence(h, usage);
      const it = resv.iterUnlocked(DMA_RESV_USAGE.BOOKKEEP);
      let passes = 0;
      let forced = false;
      for (let fence = it.first(); fence; fence = it.next()) {
        assert.equal(it.isRestarted, true, 'No restart flag');
        assert.equal(fence, f, 'Unexpected fence');
        assert.equal(it.fenceUsage, usage, 'Unexpected usage');
        passes++;
        assert.ok(passes <= 2, 'More fences than expected');
        if (!forced) {
          forced = true;
          it.forceRestart();
        }
      }
      it.end();
      assert.equal(passes, 2, 'the fence was seen again after the restart');
      finish(h, resv, f);
    });

    test(`test_get_fences [${u}]: get_fences at BOOKKEEP returns [fence]`, () => {
      const h = makeHarness({ strict: true });
      const { resv, f } = withOneFence(h, usage);
      const fences = resv.getFences(DMA_RESV_USAGE.BOOKKEEP);
      assert.deepEqual(fences, [f]);
      for (const x of fences) x.put();
      finish(h, resv, f);
    });
  }
});
