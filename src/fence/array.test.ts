/** dma_fence_array (spec §2.1.8 rule 1): signal-on-all / any, first error wins, ownership. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dmaFenceArrayCreate, toArray } from './array.js';
import { makeHarness, rules } from './testing/harness.js';
import { DmaFenceCb } from './types.js';

const setup = (signalOnAny: boolean, n = 3) => {
  const h = makeHarness();
  const fs = Array.from({ length: n }, () => h.sys.mockFence());
  const arr = dmaFenceArrayCreate(
    h.sys,
    fs.map((f) => f.get()),
    h.sys.contextAlloc(1),
    1n,
    signalOnAny,
  );
  return { h, fs, arr };
};

describe('dma_fence_array', () => {
  test('signal-on-all waits for every member (callback path)', () => {
    const { fs, arr } = setup(false);
    let fired = 0;
    arr.addCallback(new DmaFenceCb(), () => fired++);
    fs[0]!.signal();
    fs[2]!.signal();
    assert.equal(arr.signaledFlag, false);
    fs[1]!.signal();
    assert.equal(arr.signaledFlag, true);
    assert.equal(fired, 1);
  });

  test('signal-on-all without enabled signalling is discovered by polling', () => {
    const { fs, arr } = setup(false, 2);
    fs[0]!.signal();
    assert.equal(arr.isSignaled(), false);
    fs[1]!.signal();
    assert.equal(arr.isSignaled(), true);
  });

  test('signal-on-any signals with the first member', () => {
    const { fs, arr } = setup(true);
    arr.enableSwSignaling();
    fs[1]!.signal();
    assert.equal(arr.signaledFlag, true);
  });

  test('the first member error observed becomes the array error', () => {
    const { fs, arr } = setup(false);
    arr.enableSwSignaling();
    fs[0]!.signal();
    fs[1]!.setError(-5);
    fs[1]!.signal();
    fs[2]!.setError(-110);
    fs[2]!.signal();
    assert.equal(arr.getStatus(), -5);
  });

  test('members already signalled at enable time count (with their error)', () => {
    const { fs, arr } = setup(false, 2);
    fs[0]!.setError(-62);
    fs[0]!.signal();
    fs[1]!.signal();
    assert.equal(arr.enableSwSignaling(), false);
    assert.equal(arr.getStatus(), -62);
  });

  test('the array owns member references; releasing it leaves nothing behind', () => {
    const { h, fs, arr } = setup(false);
    arr.enableSwSignaling();
    for (const f of fs) f.signal();
    for (const f of fs) f.put();
    assert.equal(fs[0]!.refcount, 1);
    arr.put();
    assert.equal(h.sys.liveObjects().fences, 0);
    assert.equal(h.sys.liveObjects().callbacks, 0);
  });

  test('empty arrays and nested containers warn', () => {
    const h = makeHarness();
    const empty = dmaFenceArrayCreate(h.sys, [], 1n, 1n, false);
    dmaFenceArrayCreate(h.sys, [empty], 2n, 1n, false);
    assert.deepEqual(rules(h.log), ['fence.array.empty', 'fence.array.nested']);
    assert.equal(toArray(empty)?.fences.length, 0);
  });
});
