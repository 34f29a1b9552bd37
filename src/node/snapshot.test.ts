import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { x as extract } from 'tar';
import { loadSysfs } from '../ingest/sysfs/index.js';
import { SHARED } from '../ingest/sysfs/testing/fixtures.js';
import type { LoadResult } from '../ingest/types.js';
import { takeSnapshot } from './snapshot.js';
import { parseTar, tarVfs } from './vfs.js';

const tmp = mkdtempSync(join(tmpdir(), 'peerdma-snap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function unpack(archive: string, name: string): Promise<string> {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await extract({ file: archive, cwd: dir, preservePaths: false });
  return dir;
}

async function loadBytes(bytes: Uint8Array, label: string): Promise<LoadResult> {
  return loadSysfs(await tarVfs(bytes, label), { label });
}

/** Field-by-field equality of two loaded fabrics (functions, host bridges, groups, machine). */
function assertSameFabric(a: LoadResult, b: LoadResult) {
  assert.deepEqual(b.fabric.machine, a.fabric.machine);
  assert.deepEqual(b.fabric.hostBridges, a.fabric.hostBridges);
  assert.deepEqual(b.fabric.iommuGroups, a.fabric.iommuGroups);
  assert.equal(b.fabric.size, a.fabric.size);
  for (const f of a.fabric.functions) assert.deepEqual(b.fabric.require(f.bdf), f, f.bdf);
}

describe('peerdma snapshot', () => {
  const cases = [
    'kernel-oracle/c-iommu/sysfs.tar.gz',
    'kernel-oracle/i-switch-multifunction-sriov/sysfs.tar.gz',
    'sysfs/32intel64-2p8co2t+8ve.tar.gz',
  ];
  for (const rel of cases) {
    it(`round-trips ${rel}: same fabric, byte-identical on a second run`, async () => {
      const archive = join(SHARED, 'fixtures', rel);
      const dir = await unpack(archive, rel.replace(/\W/g, '_'));
      const original = await loadBytes(readFileSync(archive), 'orig');
      // No system pci.ids: the archive records the built-in class names the original reads with.
      const snap = await takeSnapshot(dir, []);
      const again = await takeSnapshot(dir, []);
      assert.equal(Buffer.compare(Buffer.from(snap), Buffer.from(again)), 0);
      assertSameFabric(original, await loadBytes(snap, 'snap'));
    });
  }

  it('never captures resourceN, resourceN_wc, rom, remove or reset', async () => {
    const dir = await unpack(
      join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'),
      'planted',
    );
    const fn = join(
      dir,
      'sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/0000:02:01.0/0000:04:00.0',
    );
    for (const f of ['resource0', 'resource2_wc', 'rom', 'remove', 'reset'])
      writeFileSync(join(fn, f), 'secret');
    const names = parseTar(gunzipSync(await takeSnapshot(dir)), 'snap');
    assert.ok(names.some((n) => n.endsWith('0000:04:00.0/resource')));
    assert.ok(names.some((n) => n.endsWith('0000:04:00.0/config')));
    for (const n of names) assert.doesNotMatch(n, /\/(resource\d+(_wc)?|rom|remove|reset)$/, n);
    // Nothing outside the allowlist either: no uevent, proc/iomem, p2pmem/allocate (its
    // size/available/published attributes are plain reads and are captured).
    assert.ok(!names.some((n) => /\/(uevent|p2pmem\/allocate)$|proc\/iomem/.test(n)));
    assert.ok(names.some((n) => n.endsWith('0000:04:00.0/p2pmem/available')));
  });
});
