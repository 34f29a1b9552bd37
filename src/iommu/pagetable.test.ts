import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IoPageTable, pteCounts } from './pagetable.js';
import { SZ_1G, SZ_2M, SZ_4K } from './types.js';

const RW = { read: true, write: true, mmio: true };

test('superpages exactly where IOVA and phys are both aligned', () => {
  const pt = new IoPageTable();
  // 2 MiB + 8 KiB at a 2 MiB-aligned pair: one 2M leaf and two 4K leaves
  const r = pt.map(SZ_1G, 0x40_0000_0000n, SZ_2M + 2n * SZ_4K, RW);
  assert.ok(r.ok);
  assert.deepEqual(r.value, { '4K': 2, '2M': 1, '1G': 0 });
  // same size, phys off by 4 KiB: no superpage possible
  const q = pt.map(2n * SZ_1G, 0x40_0000_1000n, SZ_2M, RW);
  assert.ok(q.ok);
  assert.deepEqual(q.value, { '4K': 512, '2M': 0, '1G': 0 });
  assert.equal(pt.lookup(SZ_1G + 5n)?.phys, 0x40_0000_0000n);
  assert.equal(pt.map(SZ_1G + SZ_4K, 0n, SZ_4K, RW).ok, false, 'already mapped → EEXIST');
  // root + one table per 512 GiB region (1) + per 1 GiB region (2) + per 2 MiB region holding 4K leaves (2)
  assert.equal(pt.tablePages, 1 + 1 + 2 + 2);
  assert.equal(pt.unmap(SZ_1G, SZ_2M + 2n * SZ_4K).length, 3);
  assert.equal(pt.unmap(2n * SZ_1G, SZ_2M).length, 512);
  assert.equal(pt.tablePages, 1);
});

test('pteCounts (closed form) equals what the page table writes', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 4096n }),
      fc.bigInt({ min: 0n, max: 4096n }),
      fc.bigInt({ min: 1n, max: 1536n }),
      (iv, ph, pages) => {
        const iova = SZ_1G + iv * SZ_4K * 64n;
        const phys = ph * SZ_4K * 8n;
        const pt = new IoPageTable();
        const r = pt.map(iova, phys, pages * SZ_4K, RW);
        assert.ok(r.ok);
        assert.deepEqual(pteCounts(iova, phys, pages * SZ_4K), r.value);
      },
    ),
    { numRuns: 200, seed: 3 },
  );
  assert.deepEqual(pteCounts(0n, 0n, 3n * SZ_1G + SZ_2M), { '4K': 0, '2M': 1, '1G': 3 });
});
