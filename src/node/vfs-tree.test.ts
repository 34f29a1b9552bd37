import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FileTable, zeroTailStart } from './vfs-tree.js';

describe('FileTable', () => {
  it('reads back every file of a table that spans several chunks and arenas', () => {
    const table = new FileTable();
    const arenas = [new Uint8Array(64 * 1024), new Uint8Array(64 * 1024)];
    arenas.forEach((a, k) => {
      for (let i = 0; i < a.length; i++) a[i] = (i * 7 + k) & 0xff;
    });
    const want: Array<[number, number, number, number]> = [];
    for (let n = 0; n < 20_000; n++) {
      const k = n < 12_000 ? 0 : 1;
      const off = (n * 13) % 60_000;
      const len = n % 37;
      const size = len + (n % 3) * 100;
      assert.equal(table.add(arenas[k]!, off, len, size), n);
      want.push([k, off, len, size]);
    }
    want.forEach(([k, off, len, size], id) => {
      const expected = new Uint8Array(size);
      expected.set(arenas[k]!.subarray(off, off + len));
      assert.deepEqual(table.bytes(id), expected, `file ${id}`);
      const held = table.held(id);
      assert.equal(held.size, size);
      assert.deepEqual(held.bytes, arenas[k]!.subarray(off, off + len));
    });
  });
});

describe('zeroTailStart', () => {
  it('finds where the trailing zeros of a range start, a word at a time or a byte at a time', () => {
    // Mostly zeros, as a config is, so that long runs of zero words occur.
    const byte = fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.nat(255) },
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 80 }), fc.nat(80), fc.nat(80), (xs, a, b) => {
        const bytes = new Uint8Array(Math.ceil(xs.length / 4) * 4);
        bytes.set(xs);
        const words = new Uint32Array(bytes.buffer, 0, bytes.length >>> 2);
        const off = Math.min(a, b, xs.length);
        const end = Math.min(Math.max(a, b), xs.length);
        let want = end;
        while (want > off && bytes[want - 1] === 0) want--;
        assert.equal(zeroTailStart(bytes, null, off, end), want);
        assert.equal(zeroTailStart(bytes, words, off, end), want);
      }),
    );
  });
});
