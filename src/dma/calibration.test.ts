import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { CALIBRATION_ROWS, DEFAULT_CALIBRATION } from './calibration.js';
import { calibrationMarkdown } from './calibration-doc.js';
import { parseCalibrationText } from './calibration-file.js';

const PUBLISHED = '/work/shared/spec/published-numbers.md';
const DOC = new URL('../../docs/calibration.md', import.meta.url);

test('every calibration row cites a section and row names that exist in published-numbers.md', (t) => {
  if (!existsSync(PUBLISHED)) {
    t.skip(`${PUBLISHED} is not available here`);
    return;
  }
  const text = readFileSync(PUBLISHED, 'utf8').replace(/[*`]/g, '');
  for (const r of CALIBRATION_ROWS) {
    const sections = [...r.source.matchAll(/§(\d+\.\d+)/g)].map((m) => m[1]!);
    const names = [...r.source.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(sections.length > 0 || r.source.startsWith('Gaps'), `${r.key}: no section`);
    for (const s of sections) assert.ok(text.includes(`### ${s} `), `${r.key}: section ${s}`);
    for (const n of names) assert.ok(text.includes(n), `${r.key}: row "${n}"`);
    if (r.confidence === 'A')
      assert.match(r.derivation, /no published|assum/i, `${r.key} says it assumes`);
  }
});

test('docs/calibration.md lists the table exactly', () => {
  const doc = readFileSync(DOC, 'utf8');
  assert.ok(
    doc.includes(calibrationMarkdown()),
    'regenerate docs/calibration.md from calibrationMarkdown()',
  );
});

test('a calibration file overrides named rows; unknown keys and bad values name file and line', () => {
  const o = parseCalibrationText('schemaVersion: 1\niotlbSyncNs: 1236\n', 'cal.yaml');
  assert.deepEqual(o.overridden, ['iotlbSyncNs']);
  assert.equal(o.calibration.iotlbSyncNs, 1236);
  assert.equal(o.calibration.pteWriteNs, DEFAULT_CALIBRATION.pteWriteNs);
  const err = (text: string) => {
    try {
      parseCalibrationText(text, 'cal.yaml');
    } catch (e) {
      assert.ok(e instanceof PeerdmaError);
      return e.toLine();
    }
    return 'no error';
  };
  assert.match(
    err('iommuCallNs: 40\nbogus: 1\n'),
    /^cal\.yaml:2:1: bogus: unknown calibration key 'bogus'/,
  );
  assert.match(err('{"pteWriteNs": -1}'), /^cal\.yaml:1:16: pteWriteNs: .*>=0 \[E_SCHEMA\]$/);
  assert.match(err('schemaVersion: 2\n'), /^cal\.yaml:1:16: schemaVersion: /);
  assert.match(err('a: [\n'), /\[E_PARSE\]$/);
});
