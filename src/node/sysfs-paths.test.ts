/**
 * The fast sysfs paths against the plain ones, on every real capture in ../shared/fixtures:
 * ids read from `config` equal the kernel's attribute files, and the capture unpacked into a
 * directory (read by `dirVfs`, which lists a directory only on its second lookup) loads to the
 * same fabric, warnings included, as the archive held in memory.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSysfs } from '../ingest/sysfs/index.js';
import { fixtureTarballs, SHARED } from '../ingest/sysfs/testing/fixtures.js';
import type { LoadResult, VirtualFs } from '../ingest/types.js';
import { formatBdf, tryParseBdf } from '../pci/bdf.js';
import { dirVfs, flattenVfs, tarVfs } from './vfs.js';

const ATTRS = [
  ['vendor', 'vendor'],
  ['device', 'device'],
  ['class', 'classCode'],
  ['revision', 'revision'],
  ['subsystem_vendor', 'subsystemVendor'],
  ['subsystem_device', 'subsystemDevice'],
] as const;

const dec = new TextDecoder();

/** The fabric as plain data (the Fabric's indexes are private and derived). */
const plain = (r: LoadResult) => ({
  machine: r.fabric.machine,
  hostBridges: r.fabric.hostBridges,
  functions: r.fabric.functions,
  iommuGroups: r.fabric.iommuGroups,
  warnings: r.warnings,
});

/** Every function directory of the capture that has both `config` and id attribute files. */
function attributeDirs(vfs: VirtualFs): string[] {
  const out: string[] = [];
  for (const [p, n] of flattenVfs(vfs)) {
    if (n.t === 'file' && p.endsWith('/config') && /(^|\/)sys\/devices\//.test(p)) {
      out.push(p.slice(0, -'/config'.length));
    }
  }
  return out;
}

describe('sysfs fast paths keep the fabric', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'peerdma-paths-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [i, path] of fixtureTarballs().entries()) {
    const name = path.slice(SHARED.length);

    it(`${name}: ids from config equal the attribute files`, async () => {
      const vfs = await tarVfs(readFileSync(path), path);
      const { fabric } = loadSysfs(vfs, { label: path });
      let compared = 0;
      for (const dir of attributeDirs(vfs)) {
        const addr = tryParseBdf(dir.slice(dir.lastIndexOf('/') + 1));
        if (addr === null) continue;
        const f = fabric.get(formatBdf(addr));
        if (f === undefined) continue;
        for (const [file, field] of ATTRS) {
          const bytes = vfs.read(`${dir}/${file}`);
          if (bytes === undefined) continue;
          assert.equal(f[field], Number.parseInt(dec.decode(bytes).trim(), 16), `${dir}/${file}`);
          compared++;
        }
      }
      assert.ok(compared > 0, 'no function with both config and attribute files');
    });

    it(`${name}: a directory loads to the same fabric as the archive`, async () => {
      const vfs = await tarVfs(readFileSync(path), path);
      const root = join(tmp, String(i));
      for (const [p, n] of flattenVfs(vfs)) {
        const at = join(root, p);
        if (n.t === 'dir') mkdirSync(at, { recursive: true });
        else {
          mkdirSync(dirname(at), { recursive: true });
          if (n.t === 'file') writeFileSync(at, n.data);
          else symlinkSync(n.target, at);
        }
      }
      const fromDir = loadSysfs(dirVfs(root), { label: path });
      const fromTar = loadSysfs(vfs, { label: path });
      assert.deepEqual(plain(fromDir), plain(fromTar));
    });
  }

  it('an SR-IOV VF, whose config reads 0xffff for its ids, takes them from the files', async () => {
    const path = join(SHARED, 'fixtures/kernel-oracle/i-switch-multifunction-sriov/sysfs.tar.gz');
    const vfs = await tarVfs(readFileSync(path), path);
    const vfDirs = attributeDirs(vfs).filter((d) => vfs.kind(`${d}/physfn`) === 'link');
    assert.ok(vfDirs.length > 0);
    const { fabric } = loadSysfs(vfs, { label: path });
    for (const d of vfDirs) {
      const cfg = vfs.read(`${d}/config`)!;
      assert.equal(cfg[0]! | (cfg[1]! << 8), 0xffff, 'the capture shows the VF quirk');
      const f = fabric.require(formatBdf(tryParseBdf(d.slice(d.lastIndexOf('/') + 1))!));
      assert.equal(f.vendor, 0x1b36);
      assert.notEqual(f.device, 0xffff);
    }
  });
});
