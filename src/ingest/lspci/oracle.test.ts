/**
 * The six kernel-oracle machines (real lspci output from QEMU guests running Linux 6.1) load from
 * `lspci -tvnn` + `lspci -vvvnn -D` and from `lspci -tv` alone, and carry the facts the guests had.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACS, type Link, type PciFunction, UNKNOWN } from '../../pci/types.js';
import { loadLspci } from './index.js';
import { MACHINES, oracleInput, oracleVerdicts } from './testing/fixtures.js';
import { printLspciTree } from './testing/print.js';

const full = (m: (typeof MACHINES)[number]) =>
  loadLspci([oracleInput(m, 'lspci-tvnn.txt'), oracleInput(m, 'lspci-vvvnn.txt')]);
const link = (f: PciFunction): { cap: unknown; sta: unknown } => {
  assert.ok(f.pcie !== null && f.pcie !== UNKNOWN, `${f.bdf} is PCIe`);
  return { cap: f.pcie.linkCap, sta: f.pcie.linkStatus };
};
const L = (speedGTs: number, width: number): Link => ({ speedGTs, width });

describe('lspci loader on the kernel-oracle machines', () => {
  for (const m of MACHINES) {
    test(`${m}: tree + verbose load, agree with the tree, and give verdicts.json's functions`, () => {
      const { fabric, warnings } = full(m);
      assert.ok(
        !warnings.some((w) => w.code === 'lspci_tree_mismatch'),
        'tree and verbose list the same functions',
      );
      assert.ok(
        !warnings.some((w) => w.code === 'lspci_acs_unknown'),
        'ACS known everywhere (root capture)',
      );
      assert.ok(warnings.some((w) => w.code === 'lspci_no_platform'));
      // Every endpoint the kernel was asked about is here.
      const bdfs = new Set<string>(fabric.functions.map((f) => f.bdf));
      for (const p of oracleVerdicts(m).pairs)
        assert.ok(bdfs.has(p.provider) && bdfs.has(p.client));
      // Printing the loaded tree gives back the real `lspci -tvnn` byte for byte.
      assert.equal(printLspciTree(fabric), oracleInput(m, 'lspci-tvnn.txt').text);
      assert.equal(fabric.machine.source, 'lspci');
      assert.equal(fabric.machine.cpu.vendor, UNKNOWN);
      assert.equal(fabric.machine.kernelRelease, UNKNOWN);
      assert.equal(fabric.machine.iommu.enabled, UNKNOWN);
    });

    test(`${m}: IOMMU groups equal verdicts.json's`, () => {
      const { fabric } = full(m);
      const groups = oracleVerdicts(m).iommuGroups;
      const ids = Object.keys(groups);
      if (ids.length === 0) {
        for (const f of fabric.functions) assert.equal(f.iommuGroup, UNKNOWN, f.bdf);
        assert.equal(fabric.iommuGroups.length, 0);
        return;
      }
      assert.deepEqual(
        fabric.iommuGroups.map((g) => String(g.id)),
        ids.sort((a, b) => +a - +b),
      );
      for (const id of ids) {
        const got = fabric.functions.filter((f) => f.iommuGroup === Number(id)).map((f) => f.bdf);
        assert.deepEqual(got.sort(), [...groups[id]!.devices].sort(), `group ${id}`);
      }
    });

    test(`${m}: lspci -tv alone gives the same tree with unknown ids and ACS`, () => {
      const ref = full(m).fabric;
      const { fabric, warnings } = loadLspci([oracleInput(m, 'lspci-tv.txt')]);
      assert.ok(warnings.some((w) => w.code === 'lspci_tree_only'));
      assert.ok(warnings.some((w) => w.code === 'lspci_acs_unknown'));
      assert.deepEqual(
        fabric.functions.map((f) => [f.bdf, f.parent, f.hostBridge, f.buses]),
        ref.functions.map((f) => [f.bdf, f.parent, f.hostBridge, f.buses]),
      );
      assert.deepEqual(
        fabric.hostBridges.map((h) => h.id),
        ref.hostBridges.map((h) => h.id),
      );
      for (const f of fabric.functions) {
        assert.equal(f.vendor, UNKNOWN);
        assert.equal(f.acs.state, 'unknown');
        assert.equal(f.pcie, UNKNOWN);
      }
      // Bridges are bridges even without class codes.
      for (const f of ref.functions.filter((g) => g.buses !== null)) {
        assert.ok(fabric.isBridge(fabric.require(f.bdf)), f.bdf);
      }
    });

    test(`${m}: one concatenated file, either order, equals two files; verbose alone equals both`, () => {
      const tv = oracleInput(m, 'lspci-tvnn.txt').text;
      const vv = oracleInput(m, 'lspci-vvvnn.txt').text;
      const ref = full(m).fabric.functions;
      const a = loadLspci([{ name: 'both', text: `${tv}\n${vv}` }]).fabric.functions;
      const b = loadLspci([{ name: 'both', text: `${vv}\n${tv}` }]).fabric.functions;
      const c = loadLspci([{ name: 'v', text: vv }]).fabric.functions;
      assert.deepEqual(a, ref);
      assert.deepEqual(b, ref);
      // Parents from Bus: lines equal parents from the tree.
      assert.deepEqual(
        c.map((f) => [f.bdf, f.parent]),
        ref.map((f) => [f.bdf, f.parent]),
      );
    });
  }

  test('c-iommu: ACS redirect on the ACS root ports, none on 00:07.0, siblings under 00:07.0', () => {
    const { fabric } = full('c-iommu');
    const rp = fabric.require('0000:00:04.0');
    assert.equal(rp.kind, 'root-port');
    assert.deepEqual(rp.acs, {
      state: 'present',
      cap: ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF | ACS.DT,
      ctrl: ACS.SV | ACS.RR | ACS.CR | ACS.UF,
    });
    assert.ok(
      rp.acs.state === 'present' && (rp.acs.ctrl & (ACS.RR | ACS.CR)) === (ACS.RR | ACS.CR),
    );
    assert.equal(fabric.require('0000:00:07.0').acs.state, 'absent');
    const f0 = fabric.require('0000:07:00.0');
    const f1 = fabric.require('0000:07:00.1');
    assert.equal(f0.parent, '0000:00:07.0');
    assert.equal(f1.parent, '0000:00:07.0');
    assert.deepEqual(fabric.siblings(f0), [f1]);
    assert.equal(f0.pcie, null, 'ivshmem has no capability list: conventional PCI');
    assert.equal(f0.acs.state, 'absent');
    assert.equal(f1.vendor, 0x1af4);
    assert.equal(f1.device, 0x1041);
    assert.equal(f1.classCode, 0x020000);
    assert.equal(f1.revision, 1);
    assert.equal(f1.driver, 'virtio-pci');
    assert.equal(fabric.require('0000:04:00.0').classCode, 0x010802);
    assert.equal(fabric.require('0000:01:00.0').kind, 'switch-upstream');
    assert.equal(fabric.require('0000:02:00.0').kind, 'switch-downstream');
    assert.deepEqual(fabric.path(fabric.require('0000:03:00.0'), fabric.require('0000:05:00.0')), [
      '0000:03:00.0',
      '0000:02:00.0',
      '0000:01:00.0',
      '0000:02:02.0',
      '0000:05:00.0',
    ]);
  });

  test('i-switch-multifunction-sriov: VFs point at their PF; links as printed', () => {
    const { fabric } = full('i-switch-multifunction-sriov');
    const pf = fabric.require('0000:04:00.0');
    const vfs = fabric.virtfns(pf).map((f) => f.bdf);
    assert.deepEqual(vfs, ['0000:04:00.1', '0000:04:00.2']);
    for (const vf of vfs) {
      const f = fabric.require(vf);
      assert.equal(f.physfn, '0000:04:00.0');
      assert.equal(f.parent, '0000:02:01.0');
      assert.equal(f.driver, null, 'VFs are left unbound');
      assert.deepEqual(
        f.bars.map((b) => b.size),
        [16384n],
      );
      assert.equal(fabric.upstreamBridge(f)?.bdf, '0000:02:01.0');
    }
    assert.equal(pf.physfn, null);
    assert.equal(fabric.require('0000:03:00.1').physfn, null, 'a plain multi-function sibling');
    assert.deepEqual(link(fabric.require('0000:00:04.0')), { cap: L(16, 32), sta: L(2.5, 1) });
    assert.deepEqual(link(fabric.require('0000:02:00.0')), { cap: UNKNOWN, sta: L(2.5, 1) });
    assert.deepEqual(link(fabric.require('0000:03:00.2')), { cap: L(2.5, 1), sta: L(2.5, 1) });
    const rp = fabric.require('0000:00:04.0');
    assert.deepEqual(rp.buses, { secondary: 1, subordinate: 5 });
    assert.deepEqual(rp.windows, [
      { space: 'io', start: 0xc000n, size: 0x1000n },
      { space: 'mem', start: 0xfdc00000n, size: 6n << 20n },
      { space: 'prefetch', start: 0xfe400000n, size: 8n << 20n },
    ]);
    assert.deepEqual(
      fabric.require('0000:02:01.0').windows.map((w) => w.space),
      ['mem', 'prefetch'],
    );
    assert.deepEqual(fabric.require('0000:03:00.2').bars, [
      {
        index: 0,
        space: 'mem',
        start: 0xfe040000n,
        size: 128n << 10n,
        is64: false,
        prefetchable: false,
      },
      {
        index: 1,
        space: 'mem',
        start: 0xfe060000n,
        size: 128n << 10n,
        is64: false,
        prefetchable: false,
      },
      { index: 2, space: 'io', start: 0xc000n, size: 32n, is64: false, prefetchable: false },
      {
        index: 3,
        space: 'mem',
        start: 0xfe084000n,
        size: 16n << 10n,
        is64: false,
        prefetchable: false,
      },
    ]);
    assert.equal(fabric.require('0000:03:00.0').bars[1]?.prefetchable, true);
    assert.equal(fabric.require('0000:03:00.0').bars[1]?.is64, true);
  });

  test('e-pxb-numa: a second host bridge on NUMA node 1', () => {
    const { fabric } = full('e-pxb-numa');
    assert.deepEqual(
      fabric.hostBridges.map((h) => [h.id, h.numaNode]),
      [
        ['pci0000:00', -1],
        ['pci0000:80', 1],
      ],
    );
    const nic = fabric.require('0000:82:00.0');
    assert.equal(nic.hostBridge, 'pci0000:80');
    assert.equal(nic.numaNode, 1);
    assert.equal(nic.parent, '0000:80:01.0');
    assert.equal(fabric.require('0000:01:00.0').numaNode, -1);
    assert.equal(fabric.require('0000:00:08.0').kind, 'host-bridge');
    assert.equal(fabric.hostBridgeDevice('pci0000:80')?.bdf, '0000:80:00.0');
  });

  test('b-root-ports: a two-function device and a function on the root bus', () => {
    const { fabric } = full('b-root-ports');
    assert.deepEqual(
      fabric.children('0000:00:06.0').map((f) => f.bdf),
      ['0000:03:00.0', '0000:03:00.1'],
    );
    const virtio = fabric.require('0000:00:07.0');
    assert.equal(virtio.parent, null);
    assert.equal(virtio.hostBridge, 'pci0000:00');
    assert.equal(virtio.iommuGroup, UNKNOWN, 'no IOMMU: lspci prints no group lines');
    assert.equal(fabric.require('0000:02:00.0').pcie !== null, true);
    // DevCtl's negotiated MaxPayload/MaxReadReq (the continuation line), not DevCap's maximum
    const rp = fabric.require('0000:00:06.0').pcie;
    assert.ok(rp !== null && rp !== UNKNOWN);
    assert.deepEqual([rp.mps, rp.mrrs], [128, 128]);
  });
});
