/** EXPORT/IMPORT_SYNC_FILE (spec §1.14.2–3) and dma-buf poll readiness (spec §1.12). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KernelBug, unwrap } from '../core/index.js';
import { toArray } from './array.js';
import {
  DmaBufPollState,
  resvExportSyncFile,
  resvImportSyncFile,
  resvPollReady,
  validateSyncFileFlags,
} from './dmabuf-sync.js';
import { DmaResv } from './resv.js';
import { SyncFile } from './sync-file.js';
import { makeHarness } from './testing/harness.js';
import {
  EPOLLERR,
  EPOLLIN,
  EPOLLOUT,
  DMA_BUF_SYNC_READ as R,
  DMA_BUF_SYNC_RW as RW,
  DMA_RESV_USAGE as U,
  DMA_BUF_SYNC_WRITE as W,
} from './types.js';

const withFences = (h: ReturnType<typeof makeHarness>, usages: (0 | 1 | 2 | 3)[]) => {
  const resv = new DmaResv(h.sys);
  unwrap(resv.lock());
  unwrap(resv.reserveFences(usages.length));
  const fences = usages.map((u) => {
    const f = h.sys.mockFence();
    resv.addFence(f, u);
    return f;
  });
  resv.unlock();
  return { resv, fences };
};

describe('sync_file flags', () => {
  test('flags must be a non-empty subset of DMA_BUF_SYNC_RW', () => {
    assert.deepEqual(
      [0, 4, 5, R, W, RW].map((f) => validateSyncFileFlags(f).ok),
      [false, false, false, true, true, true],
    );
  });
});

describe('DMA_BUF_IOCTL_EXPORT_SYNC_FILE', () => {
  test('READ waits for writers only: with just a reader fence the stub is exported', () => {
    const h = makeHarness({ strict: true });
    const { resv, fences } = withFences(h, [U.READ]);
    const sf = unwrap(resvExportSyncFile(resv, R));
    assert.equal(sf.fence.context, 0n);
    assert.equal(sf.fence.isSignaled(), true);
    const wsf = unwrap(resvExportSyncFile(resv, W));
    assert.equal(wsf.fence, fences[0]);
    sf.release();
    wsf.release();
  });

  test('WRITE waits for readers and writers: several fences become one array', () => {
    const h = makeHarness();
    const { resv, fences } = withFences(h, [U.WRITE, U.READ, U.BOOKKEEP]);
    const sf = unwrap(resvExportSyncFile(resv, RW));
    assert.deepEqual(toArray(sf.fence)?.fences, fences.slice(0, 2));
    assert.equal(!resvExportSyncFile(resv, 0).ok, true);
  });
});

describe('DMA_BUF_IOCTL_IMPORT_SYNC_FILE', () => {
  test('each leaf is added with WRITE (write bit) or READ usage', () => {
    const h = makeHarness({ strict: true });
    const resv = new DmaResv(h.sys);
    const [a, b] = [h.sys.mockFence(), h.sys.mockFence()];
    const sfW = new SyncFile(a);
    const sfR = new SyncFile(b);
    unwrap(resvImportSyncFile(resv, sfW, W));
    unwrap(resvImportSyncFile(resv, sfR, R));
    assert.equal(resv.isLocked, false, 'lock taken and released inside');
    assert.deepEqual(
      resv.listRaw!.map((s) => [s.fence, s.usage]),
      [
        [a, U.WRITE],
        [b, U.READ],
      ],
    );
    assert.equal(resv.testSignaled(U.READ), false);
  });

  test('a container is unwrapped: its leaves are added, not the container', () => {
    const h = makeHarness({ strict: true });
    const { resv: src } = withFences(h, [U.WRITE, U.READ]);
    const exported = unwrap(resvExportSyncFile(src, W));
    const dst = new DmaResv(h.sys);
    unwrap(resvImportSyncFile(dst, exported, RW));
    assert.equal(dst.numFences, 2);
    assert.ok(dst.listRaw!.every((s) => s.fence.container === undefined && s.usage === U.WRITE));
  });

  test("not a sync_file or bad flags → -EINVAL; importing under the caller's lock deadlocks", () => {
    const h = makeHarness();
    const resv = new DmaResv(h.sys);
    const sf = new SyncFile(h.sys.mockFence());
    assert.equal((resvImportSyncFile(resv, null, W) as { errno: string }).errno, 'EINVAL');
    assert.equal((resvImportSyncFile(resv, sf, 8) as { errno: string }).errno, 'EINVAL');
    unwrap(resv.lock());
    assert.throws(() => resvImportSyncFile(resv, sf, W), KernelBug);
  });
});

describe('dma_buf_poll', () => {
  test('missing resv → EPOLLERR; no IN/OUT requested → 0; idle buffer is ready both ways', () => {
    const h = makeHarness({ strict: true });
    const st = new DmaBufPollState();
    assert.equal(resvPollReady(st, null, EPOLLIN), EPOLLERR);
    const resv = new DmaResv(h.sys);
    assert.equal(resvPollReady(st, resv, 0x40), 0);
    assert.equal(resvPollReady(st, resv, EPOLLIN | EPOLLOUT), EPOLLIN | EPOLLOUT);
  });

  test('reader fence: EPOLLIN ready, EPOLLOUT armed; busy slot hides the event; signal wakes', () => {
    const h = makeHarness({ strict: true });
    const { resv, fences } = withFences(h, [U.READ]);
    const st = new DmaBufPollState();
    const woke: number[] = [];
    st.onWake = (e) => woke.push(e);
    let fileRefs = 0;
    const file = { get: () => fileRefs++, put: () => fileRefs-- };
    assert.equal(resvPollReady(st, resv, EPOLLIN | EPOLLOUT, file), EPOLLIN);
    assert.equal(fileRefs, 1, 'the armed OUT slot holds the file');
    assert.equal(resvPollReady(st, resv, EPOLLOUT, file), 0, 'slot busy: not reported');
    fences[0]!.signal();
    assert.deepEqual(woke, [EPOLLIN, EPOLLOUT]);
    assert.equal(fileRefs, 0);
    assert.equal(resvPollReady(st, resv, EPOLLOUT, file), EPOLLOUT);
    assert.equal(h.sys.liveObjects().callbacks, 0);
  });

  test('writer fence: neither direction ready until it signals', () => {
    const h = makeHarness({ strict: true });
    const { resv, fences } = withFences(h, [U.WRITE]);
    const st = new DmaBufPollState();
    assert.equal(resvPollReady(st, resv, EPOLLIN | EPOLLOUT), 0);
    fences[0]!.signal();
    assert.equal(resvPollReady(st, resv, EPOLLIN | EPOLLOUT), EPOLLIN | EPOLLOUT);
  });
});
