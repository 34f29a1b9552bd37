import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PeerdmaError } from '../../errors/index.js';
import { dirVfs, memoryVfs, type TarNode } from '../../node/vfs.js';
import { loadSysfs } from './index.js';
import { makeConfig } from './synth.js';

const enc = (s: string) => new TextEncoder().encode(s);
const file = (s: string | Uint8Array): TarNode => ({
  t: 'file',
  data: typeof s === 'string' ? enc(s) : s,
});
const link = (target: string): TarNode => ({ t: 'link', target });

/** A one-root-port, one-endpoint machine under `prefix`. */
function tree(prefix: string, extra: Record<string, TarNode | undefined> = {}) {
  const rp = `${prefix}sys/devices/pci0000:00/0000:00:01.0`;
  const ep = `${rp}/0000:01:00.0`;
  const base: Record<string, TarNode> = {
    [`${prefix}sys/bus/pci/devices/0000:00:01.0`]: link('../../../devices/pci0000:00/0000:00:01.0'),
    [`${prefix}sys/bus/pci/devices/0000:01:00.0`]: link(
      '../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0',
    ),
    [`${rp}/vendor`]: file('0x8086\n'),
    [`${rp}/device`]: file('0x1234\n'),
    [`${rp}/class`]: file('0x060400\n'),
    [`${rp}/numa_node`]: file('1\n'),
    [`${rp}/config`]: file(
      makeConfig({
        classCode: 0x060400,
        portType: 'root-port',
        buses: { primary: 0, secondary: 1, subordinate: 1 },
        acs: { cap: 0x1f, ctrl: 0x1d },
      }),
    ),
    [`${ep}/vendor`]: file('0x15b3\n'),
    [`${ep}/device`]: file('0x1017\n'),
    [`${ep}/class`]: file('0x020000\n'),
    [`${ep}/numa_node`]: file('1\n'),
    [`${ep}/resource`]: file(
      '0x00000000e0000000 0x00000000e1ffffff 0x000000000014220c\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n',
    ),
    [`${ep}/current_link_speed`]: file('8.0 GT/s PCIe\n'),
    [`${ep}/current_link_width`]: file('16\n'),
    [`${ep}/iommu_group`]: link('../../../../kernel/iommu_groups/7'),
    [`${ep}/driver`]: link('../../../../bus/pci/drivers/mlx5_core'),
    [`${prefix}sys/kernel/iommu_groups/7/type`]: file('identity\n'),
    [`${prefix}proc/cpuinfo`]: file(
      'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nphysical id\t: 0\n',
    ),
    [`${prefix}proc/version`]: file('Linux version 6.8.0-31-generic (buildd@x) #31\n'),
    [`${prefix}proc/cmdline`]: file('ro iommu=pt intel_iommu=on\n'),
  };
  const all = new Map<string, TarNode>();
  for (const [k, v] of Object.entries({ ...base, ...extra })) if (v !== undefined) all.set(k, v);
  return memoryVfs(all, 'test.tar.gz');
}

