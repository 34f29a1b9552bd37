import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DMABUF_INVARIANTS, invariantsMarkdown } from './invariants.js';

test('the invariant table lists all 40, in order, each with an owner', () => {
  assert.deepEqual(
    DMABUF_INVARIANTS.map((r) => r.n),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
});

test('every invariant names a test that exists', () => {
  for (const r of DMABUF_INVARIANTS) {
    const [file, title] = r.test.split('#') as [string, string];
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    assert.ok(text.includes(`test('${title}`), `7.${r.n}: ${file} has a test starting '${title}'`);
  }
});

test('the Markdown rendering has a header and one row per invariant', () => {
  const md = invariantsMarkdown().trimEnd().split('\n');
  assert.equal(md.length, 42);
  assert.match(md[2]!, /^\| 1 \| export requires priv/);
  assert.match(md[41]!, /^\| 40 \| .* \| p2pdma\/dma \| .* \| src\/dma\/sg\.test\.ts#P2PDMA pages/);
});
