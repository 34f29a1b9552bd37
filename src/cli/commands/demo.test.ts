import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listExamples } from '../../node/examples.js';
import { runCli } from '../testing/run.js';

/** stdout of `peerdma ARGS`; a non-zero exit rejects with its stderr. */
async function run(args: string[]): Promise<string> {
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
}

test('peerdma demo --json on the default example: schemaVersion 2, verified, pristine, deterministic', async () => {
  const a = await run(['demo', '--json']);
  const doc = JSON.parse(a);
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.founding.verified, true);
  assert.deepEqual(doc.founding.pristine, []);
  assert.equal(doc.founding.pair.accel, 'accel0');
  assert.equal(doc.ring.rows[0].cpuInterventions, 0);
  assert.equal(await run(['demo', '--json']), a);
});

test('peerdma demo rejects an unknown strategy', async () => {
  await assert.rejects(run(['demo', '--strategy', 'nope']), /unknown --strategy 'nope'/);
});

test('peerdma demo on every example machine either runs verified and pristine or explains', async () => {
  for (const ex of listExamples()) {
    const doc = JSON.parse(await run(['demo', '--json', '--from', `example:${ex.name}`]));
    const f = doc.founding;
    assert.deepEqual(f.pristine, [], ex.name);
    assert.deepEqual(f.violations, [], ex.name);
    if (f.pair === null) {
      assert.match(f.noPair.reason, /^no (accelerator|RDMA NIC)|can do P2P/, ex.name);
      assert.match(f.noPair.reason, /endpoints|pairs/, ex.name);
      continue;
    }
    assert.equal(f.verified, true, ex.name);
    assert.deepEqual(
      f.steps.map((s: { name: string }) => s.name),
      [
        'alloc',
        'export',
        'pass-fd',
        'import',
        'map',
        'wait-fences',
        'rdma-write',
        'verify',
        'teardown',
      ],
    );
  }
});

test('peerdma demo text: every step prints route, map type, cost so far and fences', async () => {
  const out = await run(['demo']);
  const steps = out.split('\n').filter((l) => /^\d+\. /.test(l));
  assert.equal(steps.length, 9);
  for (const label of ['route     ', 'map type  ', 'cost      ', 'fences    '])
    assert.equal(out.split('\n').filter((l) => l.startsWith(`   ${label}`)).length, 9, label);
});
