/**
 * Names on a real machine: a capture's functions named from pci.ids and the OS (net/, infiniband/,
 * nvme/, drm/, the NVIDIA GPU number), recorded in the snapshot so the archive reads the same on a
 * machine with no pci.ids, and accepted as device names.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { x as extract } from 'tar';
import { SHARED } from '../ingest/sysfs/testing/fixtures.js';
import { classText, deviceText } from '../names/index.js';
import { loadSource } from './load.js';
import { snapshotWithStats } from './snapshot.js';

const tmp = mkdtempSync(join(tmpdir(), 'peerdma-names-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FN = 'sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/0000:02:01.0/0000:04:00.0';

/** c-iommu with OS devices planted under two functions and a constructed pci.ids beside it. */
async function machine(): Promise<{ dir: string; ids: string }> {
  const dir = join(tmp, 'm');
  mkdirSync(dir, { recursive: true });
  await extract({ file: join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'), cwd: dir });
  for (const d of ['infiniband/mlx5_0', 'net/ens1np0'])
    mkdirSync(join(dir, FN, d), { recursive: true });
  const gpu = join(dir, 'proc/driver/nvidia/gpus/0000:06:00.0');
  mkdirSync(gpu, { recursive: true });
  writeFileSync(join(gpu, 'information'), 'Model: \t\t NVIDIA H100\nDevice Minor: \t 3\n');
  writeFileSync(
    join(
      dir,
      'sys/bus/pci/devices/0000:00:00.0/local_cpulist'.replace(
        'sys/bus/pci/devices',
        'sys/devices/pci0000:00',
      ),
    ),
    '0-7\n',
  );
  const ids = join(tmp, 'pci.ids');
  writeFileSync(
    ids,
    '# constructed\n8086  Intel Corporation\n\t29c0  82G33/G31/P35/P31 Express DRAM Controller\n',
  );
  return { dir, ids };
}

describe('names of a real machine', () => {
  it('OS device names and the NVIDIA GPU number are read, shown and accepted as device names', async () => {
    const { dir } = await machine();
    const { fabric } = await loadSource(dir, { systemPciIds: [] });
    const f = fabric.require('0000:04:00.0');
    assert.deepEqual(f.osDevices, [
      { kind: 'infiniband', name: 'mlx5_0' },
      { kind: 'net', name: 'ens1np0' },
    ]);
    assert.equal(fabric.resolve('mlx5_0').bdf, '0000:04:00.0');
    assert.equal(fabric.resolve('ens1np0').bdf, '0000:04:00.0');
    assert.equal(fabric.resolve('GPU3').bdf, '0000:06:00.0');
    assert.equal(fabric.require('0000:00:00.0').cpulist, '0-7');
  });

  it('a snapshot records the names it was taken with; elsewhere it reads the same', async () => {
    const { dir, ids } = await machine();
    const here = await loadSource(dir, { systemPciIds: [ids] });
    const hb = here.fabric.require('0000:00:00.0');
    assert.equal(
      deviceText(hb, false),
      'Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller',
    );
    assert.equal(classText(hb, true), 'Host bridge [0600]');
    const snap = await snapshotWithStats(dir, [ids]);
    const file = join(tmp, 'snap.tar.gz');
    writeFileSync(file, snap.bytes);
    // Another machine: no pci.ids at all.
    const there = await loadSource(file, { systemPciIds: [] });
    for (const f of here.fabric.functions) {
      const g = there.fabric.require(f.bdf);
      assert.deepEqual(g.names, f.names, f.bdf);
      assert.deepEqual(g.osDevices, f.osDevices, f.bdf);
    }
    assert.equal(there.fabric.resolve('GPU3').bdf, '0000:06:00.0');
    // Without the recorded names the vendor is unknown there: the record is what carried it.
    const bare = await loadSource(dir, { systemPciIds: [] });
    assert.equal(deviceText(bare.fabric.require('0000:00:00.0'), false), 'Device 8086:29c0');
  });

  it('--pci-ids names any format, and an unreadable one is E_IO naming it', async () => {
    const { ids } = await machine();
    const lspci = join(SHARED, 'fixtures/kernel-oracle/c-iommu');
    const { fabric } = await loadSource(`${lspci}/lspci-tvnn.txt,${lspci}/lspci-vvvnn.txt`, {
      pciIds: ids,
    });
    assert.equal(fabric.require('0000:00:00.0').names?.vendor, 'Intel Corporation');
    await assert.rejects(
      loadSource('example:default', { pciIds: join(tmp, 'nope') }),
      (e: unknown) =>
        e instanceof Error &&
        /E_IO|cannot read pci.ids/.test(`${(e as { code?: string }).code} ${e.message}`),
    );
  });
});
