import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driverFabric } from '../drivers/testing/fabric.js';
import { buildDemo, findingText, renderDemo, renderDemoSection } from './demo.js';

test('demo text names the pair, every step and the ring table', () => {
  const doc = buildDemo(driverFabric());
  assert.equal(doc.schemaVersion, 1);
  const text = renderDemo(doc);
  assert.match(
    text,
    /pair: accel0 \(0000:03:00.0\) exports, nic0 \(0000:04:00.0\) imports — BUS_ADDR/,
  );
  for (const step of ['alloc', 'export', 'pass-fd', 'import', 'rdma-write', 'verify', 'teardown'])
    assert.match(text, new RegExp(`\\d\\. ${step}`));
  assert.match(text, /p2p-doorbell +64\/64 +yes/);
  assert.match(text, /verified: yes · pristine: yes/);
  assert.equal(
    renderDemoSection(driverFabric()).startsWith('== DMA-BUF founding scenario =='),
    true,
  );
});

test('finding wording', () => {
  const t = findingText({
    code: 'p2p_silent_fallback_gtt',
    path: ['0000:06:00.0', '0000:05:00.0'],
    evidence: { bo: 1 },
    hint: null,
  });
  assert.match(t, /served from system memory instead, with no error/);
});
