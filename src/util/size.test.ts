import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatBinaryExact, formatBytesExact, parseBytes } from './size.js';

test('one unit rule: iB and bare letters are binary, B alone is decimal', () => {
  assert.equal(parseBytes('64GiB'), 64n << 30n);
  assert.equal(parseBytes('64G'), 64n << 30n);
  assert.equal(parseBytes('64gib'), 64n << 30n);
  assert.equal(parseBytes('64GB'), 64n * 10n ** 9n);
  assert.equal(parseBytes('4kB'), 4000n);
  assert.equal(parseBytes('4KB'), 4000n);
  assert.equal(parseBytes('4k'), 4096n);
  assert.equal(parseBytes('4096'), 4096n);
  assert.equal(parseBytes('12B'), 12n);
  assert.equal(parseBytes('0x1000'), 4096n);
  for (const bad of ['lots', '', '4Kx', '4 Gx', '-1', '1.5GiB', 'GiB'])
    assert.equal(parseBytes(bad), null, bad);
});

test('the output says which unit family: binary when exact, else decimal, else bytes', () => {
  assert.equal(formatBytesExact(64n << 30n), '64GiB');
  assert.equal(formatBytesExact(64n * 10n ** 9n), '64GB');
  assert.equal(formatBytesExact(4000n), '4kB');
  assert.equal(formatBytesExact(1000003n), '1000003B');
  assert.equal(formatBytesExact(0n), '0B');
});

test('formatting then parsing gives the size back', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), (n) => {
      assert.equal(parseBytes(formatBytesExact(n)), n);
    }),
  );
});

test('formatBinaryExact: spec (iB, hex) and lspci (letter, bytes) spellings', () => {
  assert.equal(formatBinaryExact(64n << 30n, 'iB', 'hex'), '64GiB');
  assert.equal(formatBinaryExact(64n << 30n, 'letter', 'bytes'), '64G');
  assert.equal(formatBinaryExact(1536n, 'iB', 'hex'), '0x600');
  assert.equal(formatBinaryExact(1536n, 'letter', 'bytes'), '1536');
  assert.equal(formatBinaryExact(3n << 20n, 'letter', 'bytes'), '3M');
  for (const n of [4096n, 1n << 40n, 12345n << 10n]) {
    assert.equal(parseBytes(formatBinaryExact(n, 'iB', 'hex')), n);
    assert.equal(parseBytes(formatBinaryExact(n, 'letter', 'bytes')), n);
  }
});
