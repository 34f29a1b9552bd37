import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadSysfs } from '../ingest/sysfs/index.js';
import { fileBytes, type TreeDir, treeVfs } from '../node/vfs-tree.js';
import { type FolderFile, loadFolder, ueventDriver } from './folder.js';
import { readTar } from './tar.js';

const ORACLE = '../shared/fixtures/kernel-oracle';

/** The regular files of a tree, as a browser hands a folder over (symbolic links skipped). */
function regularFiles(dir: TreeDir, prefix: string): FolderFile[] {
  const out: FolderFile[] = [];
  for (const [name, kid] of dir.kids) {
    const p = `${prefix}/${name}`;
    if (kid.t === 'dir') out.push(...regularFiles(kid, p));
    else if (kid.t === 'file') out.push({ path: p, bytes: fileBytes(kid) });
  }
  return out;
}

describe('a capture folder opened in the browser', () => {
  const cases = ['c-iommu', 'a-same-switch', 'i-switch-multifunction-sriov'].filter((c) =>
    existsSync(join(ORACLE, c, 'sysfs.tar.gz')),
  );
  for (const c of cases) {
    it(`${c}: the same functions, tree and drivers as its .tar.gz, and says what it lost`, () => {
      const tar = readTar(gunzipSync(readFileSync(join(ORACLE, c, 'sysfs.tar.gz'))), c);
      const full = loadSysfs(treeVfs(tar, 'sysfs.tar.gz')).fabric;
      // As webkitRelativePath gives them: under the folder's own name.
      const files = regularFiles(tar, c);
      const r = loadFolder(files, c);
      const f = r.fabric;
      assert.deepEqual(
        f.functions.map((x) => x.bdf),
        full.functions.map((x) => x.bdf),
      );
      for (const want of full.functions) {
        const got = f.require(want.bdf);
        assert.equal(got.driver, want.driver, `${want.bdf} driver`);
        assert.equal(got.kind, want.kind, `${want.bdf} kind`);
        assert.equal(
          f
            .upstreamChain(got)
            .map((x) => x.bdf)
            .join(' '),
          full
            .upstreamChain(want)
            .map((x) => x.bdf)
            .join(' '),
          `${want.bdf} chain`,
        );
      }
      assert.ok(
        full.functions.some((x) => x.driver !== null),
        'the capture names drivers',
      );
      assert.equal(r.warnings[0]!.code, 'folder-no-symlinks');
      assert.match(r.warnings[0]!.message, /IOMMU group membership .* \.tar\.gz/);
    });
  }

  it('reads DRIVER= from a uevent', () => {
    assert.equal(ueventDriver('DRIVER=nvme\nPCI_CLASS=10802\n'), 'nvme');
    assert.equal(ueventDriver('PCI_CLASS=10802\nDRIVER=mlx5_core\n'), 'mlx5_core');
    assert.equal(ueventDriver('PCI_CLASS=10802\n'), null);
  });

  it('an empty folder and a folder with no sys/ are one-line errors naming it', () => {
    assert.throws(() => loadFolder([], 'empty'), { code: 'E_USAGE', message: /empty/ });
    assert.throws(
      () => loadFolder([{ path: 'photos/cat.jpg', bytes: new Uint8Array([1]) }], 'photos'),
      { code: 'E_FORMAT_UNKNOWN' },
    );
  });
});
