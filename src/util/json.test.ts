import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bigintReplacer, stringifyJson } from './json.js';

describe('stringifyJson', () => {
  it('without bigints: JSON.stringify', () => {
    const x = { a: [1, 'b', null], c: { d: true } };
    assert.equal(stringifyJson(x), JSON.stringify(x));
    assert.equal(stringifyJson(x, bigintReplacer, 2), JSON.stringify(x, null, 2));
  });
  it('bigints through the replacer: hex by default, or the one given', () => {
    const x = { base: 0x1000n, list: [1n, 2] };
    assert.equal(stringifyJson(x), '{"base":"0x1000","list":["0x1",2]}');
    const key = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
    assert.equal(stringifyJson(x, key), '{"base":"4096n","list":["1n",2]}');
  });
  it('other errors are not swallowed', () => {
    const x = {
      toJSON() {
        throw new RangeError('boom');
      },
    };
    assert.throws(() => stringifyJson(x), RangeError);
  });
});
