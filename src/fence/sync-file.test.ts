/** sync_file (drivers/dma-buf/sync_file.c): create, name, merge, FILE_INFO, poll, release. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unwrap } from '../core/index.js';
import { dmaFenceArrayCreate } from './array.js';
import { SyncFile, syncFileMerge } from './sync-file.js';
import { assertClean, makeHarness } from './testing/harness.js';
import { EPOLLIN } from './types.js';

describe('sync_file', () => {
  test('create takes its own reference; release drops it; name is driver-timeline<ctx>-<seqno>', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence(9n);
    const sf = new SyncFile(f);
    assert.equal(f.refcount, 2);
    assert.equal(sf.name(), `mock-mock${f.context}-9`);
    const g = sf.getFence();
    assert.equal(g, f);
    g.put();
    sf.release();
    f.signal();
    f.put();
    assert.equal(h.sys.liveObjects().syncFiles, 0);
    assert.equal(h.sys.liveObjects().fences, 0);
  });

  test('merge unwraps both sides and keeps the merge name (≤ 31 characters)', () => {
    const h = makeHarness({ strict: true });
    const [a, b] = [h.sys.mockFence(), h.sys.mockFence()];
    const [sa, sb] = [new SyncFile(a), new SyncFile(b)];
    const m = syncFileMerge('x'.repeat(40), sa, sb);
    assert.equal(m.name(), 'x'.repeat(31));
    const info = unwrap(m.info(2));
    assert.equal(info.numFences, 2);
    assert.deepEqual(
      info.fences.map((x) => x.status),
      [0, 0],
    );
    for (const s of [sa, sb, m]) s.release();
    for (const f of [a, b]) {
      f.signal();
      f.put();
    }
    assert.equal(h.sys.liveObjects().fences, 0);
  });

  test('FILE_INFO: count-only request, too few slots, flags, per-fence status and timestamps', () => {
    const h = makeHarness();
    const [a, b] = [h.sys.mockFence(), h.sys.mockFence()];
    const arr = dmaFenceArrayCreate(h.sys, [a.get(), b.get()], h.sys.contextAlloc(1), 1n, false);
    const sf = new SyncFile(arr);
    const count = unwrap(sf.info(0));
    assert.deepEqual([count.numFences, count.status, count.fences.length], [2, 0, 0]);
    assert.equal(!sf.info(1).ok && (sf.info(1) as { errno: string }).errno, 'EINVAL');
    assert.equal(sf.info(2, 1).ok, false);
    a.setError(-5);
    h.clock.advance(50n);
    a.signal();
    const info = unwrap(sf.info(2));
    assert.deepEqual(
      info.fences.map((x) => [x.status, x.timestampNs, x.driverName]),
      [
        [-5, 50n, 'detached-driver'],
        [0, 0n, 'mock'],
      ],
    );
    assert.equal(info.status, -5);
  });

  test('poll arms one callback, wakes on signal, then reports EPOLLIN', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence();
    const sf = new SyncFile(f);
    let woke = 0;
    sf.onWake = () => woke++;
    assert.equal(sf.poll(), 0);
    assert.equal(sf.poll(), 0);
    assert.equal(h.sys.liveObjects().callbacks, 1);
    f.signal();
    assert.equal(woke, 1);
    assert.equal(sf.poll(), EPOLLIN);
    sf.release();
    f.put();
  });

  test('release removes a pending poll callback (no "released with pending signals")', () => {
    const h = makeHarness({ strict: true });
    const f = h.sys.mockFence();
    const sf = new SyncFile(f);
    sf.poll();
    sf.release();
    f.put();
    assertClean(h);
  });
});
