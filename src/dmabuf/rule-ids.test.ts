import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULE, RULE_IDS } from '../core/rule-ids.js';
import { DMABUF_INVARIANTS } from './invariants.js';

test('rule ids: one spelling per rule, no id twice', () => {
  assert.equal(new Set(RULE_IDS).size, RULE_IDS.length);
  for (const id of RULE_IDS) assert.match(id, /^(?:spec7\.\d+|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/, id);
});

test('rule ids: every spec7.N names an invariant row of spec §7 whose reaction cites it', () => {
  const spec = RULE_IDS.filter((id) => id.startsWith('spec7.'));
  assert.ok(spec.length > 0);
  for (const id of spec) {
    const n = Number(id.slice('spec7.'.length));
    const row = DMABUF_INVARIANTS.find((r) => r.n === n);
    assert.ok(row, `${id}: no invariant row ${n}`);
    assert.match(
      row.reaction,
      new RegExp(`\\b${id.replace('.', '\\.')}\\b`),
      `${id}: ${row.reaction}`,
    );
  }
  assert.equal(RULE.spec7_16, 'spec7.16');
});
