/**
 * The real executable, in a child process: a handful of smoke tests for what in-process runs
 * cannot see (the shebang entry, process exit status, stream wiring). Everything else about the
 * CLI runs in-process (cli.test.ts, commands/*.test.ts).
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync } from 'node:fs';
import { describe, test } from 'node:test';
import { stdoutFailed, VERSION } from './main.js';
import { linesOf, spawnCli } from './testing/run.js';

describe('peerdma as a process', { concurrency: 4 }, () => {
  test('--version prints the version and exits 0', async () => {
    const r = await spawnCli(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
  });

  test('check on the default example exits 0 with the verdict on stdout', async () => {
    const r = await spawnCli(['check', 'accel0', 'nic0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^verdict: {2}\S+/m);
    assert.equal(r.stderr, '');
  });

  test('bad input: one line on stderr, exit status 2', async () => {
    const r = await spawnCli(['topo', '--from', '/no/such/file.txt']);
    assert.equal(r.code, 2);
    assert.equal(linesOf(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^peerdma: .*\/no\/such\/file\.txt/);
    assert.equal(r.stdout, '');
  });

  test('a full disk on stdout: one line naming it, exit status 2 (a closed pipe: 0)', {
    skip: existsSync('/dev/full') ? false : 'no /dev/full',
  }, async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await spawnCli(['topo'], { stdoutFd: fd });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        r.stderr,
        'peerdma: cannot write to standard output: ENOSPC: no space left on device [E_IO]\n',
      );
    } finally {
      closeSync(fd);
    }
    const err: string[] = [];
    const sink = { write: (s: string) => err.push(s) };
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    assert.equal(stdoutFailed(epipe, ['topo'], sink), 0);
    assert.deepEqual(err, []);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
    });
    assert.equal(stdoutFailed(full, ['topo', '--json'], sink), 2);
    assert.deepEqual(JSON.parse(err[0]!), {
      schemaVersion: 1,
      error: {
        code: 'E_IO',
        message: 'cannot write to standard output: ENOSPC: no space left on device',
      },
    });
  });

  test('a usage error exits 2 the same way', async () => {
    const r = await spawnCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^peerdma: unknown command 'frobnicate' \[E_USAGE\]\n$/);
  });
});
