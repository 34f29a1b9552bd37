import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SHARED } from '../sysfs/testing/fixtures.js';
import { loadHwloc } from './index.js';
import { hwlocOsDevices } from './osdev.js';

const load = (name: string) => {
  const file = join(SHARED, 'fixtures/hwloc', name);
  return loadHwloc({ name: file, text: readFileSync(file, 'utf8') }).fabric;
};

describe('hwloc OS devices', () => {
  it('a ConnectX HCA (real lstopo XML): mlx4_0 first, then its netdevs; disks and GPUs by name', () => {
    const f = load('24em64t-2n6c2t-pci.xml');
    assert.deepEqual(f.require('0000:05:00.0').osDevices, [
      { kind: 'infiniband', name: 'mlx4_0' },
      { kind: 'net', name: 'eth2' },
      { kind: 'net', name: 'ib0' },
    ]);
    assert.equal(f.resolve('mlx4_0').bdf, '0000:05:00.0');
    assert.equal(f.resolve('sda').bdf, '0000:00:1f.2');
  });

  it('hwloc 2 enum and hwloc 3 mask both say network; library handles are not OS names', () => {
    const os = (name: string, t: string) => ({ type: 'OSDev', attrs: { name, osdev_type: t } });
    assert.deepEqual(
      hwlocOsDevices([os('eth0', '2'), os('ens1', '16'), os('cuda0', '5'), os('nvml0', '4')]),
      [
        { kind: 'net', name: 'eth0' },
        { kind: 'net', name: 'ens1' },
      ],
    );
  });
});
