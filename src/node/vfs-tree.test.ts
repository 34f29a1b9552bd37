import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileTable } from './vfs-tree.js';

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
