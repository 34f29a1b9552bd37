/** `demo` honours a driver's stated P2P policy (`p2p: refuses`) the way the DMA-BUF drivers would. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { buildDemo } from './demo.js';

const base = readFileSync(new URL('../../examples/default.yaml', import.meta.url), 'utf8');
const names = (prefix: string) =>
  [...base.matchAll(new RegExp(`- name: (${prefix}\\d+)\\n`, 'g'))].map((m) => m[1]!);
/** The default machine with `p2p: refuses` stated on the named endpoints. */
function refusing(devices: readonly string[]) {
  let text = base;
  for (const name of devices) {
    const at = `                      - name: ${name}\n`;
    assert.ok(text.includes(at), name);
    text = text.replace(at, `${at}                        p2p: refuses\n`);
  }
  return loadSpec({ name: 'refuses.yaml', text }).fabric;
}
const step = (d: ReturnType<typeof buildDemo>, name: string) =>
  d.founding.steps.find((s) => s.name === name);

describe('demo: a driver refusing P2P', () => {
  test('the unchanged machine imports accel0 → nic0 with peer2peer and verifies', () => {
    const d = buildDemo(loadSpec({ name: 'default.yaml', text: base }).fabric);
    assert.equal(d.founding.verified, true);
    assert.deepEqual([d.founding.pair?.accel, d.founding.pair?.nic], ['accel0', 'nic0']);
    assert.match(step(d, 'import')?.detail ?? '', /peer2peer=true/);
  });

  test('one refusing NIC: the demo runs on a pair whose drivers allow P2P', () => {
    const d = buildDemo(refusing(['nic0']));
    assert.notEqual(d.founding.pair?.nic, 'nic0');
    assert.equal(d.founding.verified, true);
  });

  for (const [role, hint] of [
    ['nic', /importer's driver refuses P2P/],
    ['accel', /driver of 0000:[0-9a-f:.]+ refuses P2P/],
  ] as const) {
    test(`every ${role} refusing: the attach is not peer2peer, habanalabs refuses the map, teardown is clean`, () => {
      const all = names(role);
      assert.ok(all.length >= 2, role);
      const d = buildDemo(refusing(all));
      assert.ok(d.founding.pair?.issues.includes('driver_refuses_p2p'));
      assert.equal(d.founding.verified, false);
      const imp = step(d, 'import');
      assert.equal(imp?.ok, false);
      assert.equal(imp?.errno, 'EPERM');
      assert.match(imp?.detail ?? '', /p2p is disabled/);
      const f = d.founding.findings.find((x) => x.code === 'p2p_refused_at_map');
      assert.match(f?.hint ?? '', hint);
      assert.equal(step(d, 'teardown')?.ok, true, step(d, 'teardown')?.detail);
      assert.deepEqual(d.founding.pristine, []);
    });
  }
});
