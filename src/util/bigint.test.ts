import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { alignDown, alignUp, maxBig, minBig } from './bigint.js';
import { hex, hexDigits } from './hex.js';

it('minBig / maxBig agree with sorting', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt(), { minLength: 1, maxLength: 8 }), (xs) => {
      const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.equal(minBig(xs[0]!, ...xs.slice(1)), sorted[0]);
      assert.equal(maxBig(xs[0]!, ...xs.slice(1)), sorted[sorted.length - 1]);
    }),
  );
});

it('alignDown ≤ v ≤ alignUp, both multiples of a, less than a apart', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 1n << 64n }),
      fc.bigInt({ min: 1n, max: 1n << 40n }),
      (v, a) => {
        const lo = alignDown(v, a);
        const hi = alignUp(v, a);
        assert.ok(lo <= v && v <= hi && lo % a === 0n && hi % a === 0n && hi - lo < 2n * a);
        assert.equal(lo === hi, v % a === 0n);
      },
    ),
  );
});

it('hex spells %#x and %0Nx', () => {
  assert.equal(hex(4096n), '0x1000');
  assert.equal(hex(0), '0x0');
  assert.equal(hex(0x10de, 8), '0x000010de');
  assert.equal(hexDigits(0x1b, 2), '1b');
  assert.equal(hexDigits(5, 4), '0005');
  assert.equal(hexDigits(0x12345, 4), '12345');
});
