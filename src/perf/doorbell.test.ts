import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { doorbellTiming } from './doorbell.js';
import { PerfModel } from './model.js';

const example = (name: string) =>
  loadSpec({
    name,
    text: readFileSync(new URL(`../../examples/${name}.yaml`, import.meta.url), 'utf8'),
  }).fabric;

test('the P2P doorbell beats the CPU round trip per item; batching amortises the fixed costs', () => {
  const f = example('default-acs-off');
  const m = new PerfModel(f);
  const [nic, accel] = [f.resolve('nic0'), f.resolve('accel0')];
  const t8 = doorbellTiming(m, nic, accel, 8);
  const t1 = doorbellTiming(m, nic, accel, 1);
  assert.equal(t8.p2pRefused, false);
  // P2P: 64 B at 25.93 GB/s (2.47 ns) + one switch turnaround (105 ns) / 8 = 15.6 ns
  assert.ok(Math.abs(t8.p2pNs - (64 / 25.93 + 105 / 8)) < 0.05, `${t8.p2pNs}`);
  // CPU: 273 + 6300 + 8 × 64 B at the bounce rate + 273, over 8 records
  assert.ok(t8.cpuNs > 10 * t8.p2pNs);
  assert.ok(t1.cpuNs > 7 * t8.cpuNs && t1.p2pNs > t8.p2pNs);
});
