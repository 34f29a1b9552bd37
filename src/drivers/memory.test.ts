import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SparseMemory } from './memory.js';
import { MmioRegisterFile } from './mmio.js';

const GiB = 1024n ** 3n;

test('a 96 GiB memory costs only the pages touched', () => {
  const m = new SparseMemory('hbm', 96n * GiB);
  assert.equal(m.residentBytes(), 0n);
  m.write(95n * GiB, new Uint8Array([1, 2, 3]));
  assert.equal(m.residentBytes(), 4096n);
  assert.deepEqual([...m.read(95n * GiB - 1n, 5)], [0, 1, 2, 3, 0]);
});

test('writes across page boundaries read back; fill 0 releases whole pages', () => {
  const m = new SparseMemory('m', 1n << 20n);
  const data = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) & 0xff);
  m.write(4000n, data);
  assert.equal(m.compare(4000n, data), -1);
  assert.equal(m.residentBytes(), 4n * 4096n); // pages 0..3 touched: 4000..13999
  m.fill(0n, 16384n, 0);
  assert.equal(m.residentBytes(), 0n);
  m.fill(10n, 3n, 0xab);
  assert.deepEqual([...m.read(9n, 5)], [0, 0xab, 0xab, 0xab, 0]);
  assert.equal(m.compare(10n, new Uint8Array([0xab, 0xac])), 1);
});

test('out-of-range access throws', () => {
  const m = new SparseMemory('m', 8192n);
  assert.throws(() => m.read(8190n, 4), RangeError);
  assert.throws(() => m.write(-1n, new Uint8Array(1)), RangeError);
});

test('property: sparse memory behaves like a flat array', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(20000), fc.uint8Array({ minLength: 0, maxLength: 9000 })), {
        maxLength: 8,
      }),
      (writes) => {
        const size = 32768;
        const flat = new Uint8Array(size);
        const m = new SparseMemory('p', BigInt(size));
        for (const [off, d] of writes) {
          const len = Math.min(d.length, size - off);
          flat.set(d.subarray(0, len), off);
          m.write(BigInt(off), d.subarray(0, len));
        }
        assert.deepEqual(m.read(0n, size), flat);
      },
    ),
    { numRuns: 50 },
  );
});

test('MMIO registers count writes and run their side effect', () => {
  const seen: bigint[] = [];
  const r = new MmioRegisterFile('bar0', 0x1000n)
    .define({ name: 'DB', offset: 0x0n, width: 4, onWrite: (v) => seen.push(v) })
    .define({ name: 'ST', offset: 0x8n, width: 8 });
  assert.equal(r.write(0x0n, 0x1_0000_0005n, 'nic'), true);
  assert.deepEqual(seen, [5n]); // 32-bit register truncates
  assert.equal(r.writes('DB'), 1);
  assert.equal(r.write(0x4n, 1n, 'cpu'), false);
  assert.equal(r.read(0x4n), 0xffffffffn);
  assert.equal(r.log[0]?.writer, 'nic');
  assert.throws(() => r.define({ name: 'X', offset: 0x3n, width: 4 }), RangeError);
});
