import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IovaAllocator } from './iova.js';

const G = 4096n;
const LIMIT_4G = 0xffff_ffffn;

test('top-down from the limit, size-aligned, rounded to a power of two below 32 granules', () => {
  const a = new IovaAllocator();
  const r1 = a.alloc(1n, LIMIT_4G)!;
  assert.equal(r1.addr, 0x1_0000_0000n - G); // highest granule below 4 GiB
  const r3 = a.alloc(3n, LIMIT_4G)!; // 3 → 4 granules, 16 KiB aligned
  assert.equal(r3.size, 4n * G);
  assert.equal(r3.addr % (4n * G), 0n);
  assert.ok(r3.addr + r3.size <= r1.addr);
  const r40 = a.alloc(40n, LIMIT_4G)!; // ≥ 32 granules: not rounded, aligned to 64 granules
  assert.equal(r40.size, 40n * G);
  assert.equal(r40.addr % (64n * G), 0n);
});

test('reserved ranges and IOVA 0 are never handed out; exhaustion returns null', () => {
  const a = new IovaAllocator();
  a.reserve(4n * G, 100n * G); // granules 4..103
  const got: bigint[] = [];
  for (let r = a.alloc(1n, 8n * G - 1n); r !== null; r = a.alloc(1n, 8n * G - 1n)) got.push(r.addr);
  // only granules 1, 2, 3 remain below the limit (granule 0 is never used)
  assert.deepEqual(got, [3n * G, 2n * G, 1n * G]);
});

test('freed small ranges go to the rcache and are reused first; large ones return to the tree', () => {
  const a = new IovaAllocator();
  const x = a.alloc(2n, LIMIT_4G)!;
  const y = a.alloc(2n, LIMIT_4G)!;
  assert.ok(a.free(x));
  assert.equal(a.stats.cached, 1);
  assert.equal(a.stats.ranges, 1);
  const z = a.alloc(2n, LIMIT_4G)!;
  assert.equal(z.addr, x.addr);
  assert.equal(a.stats.rcacheHits, 1);
  const big = a.alloc(64n, LIMIT_4G)!;
  assert.ok(a.free(big));
  assert.equal(a.stats.cached, 0);
  assert.equal(a.find(big.addr), null);
  assert.ok(a.free(y));
  assert.equal(a.free(y), false, 'double free is refused');
});

test('rcache: bounded per size, keeps freed ranges reserved, misses fall back to the tree', () => {
  const a = new IovaAllocator({ rcacheCapacity: 2 });
  const xs = [0, 1, 2].map(() => a.alloc(1n, LIMIT_4G)!);
  for (const x of xs) assert.ok(a.free(x));
  // two go to the rcache, the third (cache full) back to the tree
  assert.equal(a.stats.cached, 2);
  assert.equal(a.stats.ranges, 0);
  // cached ranges are still reserved: a 2-granule request cannot take them and goes to the tree
  const two = a.alloc(2n, LIMIT_4G)!;
  for (const x of xs.slice(0, 2))
    assert.ok(x.addr + x.size <= two.addr || two.addr + two.size <= x.addr);
  assert.equal(a.stats.rcacheHits, 0);
  // a cached range above the limit is not handed out for a lower limit
  const low = a.alloc(1n, xs[1]!.addr - 1n)!;
  assert.ok(low.addr < xs[1]!.addr);
  // single-granule requests below the top limit are served from the cache, most recent first
  const hit = a.alloc(1n, LIMIT_4G)!;
  assert.equal(a.stats.rcacheHits, 1);
  assert.ok(xs.slice(0, 2).some((x) => x.addr === hit.addr));
});
