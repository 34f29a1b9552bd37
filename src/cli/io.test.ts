import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureIo, jsonReplacer, printJson } from './io.js';

describe('printJson', () => {
  const printed = (doc: unknown) => {
    const io = captureIo();
    printJson(io, doc);
    return io.out();
  };

  it('writes the same bytes as the replacer does, with and without 64-bit values', () => {
    const plain = { a: [1, 'x', null, { b: true }], c: 'é' };
    assert.equal(printed(plain), `${JSON.stringify(plain, jsonReplacer, 2)}\n`);
    const deep = { a: [1, { size: 0x1_0000_0000n }], b: 2n ** 64n - 1n };
    assert.equal(printed(deep), `${JSON.stringify(deep, jsonReplacer, 2)}\n`);
    assert.match(printed(deep), /"size": "0x100000000"/);
    assert.match(printed(deep), /"b": "0xffffffffffffffff"/);
  });

  it('still refuses a cyclic document', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => printed(cyclic), TypeError);
  });
});
