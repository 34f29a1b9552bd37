import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { CONFORMANCE_CASES, conformanceMarkdown, runCase } from './conformance.js';

const spec = (name: string) =>
  loadSpec({ name, text: readFileSync(new URL(`./cases/${name}`, import.meta.url), 'utf8') })
    .fabric;

export function conformanceResults() {
  return CONFORMANCE_CASES.map((c) => runCase(spec(c.spec), c));
}

test('every published measurement with a known topology is predicted within a factor of 2', () => {
  for (const r of conformanceResults()) {
    assert.ok(
      Math.abs(r.error) < 1,
      `${r.c.id}: predicted ${r.lo}–${r.hi} vs measured ${r.c.measured}`,
    );
  }
});

test('the physics the cases show: ACS-free same-switch bounce halves in both directions, cross-switch does not', () => {
  const rs = new Map(conformanceResults().map((r) => [r.c.id, r]));
  const same = rs.get('dgx1-staged-same-switch-bidi')!;
  const cross = rs.get('dgx1-staged-cross-switch-bidi')!;
  assert.ok(same.lo < 0.75 * cross.lo, `same-switch ${same.lo} vs cross-switch ${cross.lo}`);
});

test('docs/bandwidth.md carries the generated error table', () => {
  const doc = readFileSync(new URL('../../docs/bandwidth.md', import.meta.url), 'utf8');
  assert.ok(
    doc.includes(conformanceMarkdown(conformanceResults())),
    'regenerate: node --import tsx scripts/bandwidth-doc.ts',
  );
});
