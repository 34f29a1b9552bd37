import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import { register } from './demo.js';

async function run(args: string[]): Promise<string> {
  const program = new Command().name('peerdma').exitOverride();
  register(program);
  const chunks: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = orig;
  }
  return chunks.join('');
}

test('peerdma demo --json on the default example: schemaVersion 1, verified, pristine, deterministic', async () => {
  const a = await run(['demo', '--json']);
  const doc = JSON.parse(a);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.founding.verified, true);
  assert.deepEqual(doc.founding.pristine, []);
  assert.equal(doc.founding.pair.accel, 'accel0');
  assert.equal(doc.ring.rows[0].cpuInterventions, 0);
  assert.equal(await run(['demo', '--json']), a);
});

test('peerdma demo rejects an unknown strategy', async () => {
  await assert.rejects(run(['demo', '--strategy', 'nope']), /unknown --strategy 'nope'/);
});