describe('loadSysfs', () => {
  it('takes the kernel release from /proc/sys/kernel/osrelease, else /proc/version', () => {
    const both = loadSysfs(
      tree('', { 'proc/sys/kernel/osrelease': file('5.14.0-427.el9.x86_64\n') }),
    );
    assert.equal(both.fabric.machine.kernelRelease, '5.14.0-427.el9.x86_64');
    assert.equal(loadSysfs(tree('')).fabric.machine.kernelRelease, '6.8.0-31-generic');
  });

  it('reads a machine one folder down, following bus links into the device tree', () => {
    const { fabric, warnings } = loadSysfs(tree('box1/'));
    assert.equal(fabric.machine.name, 'box1');
    assert.equal(fabric.size, 2);
    const rp = fabric.require('0000:00:01.0');
    const ep = fabric.require('0000:01:00.0');
    assert.equal(rp.kind, 'root-port');
    assert.deepEqual(rp.acs, { state: 'present', cap: 0x1f, ctrl: 0x1d });
    assert.equal(ep.parent, '0000:00:01.0');
    assert.equal(ep.iommuGroup, 7);
    assert.equal(ep.driver, 'mlx5_core');
    assert.deepEqual(ep.bars, [
      {
        index: 0,
        space: 'mem',
        start: 0xe0000000n,
        size: 0x2000000n,
        is64: true,
        prefetchable: true,
      },
    ]);
    assert.deepEqual(fabric.machine.iommu, { enabled: true, defaultDomain: 'identity' });
    assert.equal(fabric.machine.kernelRelease, '6.8.0-31-generic');
    assert.deepEqual(
      fabric.hostBridges.map((h) => h.numaNode),
      [1],
    );
    // The endpoint has no config: its ACS is unknown with a reason, and one warning says so.
    assert.equal(ep.acs.state, 'unknown');
    assert.ok(
      warnings.some((w) => w.code === 'sysfs-no-config' && w.location?.file === 'test.tar.gz'),
    );
    // Missing subsystem ids: the endpoint (no config) warns; the root port's whole capability
    // list has no SSVID capability, so its ids are 0, as the kernel's attributes would say.
    const sub = warnings.filter((w) => w.location?.field?.endsWith('/subsystem_vendor'));
    assert.equal(sub.length, 1);
    assert.doesNotMatch(sub[0]!.message, /more function/);
    assert.equal(rp.subsystemVendor, 0);
    assert.equal(rp.subsystemDevice, 0);
    assert.equal(ep.subsystemVendor, 'unknown');
    // The root port's revision came from its config; only the endpoint's is unknown.
    assert.equal(rp.revision, 0);
    assert.equal(ep.revision, 'unknown');
    // The link attributes made it PCIe; port type inferred from its position.
    assert.deepEqual(ep.pcie, {
      portType: 'endpoint',
      linkCap: 'unknown',
      linkStatus: { speedGTs: 8, width: 16 },
    });
  });

  it('ids come from config, except where the kernel shows other values than its registers', () => {
    const rp = 'sys/devices/pci0000:00/0000:00:01.0';
    const ep = `${rp}/0000:01:00.0`;
    const bridge = {
      portType: 'root-port',
      buses: { primary: 0, secondary: 1, subordinate: 1 },
    } as const;
    const vfs = tree('', {
      // a root port whose class register a quirk rewrote: the attribute has the kernel's class
      [`${rp}/class`]: file('0x060400\n'),
      [`${rp}/config`]: file(makeConfig({ ...bridge, classCode: 0x068000 })),
      // an endpoint's attribute files disagreeing with its registers: the registers win
      [`${ep}/config`]: file(
        makeConfig({ vendor: 0x15b3, device: 0x101b, classCode: 0x020700, portType: 'endpoint' }),
      ),
    });
    const { fabric } = loadSysfs(vfs);
    assert.equal(fabric.require('0000:00:01.0').classCode, 0x060400);
    assert.equal(fabric.require('0000:00:01.0').kind, 'root-port');
    const e = fabric.require('0000:01:00.0');
    assert.deepEqual([e.vendor, e.device, e.classCode], [0x15b3, 0x101b, 0x020700]);
  });

  it('unreadable config: a subtractive-decode bridge is a PCI bridge; an inferred RCiEP keeps its link', () => {
    const hb = 'sys/devices/pci0000:00';
    const vfs = tree('', {
      'sys/bus/pci/devices/0000:00:1e.0': link('../../../devices/pci0000:00/0000:00:1e.0'),
      'sys/bus/pci/devices/0000:00:1f.2': link('../../../devices/pci0000:00/0000:00:1f.2'),
      [`${hb}/0000:00:1e.0/class`]: file('0x060401\n'),
      [`${hb}/0000:00:1e.0/vendor`]: file('0x8086\n'),
      [`${hb}/0000:00:1f.2/class`]: file('0x010601\n'),
      [`${hb}/0000:00:1f.2/vendor`]: file('0x8086\n'),
      [`${hb}/0000:00:1f.2/current_link_speed`]: file('5 GT/s\n'),
      [`${hb}/0000:00:1f.2/current_link_width`]: file('2\n'),
    });
    const { fabric } = loadSysfs(vfs);
    assert.equal(fabric.require('0000:00:1e.0').kind, 'pci-bridge');
    assert.equal(fabric.require('0000:00:1e.0').pcie, 'unknown');
    const sata = fabric.require('0000:00:1f.2');
    assert.equal(sata.kind, 'rc-integrated-endpoint');
    assert.deepEqual(sata.pcie, {
      portType: 'rc-integrated-endpoint',
      linkCap: 'unknown',
      linkStatus: { speedGTs: 5, width: 2 },
    });
  });

  it('refuses a tree with no sys/ directory', () => {
    const vfs = memoryVfs(new Map([['foo/bar', file('x')]]), 'x.tar.gz');
    assert.throws(
      () => loadSysfs(vfs),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_FORMAT_UNKNOWN',
    );
  });

  it('a symlink loop is a typed error, not a hang', () => {
    const vfs = tree('', {
      'sys/bus/pci/devices/0000:00:01.0': link('../../../devices/loop'),
      'sys/devices/loop': link('./loop2'),
      'sys/devices/loop2': link('./loop'),
    });
    assert.throws(
      () => loadSysfs(vfs),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        /symlink loop/.test(e.message) &&
        e.location.file === 'test.tar.gz',
    );
  });

  it('a malformed attribute names its path and the archive', () => {
    const vfs = tree('', {
      'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class': file('banana\n'),
    });
    assert.throws(
      () => loadSysfs(vfs),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_PARSE' &&
        e.location.file === 'test.tar.gz' &&
        e.location.field === 'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class',
    );
  });

  it('no PCI functions: an empty fabric and a warning', () => {
    const vfs = memoryVfs(new Map([['sys/bus/pci/devices', { t: 'dir' } as TarNode]]), 'empty');
    const { fabric, warnings } = loadSysfs(vfs);
    assert.equal(fabric.size, 0);
    assert.ok(warnings.some((w) => w.code === 'sysfs-no-functions'));
  });

  it('an empty iommu_groups directory means the IOMMU is off and functions have no group', () => {
    const vfs = tree('', {
      'sys/kernel/iommu_groups/7/type': undefined,
      'sys/kernel/iommu_groups': { t: 'dir' },
      'sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group': undefined,
    });
    const { fabric, warnings } = loadSysfs(vfs);
    assert.deepEqual(fabric.machine.iommu, { enabled: false });
    assert.equal(fabric.require('0000:01:00.0').iommuGroup, null);
    assert.ok(warnings.some((w) => w.code === 'sysfs-iommu-cmdline'));
  });

  it('loads the live /sys of this machine', { skip: !existsSync('/sys/bus/pci') }, () => {
    const { fabric, warnings } = loadSysfs(dirVfs('/'), { label: 'live /sys' });
    if (fabric.size === 0) assert.ok(warnings.some((w) => w.code === 'sysfs-no-functions'));
    for (const f of fabric.functions)
      assert.ok(fabric.hostBridges.some((h) => h.id === f.hostBridge));
  });
});
