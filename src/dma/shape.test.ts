import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { layoutChunks, parseChunkSpec, parseSize } from './shape.js';

const MiB = 1024n * 1024n;

test('sizes with binary units', () => {
  assert.equal(parseSize('64GiB'), 64n << 30n);
  assert.equal(parseSize('4k'), 4096n);
  assert.throws(() => parseSize('lots'), PeerdmaError);
});

test('mixed chunk specs: byte shares, remainder to the smallest size, largest first', () => {
  const s = parseChunkSpec('mixed:4KiB*10%,2MiB*90%', 10n * MiB);
  // 90% of 10 MiB = 9 MiB → 4 × 2 MiB (8 MiB); the remaining 2 MiB → 512 × 4 KiB
  assert.deepEqual(s.classes, [
    { size: 2n * MiB, count: 4n },
    { size: 4096n, count: 512n },
  ]);
  const chunks = layoutChunks(s, 0n);
  assert.equal(chunks.length, 516);
  assert.deepEqual(chunks[1], { phys: 4n * MiB, len: 2n * MiB }); // a gap after each chunk
});

test('bad specs are usage errors naming --chunk', () => {
  for (const bad of ['3MiB', 'mixed:2MiB*50%', 'mixed:2MiB*50%,4KiB', '1KiB']) {
    assert.throws(
      () => parseChunkSpec(bad, 64n * MiB),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_USAGE',
      bad,
    );
  }
});
