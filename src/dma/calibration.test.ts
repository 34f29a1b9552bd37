import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { citationProblems } from '../util/citations.js';
import { CALIBRATION_ROWS, DEFAULT_CALIBRATION } from './calibration.js';
import { calibrationMarkdown } from './calibration-doc.js';
import { parseCalibrationText } from './calibration-file.js';
import { closedFormLedger } from './closed-form.js';
import { parseChunkSpec } from './shape.js';

const PUBLISHED = '/work/shared/spec/published-numbers.md';
const DOC = new URL('../../docs/calibration.md', import.meta.url);

test('every calibration row cites rows that exist, in the sections it names', () => {
  // ../shared sits beside the checkout (CI lays it there too), like every fixture test's input.
  assert.ok(existsSync(PUBLISHED), `${PUBLISHED} must exist beside the checkout`);
  assert.deepEqual(citationProblems(CALIBRATION_ROWS, readFileSync(PUBLISHED, 'utf8')), []);
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

test('the ledger reproduces the published rows its calibration was derived from', () => {
  const env = {
    translating: true,
    lazy: false,
    mapType: 'THRU_HOST_BRIDGE',
    maxSegSize: 1n << 31n,
  } as const;
  const one = (size: bigint, lazy = false) => {
    const cf = closedFormLedger('map-resource', parseChunkSpec(`${size}`, size), { ...env, lazy });
    assert.ok(cf.ok);
    return { map: cf.map.cpu.totalNs, unmap: cf.unmap.cpu.totalNs };
  };
  const near = (got: number, want: number, tol: number, what: string) =>
    assert.ok(Math.abs(got - want) <= want * tol, `${what}: ${got} ns vs published ${want} ns`);
  // §1.1 "dma_map_single 4 KiB, map / unmap, 1 thread": 0.1 / 0.6 µs (strict, Arm SMMUv3)
  const small = one(4096n);
  near(small.map, 100, 0.1, '4 KiB map');
  near(small.unmap, 600, 0.05, '4 KiB unmap');
  // §1.1 "dma_map_single 1 MiB (256 × 4 KiB granules), 1 thread": 0.8 / 21.2 µs
  const big = one(1n << 20n);
  near(big.map, 800, 0.15, '1 MiB map');
  near(big.unmap, 21_200, 0.05, '1 MiB unmap');
  // §1.2: lazy unmap work per leaf is lazyUnmapFactor of strict (x86 Optane strict vs lazy)
  const lazy = one(1n << 20n, true);
  assert.ok(lazy.unmap < big.unmap * 0.25, 'lazy unmap well below strict');
});
