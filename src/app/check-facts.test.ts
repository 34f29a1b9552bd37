/** `check` honours stated facts the kernel does not look at: a driver's P2P policy, chip partitions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { PARTITIONED_SPEC } from '../ingest/spec/testing/chip.js';
import { findingText } from '../report/findings.js';
import { renderVerdict, verdictJson } from '../report/p2p.js';
import { check } from './check.js';
import type { AppContext } from './context.js';

const res = loadSpec({ name: 'partitioned.yaml', text: PARTITIONED_SPEC });
const ctx: AppContext = { load: async () => res, onWarnings: () => {} };

describe('check: stated facts', () => {
  test('a driver refusing P2P the kernel allows is a warning, in text and JSON', async () => {
    const rec = await check({ provider: 'gpu1', client: 'gpu0', rules: 'linux-6.1' }, ctx);
    assert.equal(rec.verdict.mapType, 'BUS_ADDR'); // the kernel's verdict is unchanged
    const f = rec.findings.find((x) => x.code === 'driver_refuses_p2p');
    assert.deepEqual(f?.subject, ['gpu1']);
    assert.equal(f?.severity, 'warning');
    assert.deepEqual(f?.evidence, { driver: 'nvidia', kernelAllows: true });
    assert.match(
      renderVerdict(rec),
      /note: {5}the driver of gpu1 \(nvidia\) refuses P2P although the kernel allows it/,
    );
    const doc = verdictJson(rec) as { facts?: { code: string; text: string }[] };
    assert.equal(doc.facts?.[0]?.code, 'driver_refuses_p2p');
  });

  test('partitions of one chip: the verdict stays the kernel’s, the note names the chip', async () => {
    const rec = await check({ provider: 'gpu2', client: 'gpu0', rules: 'linux-6.1' }, ctx);
    assert.notEqual(rec.verdict.mapType, 'BUS_ADDR');
    const f = rec.findings.find((x) => x.code === 'chip_partitions');
    assert.deepEqual(f?.evidence, { chip: 'pex', partitions: ['swB', 'swA'] });
    assert.match(findingText(f!), /switch chip pex: the kernel sees separate hierarchies/);
    assert.ok(!rec.findings.some((x) => x.code === 'driver_refuses_p2p'));
  });

  test('a pair with no stated facts gets none', async () => {
    const plain = loadSpec({
      name: 'p.yaml',
      text: PARTITIONED_SPEC.replace('p2p: refuses, ', '')
        .replaceAll('chip: pex', 'model: x')
        .replace('fabricGBps: 64', 'revision: 1'),
    });
    const c: AppContext = { load: async () => plain, onWarnings: () => {} };
    const rec = await check({ provider: 'gpu1', client: 'gpu0', rules: 'linux-6.1' }, c);
    assert.ok(
      !rec.findings.some((x) => x.code === 'driver_refuses_p2p' || x.code === 'chip_partitions'),
    );
    assert.equal('facts' in verdictJson(rec), false);
  });
});
