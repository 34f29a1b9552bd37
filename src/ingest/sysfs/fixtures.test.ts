/** The sysfs loader against every real capture in <repo>/../shared/fixtures. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tarVfs } from '../../node/vfs.js';
import { categoryOf } from '../../pci/classes.js';
import { ACS, isKnown } from '../../pci/types.js';
import type { LoadResult } from '../types.js';
import { loadSysfs } from './index.js';
import {
  fixtureTarballs,
  ORACLE_FIXTURES as ORACLE,
  SHARED,
  SYSFS_FIXTURES as SYSFS,
} from './testing/fixtures.js';

async function load(path: string): Promise<LoadResult> {
  return loadSysfs(await tarVfs(readFileSync(path), path), { label: path });
}
const oracle = (m: string) => load(join(ORACLE, m, 'sysfs.tar.gz'));
const hwloc = (m: string) => load(join(SYSFS, `${m}.tar.gz`));

describe('sysfs fixtures', () => {
  it('finds all 12 tarballs', () => {
    assert.equal(fixtureTarballs().length, 12);
  });

  for (const path of fixtureTarballs()) {
    it(`loads ${path.slice(SHARED.length)}`, async () => {
      const { fabric, warnings } = await load(path);
      assert.ok(fabric.size > 0);
      assert.ok(fabric.hostBridges.length > 0);
      // Aggregated: one warning per kind, never one per function.
      assert.ok(warnings.length < 15, `${warnings.length} warnings`);
      for (const f of fabric.functions) assert.ok(isKnown(f.vendor) && isKnown(f.classCode), f.bdf);
    });
  }

  it('c-iommu: root port 00:04.0 with ACS redirect enabled by the IOMMU driver', async () => {
    const { fabric } = await oracle('c-iommu');
    const rp = fabric.require('0000:00:04.0');
    assert.equal(rp.kind, 'root-port');
    assert.equal(rp.acs.state, 'present');
    assert.ok(
      rp.acs.state === 'present' && (rp.acs.ctrl & (ACS.RR | ACS.CR)) === (ACS.RR | ACS.CR),
    );
    assert.deepEqual(rp.buses, { secondary: 1, subordinate: 5 });
    // The root port created with disable-acs=on has no ACS capability in its full config.
    assert.deepEqual(fabric.require('0000:00:07.0').acs, { state: 'absent' });
    assert.equal(fabric.require('0000:07:00.0').parent, '0000:00:07.0');
    assert.equal(fabric.require('0000:02:01.0').kind, 'switch-downstream');
    assert.equal(fabric.require('0000:01:00.0').kind, 'switch-upstream');
    assert.equal(fabric.require('0000:04:00.0').driver, 'nvme');
  });

  it('c-iommu: machine facts and IOMMU groups match verdicts.json', async () => {
    const { fabric } = await oracle('c-iommu');
    const v = JSON.parse(readFileSync(join(ORACLE, 'c-iommu/verdicts.json'), 'utf8')) as {
      iommuGroups: Record<string, { type: string; devices: string[] }>;
      kernel: string;
      kernelCmdline: string;
    };
    const m = fabric.machine;
    assert.equal(m.cpu.vendor, 'AuthenticAMD');
    assert.equal(m.cpu.family, 15);
    assert.equal(m.cpu.arch, 'x86');
    assert.equal(m.kernelRelease, v.kernel);
    assert.equal(m.kernelCmdline, v.kernelCmdline);
    assert.deepEqual(m.iommu, { enabled: true, defaultDomain: 'DMA-FQ' });
    const groups = Object.entries(v.iommuGroups);
    assert.equal(groups.length, 10);
    for (const [id, g] of groups) {
      for (const bdf of g.devices) assert.equal(fabric.require(bdf).iommuGroup, Number(id), bdf);
      assert.deepEqual(
        fabric.iommuGroups.find((x) => x.id === Number(id)),
        { id: Number(id), type: g.type },
      );
    }
  });

  it('i-switch-multifunction-sriov: VFs point at their PF', async () => {
    const { fabric } = await oracle('i-switch-multifunction-sriov');
    assert.equal(fabric.require('0000:04:00.1').physfn, '0000:04:00.0');
    assert.equal(fabric.require('0000:04:00.2').physfn, '0000:04:00.0');
    assert.equal(fabric.require('0000:04:00.0').physfn, null);
    assert.equal(fabric.require('0000:04:00.1').parent, '0000:02:01.0');
  });

  it('e-pxb-numa: the pxb host bridge is on NUMA node 1 and shows as a host-bridge function', async () => {
    const { fabric } = await oracle('e-pxb-numa');
    assert.deepEqual(
      fabric.hostBridges.map((h) => [h.id, h.numaNode]),
      [
        ['pci0000:00', -1],
        ['pci0000:80', 1],
      ],
    );
    assert.equal(fabric.require('0000:00:08.0').kind, 'host-bridge');
    assert.equal(fabric.require('0000:81:00.0').hostBridge, 'pci0000:80');
    assert.equal(fabric.machine.numaNodes, 2);
  });

  it('g-amd-zen-cpu: family 17h', async () => {
    const { fabric } = await oracle('g-amd-zen-cpu');
    assert.equal(fabric.machine.cpu.family, 0x17);
    assert.equal(fabric.machine.cpu.vendor, 'AuthenticAMD');
  });

  it('2pa-pcidomain32bits: 32-bit PCI domains', async () => {
    const { fabric } = await hwloc('2pa-pcidomain32bits');
    const f = fabric.require('10000:00:04.0');
    assert.equal(f.addr.domain, 0x10000);
    assert.equal(f.hostBridge, 'pci10000:00');
    assert.equal(f.parent, null);
    assert.ok(fabric.hostBridges.some((h) => h.id === 'pci10000:00' && h.domain === 0x10000));
  });

  it('32intel64-2p8co2t+8ve: 8 vector engines behind switches, one switch port read from its directory only', async () => {
    const { fabric, warnings } = await hwloc('32intel64-2p8co2t+8ve');
    const ves = fabric.functions.filter((f) => f.classCode === 0x0b4000);
    assert.equal(ves.length, 8);
    for (const ve of ves) {
      assert.equal(categoryOf(ve), 'accel');
      const chain = fabric
        .upstreamChain(ve)
        .slice(1)
        .map((b) => b.kind);
      assert.deepEqual(chain, ['switch-downstream', 'switch-upstream', 'root-port'], ve.bdf);
    }
    assert.equal(fabric.require('0000:60:00.0').parent, '0000:5f:03.0');
    assert.ok(warnings.some((w) => w.code === 'sysfs-unlisted-function'));
    assert.equal(fabric.require('0000:1d:00.0').acs.state, 'unknown');
    assert.equal(fabric.machine.sockets, 2);
  });

  it('64-byte configs: one aggregated ACS warning with the count', async () => {
    const { warnings } = await hwloc('32em64t-2n8c+dax+nvme+mic+dimms');
    const acs = warnings.filter((w) => w.code === 'sysfs-acs-unknown');
    assert.equal(acs.length, 1);
    assert.match(acs[0]!.message, /\(and 79 more functions like it\)/);
  });
});
