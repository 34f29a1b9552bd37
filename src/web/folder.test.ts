import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { loadSysfs } from '../ingest/sysfs/index.js';
import {
  isDir,
  isLink,
  nodeBytes,
  type TreeDir,
  type TreeNode,
  treeVfs,
  walk,
} from '../node/vfs-tree.js';
import {
  checkFolderLimits,
  type DroppedEntry,
  directoryEntries,
  type FolderFile,
  folderTree,
  loadFolder,
  ueventDriver,
} from './folder.js';
import { BROWSER_TAR_LIMITS, readTar } from './tar.js';

const ORACLE = '../shared/fixtures/kernel-oracle';

/** The regular files of a tree, as a browser hands a folder over (symbolic links skipped). */
function regularFiles(dir: TreeDir, prefix: string): FolderFile[] {
  const out: FolderFile[] = [];
  for (const [name, kid] of dir.kids) {
    const p = `${prefix}/${name}`;
    if (isDir(kid)) out.push(...regularFiles(kid, p));
    else if (!isLink(kid)) out.push({ path: p, bytes: nodeBytes(dir, kid) });
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

  it('a browser that follows links (copies of the function and driver folders) gives the same machine', () => {
    const snap = join(ORACLE, 'c-iommu', 'sysfs.tar.gz');
    if (!existsSync(snap)) return;
    const tar = readTar(gunzipSync(readFileSync(snap)), 'c-iommu');
    const full = loadSysfs(treeVfs(tar, 'x')).fabric;
    // Follow `bus/pci/devices/*` and every `driver` link into plain copies (no deeper).
    const follow = (dir: TreeDir, at: string): TreeDir => {
      const kids = new Map<string, TreeNode>();
      for (const [n, k] of dir.kids) {
        const p = at === '' ? n : `${at}/${n}`;
        if (isLink(k) && (n === 'driver' || at === 'sys/bus/pci/devices')) {
          const target = walk(tar, p, true, 'x');
          if (isDir(target)) kids.set(n, { t: 'dir', kids: new Map(target.kids) });
        } else kids.set(n, isDir(k) ? follow(k, p) : k);
      }
      return { t: 'dir', kids };
    };
    const copied = follow(tar, '');
    const r = loadFolder(regularFiles(copied, 'c-iommu'), 'c-iommu/');
    assert.deepEqual(
      r.fabric.functions.map((f) => [f.bdf, f.driver]),
      full.functions.map((f) => [f.bdf, f.driver]),
    );
  });

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

/** A dropped folder as the File and Directory Entries API shows it, `batch` entries per read. */
function fakeEntry(dir: TreeDir, name: string, batch: number): DroppedEntry<Uint8Array> {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader() {
      const kids = [...dir.kids].filter(([, k]) => !isLink(k)); // links are skipped
      let at = 0;
      return {
        readEntries(ok) {
          const part = kids.slice(at, at + batch);
          at += batch;
          setTimeout(() =>
            ok(
              part.map(([n, k]) =>
                isDir(k)
                  ? fakeEntry(k, n, batch)
                  : {
                      name: n,
                      isFile: true,
                      isDirectory: false,
                      file: (done) => setTimeout(() => done(nodeBytes(dir, k as never)), 0),
                    },
              ),
            ),
          );
        },
      };
    },
  };
}

describe('the folder limits (checked before the files are read)', () => {
  const tooLarge = (e: unknown, what: string): boolean =>
    e instanceof Error &&
    (e as { code?: string }).code === 'E_TOO_LARGE' &&
    e.message.includes(what) &&
    (e as { location?: { file?: string } }).location?.file === 'cap/';
  it('refuses too many files, or too many bytes, from the counts alone', () => {
    const { entries, bytes } = BROWSER_TAR_LIMITS;
    assert.doesNotThrow(() => checkFolderLimits(entries, bytes, 'cap/'));
    assert.throws(
      () => checkFolderLimits(entries + 1, 0, 'cap/'),
      (e) => tooLarge(e, `more than ${entries} files`),
    );
    assert.throws(
      () => checkFolderLimits(1, bytes + 1, 'cap/'),
      (e) => tooLarge(e, `more than ${bytes} bytes`),
    );
  });
  it('the tree is built under the same limits', () => {
    const one: FolderFile = { path: 'cap/a', bytes: new Uint8Array(1) };
    const many = new Array<FolderFile>(BROWSER_TAR_LIMITS.entries + 1).fill(one);
    assert.throws(
      () => folderTree(many, 'cap/'),
      (e) => tooLarge(e, 'files'),
    );
  });
});

describe('a dropped folder (directory entries)', () => {
  it('is read to the end of every batch, with paths from the folder name, and loads as a capture', async () => {
    const snap = join(ORACLE, 'c-iommu', 'sysfs.tar.gz');
    if (!existsSync(snap)) return;
    const tar = readTar(gunzipSync(readFileSync(snap)), 'c-iommu');
    const want = regularFiles(tar, 'cap')
      .map((f) => f.path)
      .sort();
    const got = await directoryEntries(fakeEntry(tar, 'cap', 3));
    assert.deepEqual(got.map((e) => e.path).sort(), want);
    const r = loadFolder(
      got.map((e) => ({ path: e.path, bytes: e.file })),
      'cap/',
    );
    assert.equal(r.fabric.size, loadSysfs(treeVfs(tar, 'x')).fabric.size);
  });

  it('a file that cannot be read fails the whole read', async () => {
    const bad: DroppedEntry<Uint8Array> = {
      name: 'cap',
      isFile: false,
      isDirectory: true,
      createReader: () => {
        let done = false;
        return {
          readEntries: (ok) => {
            ok(
              done
                ? []
                : [
                    {
                      name: 'x',
                      isFile: true,
                      isDirectory: false,
                      file: (_ok, fail) => fail(new Error('NotReadableError')),
                    },
                  ],
            );
            done = true;
          },
        };
      },
    };
    await assert.rejects(directoryEntries(bad), /NotReadableError/);
  });
});
