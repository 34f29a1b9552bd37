import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NESTING, nestingBound } from './nesting.js';

describe('nestingBound', () => {
  it('bounds block, compact and flow nesting from above, naming the line', () => {
    assert.ok(nestingBound('a:\n  b:\n    c: 1\n').depth >= 3);
    assert.ok(nestingBound('- - - - x\n').depth >= 4);
    assert.ok(nestingBound('a: [[[{"b": [1]}]]]\n').depth >= 5);
    const deep = `peerdma: 1\nmachine: ${'['.repeat(10_000)}`;
    assert.deepEqual(nestingBound(deep), { depth: 10_000 + 0, line: 2 });
    assert.ok(nestingBound('- '.repeat(10_000)).depth > MAX_NESTING);
  });

  it('does not count brackets in quoted scalars or comments, but does after them', () => {
    assert.equal(nestingBound(`a: "${'['.repeat(1000)}"`).depth, 0);
    assert.equal(nestingBound(`a: '${'{'.repeat(1000)}'`).depth, 0);
    assert.equal(nestingBound(`a: 1 # ${'['.repeat(1000)}`).depth, 0);
    assert.equal(nestingBound(`a: "x\\"[" ${'['.repeat(300)}`).depth, 300);
    // A quote inside a plain scalar opens nothing: brackets after it still count.
    assert.equal(nestingBound(`a: don't ${'['.repeat(300)}`).depth, 300);
  });
});
