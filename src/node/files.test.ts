import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { writeOutputChunks } from './files.js';

test('writeOutputChunks: text and bytes in order, all or nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-files-'));
  const file = join(dir, 'out.svg');
  writeOutputChunks(file, ['<svg>', new TextEncoder().encode('→ é'), '</svg>\n']);
  assert.equal(readFileSync(file, 'utf8'), '<svg>→ é</svg>\n');
  // a producer that fails half-way: the good file stays, no temporary file is left
  function* failing() {
    yield 'half';
    throw new PeerdmaError('E_USAGE', 'stop');
  }
  assert.throws(() => writeOutputChunks(file, failing()), { code: 'E_USAGE' });
  assert.equal(readFileSync(file, 'utf8'), '<svg>→ é</svg>\n');
  assert.deepEqual(readdirSync(dir), ['out.svg']);
  // a directory or a missing parent: E_IO naming the file
  mkdirSync(join(dir, 'sub'));
  for (const bad of [join(dir, 'sub'), join(dir, 'none', 'x.svg')])
    assert.throws(
      () => writeOutputChunks(bad, ['x']),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_IO' && e.location?.file === bad,
    );
  assert.deepEqual(readdirSync(dir).sort(), ['out.svg', 'sub']);
  // a non-regular target is written in place
  writeOutputChunks('/dev/null', ['a', 'b']);
  writeFileSync(file, 'old');
  writeOutputChunks(file, []);
  assert.equal(readFileSync(file, 'utf8'), '');
});
