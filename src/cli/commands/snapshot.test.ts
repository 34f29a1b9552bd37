import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { x as extract } from 'tar';
import { loadSysfs } from '../../ingest/sysfs/index.js';
import { ORACLE_FIXTURES } from '../../ingest/sysfs/testing/fixtures.js';
import { tarVfs } from '../../node/vfs.js';
import { runCli } from '../testing/run.js';

describe('peerdma snapshot (command)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'peerdma-snapcmd-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes an archive of --root that the loader reads, with a summary on stderr', async () => {
    const root = join(tmp, 'root');
    mkdirSync(root);
    await extract({ file: join(ORACLE_FIXTURES, 'b-root-ports/sysfs.tar.gz'), cwd: root });
    const out = join(tmp, 'snap.tar.gz');
    const r = await runCli(['snapshot', '--root', root, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const bytes = readFileSync(out);
    assert.match(
      r.stderr,
      new RegExp(`snapshot: 12 PCI functions, \\d+ entries, ${bytes.length} bytes`),
    );
    const { fabric } = loadSysfs(await tarVfs(bytes, out));
    assert.equal(fabric.size, 12);
  });
});
