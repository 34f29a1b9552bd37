import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { citationProblems } from '../util/citations.js';
import { PERF_ROWS } from './calibration.js';
import { RC_PROFILES } from './rc.js';

const PUBLISHED = '/work/shared/spec/published-numbers.md';

test('every bandwidth/latency calibration row and root-complex profile cites rows that exist', () => {
  assert.ok(existsSync(PUBLISHED), `${PUBLISHED} must exist beside the checkout`);
  const text = readFileSync(PUBLISHED, 'utf8');
  assert.deepEqual(citationProblems(PERF_ROWS, text), []);
  assert.deepEqual(
    citationProblems(
      RC_PROFILES.flatMap((p) => p.rows),
      text,
    ),
    [],
  );
});

test('a wrong citation is caught (the check can fail)', () => {
  const text = readFileSync(PUBLISHED, 'utf8');
  const row = { ...PERF_ROWS.find((r) => r.key === 'switchNsGen4')!, value: 104 };
  assert.match(citationProblems([row], text)[0] ?? '', /verified value 104/);
  const gone = { ...row, value: 105, source: '§3.3 "No such row"' };
  assert.match(citationProblems([gone], text)[0] ?? '', /not in §3.3/);
});
