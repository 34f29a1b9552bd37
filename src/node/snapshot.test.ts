import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { x as extract } from 'tar';
import { PeerdmaError } from '../errors/index.js';
import { loadSysfs } from '../ingest/sysfs/index.js';
import { SHARED } from '../ingest/sysfs/testing/fixtures.js';
import type { LoadResult } from '../ingest/types.js';
import { snapshotWithStats, takeSnapshot } from './snapshot.js';
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
  // The name of a capture one folder down is that folder's; a snapshot of it has none.
  assert.deepEqual({ ...b.fabric.machine, name: null }, { ...a.fabric.machine, name: null });
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
      const unpacked = await unpack(archive, rel.replace(/\W/g, '_'));
      // hwloc's captures sit one folder down: --root names that folder exactly.
      const top = readdirSync(unpacked);
      const dir = top.includes('sys') ? unpacked : join(unpacked, top[0]!);
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

  it('--root captures exactly that folder: a capture one folder down is refused, naming it', async () => {
    const dir = await unpack(
      join(SHARED, 'fixtures/sysfs/32intel64-2p8co2t+8ve.tar.gz'),
      'onedown',
    );
    await assert.rejects(
      takeSnapshot(dir),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_NOT_FOUND' &&
        e.message.includes(join(dir, '32intel64-2p8co2t+8ve')),
    );
    await assert.rejects(
      takeSnapshot(join(tmp, 'does-not-exist')),
      (e: unknown) =>
        e instanceof PeerdmaError && e.code === 'E_IO' && /no such directory/.test(e.message),
    );
  });

  it('says which facts it could not read: short config space (non-root), unreadable attributes', async () => {
    const dir = await unpack(
      join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'),
      'nonroot',
    );
    const devices = join(dir, 'sys/bus/pci/devices');
    const fns = readdirSync(devices);
    // What a non-root read sees: the first 64 bytes of a file that says it holds 4096.
    const fn = join(devices, fns[0]!);
    const cfg = readFileSync(join(fn, 'config'));
    const { truncateSync } = await import('node:fs');
    truncateSync(join(fn, 'config'), 64);
    const small = await snapshotWithStats(dir);
    assert.ok(!small.notes.some((n) => /config space/.test(n))); // a 64-byte file is what it says it is
    writeFileSync(join(fn, 'config'), cfg);
    const vfs = (await import('./vfs.js')).dirVfs(dir);
    const { collectSnapshot } = await import('./snapshot.js');
    const shortRead = {
      ...vfs,
      read: (p: string) => (p.endsWith('/config') ? vfs.read(p)?.subarray(0, 64) : vfs.read(p)),
    };
    const got = collectSnapshot(shortRead);
    assert.match(
      got.warnings[0] ?? '',
      new RegExp(
        `config space of ${got.functions} of ${got.functions} functions reads only 64 bytes.*ACS`,
      ),
    );
    const noVendor = {
      ...vfs,
      read: (p: string) => (p.endsWith('/vendor') ? undefined : vfs.read(p)),
    };
    assert.match(collectSnapshot(noVendor).warnings.join('\n'), /could not read.*vendor \(\d+\)/);
  });

  it('refuses a capture over the total size cap, and a FIFO or /dev/zero at an attribute path neither blocks nor is read', async () => {
    const dir = await unpack(
      join(SHARED, 'fixtures/kernel-oracle/b-root-ports/sysfs.tar.gz'),
      'special',
    );
    await assert.rejects(
      takeSnapshot(dir, undefined, { maxBytes: 1000 }),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_TOO_LARGE',
    );
    const fn = join(dir, 'sys/bus/pci/devices', readdirSync(join(dir, 'sys/bus/pci/devices'))[0]!);
    rmSync(join(fn, 'vendor'));
    symlinkSync('/dev/zero', join(fn, 'vendor'));
    const { spawnSync } = await import('node:child_process');
    rmSync(join(fn, 'device'));
    assert.equal(
      spawnSync('mkfifo', [join(fn, 'device')]).status,
      0,
      'mkfifo (coreutils) makes the FIFO',
    );
    const names = parseTar(gunzipSync(await takeSnapshot(dir)), 'snap');
    assert.ok(!names.some((n) => n.endsWith(`${fn.split('/').pop()}/device`)));
  });
});
