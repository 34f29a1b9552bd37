/** Hand-written inputs for each variation different pciutils versions and options print. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PeerdmaError } from '../../errors/index.js';
import { ACS, UNKNOWN } from '../../pci/types.js';
import { loadLspci, looksLikeLspci } from './index.js';

const load = (...texts: string[]) => loadLspci(texts.map((text, i) => ({ name: `in${i}`, text })));
const codes = (r: ReturnType<typeof load>) => r.warnings.map((w) => w.code);
function throwsCode(fn: () => unknown, code: string, line?: number): PeerdmaError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PeerdmaError, `a PeerdmaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (line !== undefined) assert.equal(e.location.line, line, e.message);
    assert.ok(e.location.file?.startsWith('in'), 'names the input');
    return e;
  }
  assert.fail(`expected ${code}`);
}

const RP = `0000:00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev 01) (prog-if 00 [Normal decode])
\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0
\tMemory behind bridge: 90000000-900fffff [size=1M] [32-bit]
\tPrefetchable memory behind bridge: 0000003800000000-0000003fffffffff [size=32G] [64-bit]
\tI/O behind bridge: f000-0fff [disabled] [16-bit]
\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
\t\tLnkCap:\tPort #0, Speed 8GT/s, Width x16, ASPM L1, Exit Latency L1 <8us
\t\tLnkSta:\tSpeed 2.5GT/s (downgraded), Width x4 (downgraded)
\tCapabilities: [100 v1] Access Control Services
\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+
\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-
\tKernel driver in use: pcieport
`;
const GPU = `0000:01:00.0 3D controller [0302]: NVIDIA Corporation GH100 [H100 SXM5 80GB] [10de:2330] (rev a1)
\tSubsystem: NVIDIA Corporation Device [10de:16c1]
\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
\tNUMA node: 1
\tIOMMU group: 42
\tRegion 0: Memory at 90000000 (32-bit, non-prefetchable) [size=16M]
\tRegion 2: Memory at 3800000000 (64-bit, prefetchable) [size=32G]
\tRegion 4: Memory at <unassigned> (64-bit, prefetchable)
\tRegion 5: I/O ports at e000 [disabled] [size=128]
\tCapabilities: [60] Express (v2) Endpoint, MSI 00
\t\tLnkCap:\tPort #0, Speed 32GT/s, Width x16, ASPM not supported
\t\tLnkSta:\tSpeed 16GT/s (downgraded), Width x16 (ok)
\tCapabilities: [100 v1] Virtual Channel
\tKernel driver in use: nvidia
\tKernel modules: nvidiafb, nouveau, nvidia
`;

describe('lspci -vvv variations', () => {
  test('a root port and a GPU: ids, class, rev, windows, BARs, links, ACS, NUMA, group, driver', () => {
    const { fabric } = load(RP + '\n' + GPU);
    const rp = fabric.require('0000:00:01.0');
    assert.equal(rp.kind, 'root-port');
    assert.equal(rp.classCode, 0x060400);
    assert.equal(rp.revision, 1);
    assert.deepEqual(rp.acs, {
      state: 'present',
      cap: 0x5f,
      ctrl: ACS.SV | ACS.RR | ACS.CR | ACS.UF,
    });
    assert.deepEqual(rp.pcie, {
      portType: 'root-port',
      linkCap: { speedGTs: 8, width: 16 },
      linkStatus: { speedGTs: 2.5, width: 4 },
    });
    assert.deepEqual(rp.windows, [
      { space: 'mem', start: 0x90000000n, size: 1n << 20n },
      { space: 'prefetch', start: 0x3800000000n, size: 32n << 30n },
    ]);
    assert.equal(rp.numaNode, -1, 'other functions print NUMA node, this one does not: -1');
    assert.equal(rp.iommuGroup, null);
    const gpu = fabric.require('0000:01:00.0');
    assert.equal(gpu.parent, '0000:00:01.0');
    assert.equal(gpu.description, 'NVIDIA Corporation GH100 [H100 SXM5 80GB]');
    assert.deepEqual([gpu.vendor, gpu.device, gpu.revision], [0x10de, 0x2330, 0xa1]);
    assert.deepEqual([gpu.subsystemVendor, gpu.subsystemDevice], [0x10de, 0x16c1]);
    assert.equal(gpu.classCode, 0x030200);
    assert.deepEqual(gpu.bars, [
      {
        index: 0,
        space: 'mem',
        start: 0x90000000n,
        size: 16n << 20n,
        is64: false,
        prefetchable: false,
      },
      {
        index: 2,
        space: 'mem',
        start: 0x3800000000n,
        size: 32n << 30n,
        is64: true,
        prefetchable: true,
      },
      { index: 5, space: 'io', start: 0xe000n, size: 128n, is64: false, prefetchable: false },
    ]);
    assert.equal(gpu.acs.state, 'absent', 'extended caps listed, none is ACS');
    assert.deepEqual(gpu.pcie, {
      portType: 'endpoint',
      linkCap: { speedGTs: 32, width: 16 },
      linkStatus: { speedGTs: 16, width: 16 },
    });
    assert.equal(gpu.numaNode, 1);
    assert.equal(gpu.iommuGroup, 42);
    assert.equal(gpu.driver, 'nvidia');
    assert.deepEqual(
      fabric.iommuGroups.map((g) => g.id),
      [42],
    );
  });

  test('without -D and -nn: domain 0, class from its name, ids unknown with a warning', () => {
    const text = `00:1c.0 PCI bridge: Intel Corporation Device (rev f0) (prog-if 00 [Normal decode])
\tBus: primary=00, secondary=02, subordinate=02, sec-latency=0
\tCapabilities: [40] Express (v2) Root Port (Slot-), MSI 00
\tCapabilities: [100 v1] Advanced Error Reporting
02:00.0 Non-Volatile memory controller: Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO (prog-if 02 [NVM Express])
\tCapabilities: [70] Express (v2) Endpoint, MSI 00
\t\tLnkCap:\tPort #0, Speed 16GT/s, Width x4, ASPM L1
\t\tLnkSta:\tSpeed 16GT/s, Width x4
\tCapabilities: [100 v2] Advanced Error Reporting
`;
    const r = load(text);
    const nvme = r.fabric.require('0000:02:00.0');
    assert.equal(nvme.parent, '0000:00:1c.0');
    assert.equal(nvme.classCode, 0x010802);
    assert.equal(nvme.vendor, UNKNOWN);
    assert.equal(nvme.revision, 0);
    assert.equal(r.fabric.require('0000:00:1c.0').revision, 0xf0);
    assert.ok(codes(r).includes('lspci_no_ids'));
    assert.equal(nvme.driver, UNKNOWN, 'no driver lines anywhere: unknown');
    assert.equal(nvme.numaNode, UNKNOWN);
  });

  test('every Express port type and old `Express Endpoint` / `[100]` spellings', () => {
    const types = [
      ['Express (v2) Root Port (Slot+)', 'root-port'],
      ['Express (v2) Upstream Port', 'switch-upstream'],
      ['Express (v2) Downstream Port (Slot-)', 'switch-downstream'],
      ['Express (v1) Endpoint', 'endpoint'],
      ['Express Endpoint', 'endpoint'],
      ['Express (v1) Legacy Endpoint', 'legacy-endpoint'],
      ['Express (v2) Root Complex Integrated Endpoint', 'rc-integrated-endpoint'],
      ['Express (v1) PCI-Express to PCI/PCI-X Bridge', 'pcie-to-pci-bridge'],
      ['Express (v2) Root Complex Event Collector', 'rc-event-collector'],
    ] as const;
    const text = types
      .map(
        ([cap], i) =>
          `00:${(i + 1).toString(16).padStart(2, '0')}.0 Class [ff00]: X [1234:5678]\n\tCapabilities: [60] ${cap}, MSI 00\n\tCapabilities: [100] Advanced Error Reporting\n`,
      )
      .join('\n');
    const { fabric } = load(text);
    types.forEach(([, pt], i) => {
      const f = fabric.functions[i]!;
      assert.ok(f.pcie !== null && f.pcie !== UNKNOWN);
      assert.equal(f.pcie.portType, pt);
      const integrated = pt === 'rc-integrated-endpoint' || pt === 'rc-event-collector';
      assert.equal(f.pcie.linkCap, integrated ? null : UNKNOWN, 'no LnkCap printed');
      assert.equal(f.acs.state, 'absent');
    });
    assert.equal(fabric.functions[7]!.kind, 'pcie-to-pci-bridge');
  });

  test('Speed unknown, old Gb/s spelling, and one-line LnkSta of old pciutils', () => {
    const text = `00:02.0 PCI bridge [0604]: X [1234:0001]
\tCapabilities: [40] Express (v2) Downstream Port (Slot-), MSI 00
\t\tLnkCap:\tPort #0, Speed unknown, Width x0, ASPM L0s
\t\tLnkSta:\tSpeed 5Gb/s, Width x1, TrErr- Train- SlotClk+ DLActive- BWMgmt- ABWMgmt-
\tCapabilities: [100] Advanced Error Reporting
`;
    const f = load(text).fabric.require('0000:00:02.0');
    assert.deepEqual(f.pcie, {
      portType: 'switch-downstream',
      linkCap: UNKNOWN,
      linkStatus: { speedGTs: 5, width: 1 },
    });
  });

  test('ACS: <access denied> and missing extended caps → unknown + warning; conventional → absent', () => {
    const denied = `0000:00:01.0 PCI bridge [0604]: X [8086:0001]
\tCapabilities: <access denied>
\tKernel driver in use: pcieport
`;
    const r1 = load(denied);
    const f1 = r1.fabric.require('0000:00:01.0');
    assert.equal(f1.acs.state, 'unknown');
    assert.equal(f1.pcie, UNKNOWN);
    assert.ok(codes(r1).includes('lspci_acs_unknown'));
    const noExt = `0000:00:01.0 PCI bridge [0604]: X [8086:0001]
\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0
\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
`;
    const r2 = load(noExt);
    assert.equal(r2.fabric.require('0000:00:01.0').acs.state, 'unknown');
    assert.ok(codes(r2).includes('lspci_acs_unknown'));
    const listedOnly = `0000:00:01.0 PCI bridge [0604]: X [8086:0001]
\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
\tCapabilities: [100 v1] Access Control Services
`;
    assert.equal(
      load(listedOnly).fabric.require('0000:00:01.0').acs.state,
      'unknown',
      'lspci -v: no bits',
    );
    const conventional = `0000:00:1f.3 SMBus [0c05]: Intel Corporation Device [8086:2930] (rev 02)
\tStatus: Cap- 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
\tRegion 4: I/O ports at 0700 [size=64]
`;
    const r4 = load(conventional);
    const f4 = r4.fabric.require('0000:00:1f.3');
    assert.equal(f4.pcie, null);
    assert.equal(f4.acs.state, 'absent');
    assert.ok(!codes(r4).includes('lspci_acs_unknown'));
    const terse = '0000:00:1f.3 SMBus [0c05]: Intel Corporation Device [8086:2930] (rev 02)\n';
    assert.equal(
      load(terse).fabric.require('0000:00:1f.3').pcie,
      UNKNOWN,
      'plain lspci: nothing known',
    );
  });

  test('SR-IOV: VF routing ids from offset and stride, across a bus boundary', () => {
    const pf = `0000:00:02.0 PCI bridge [0604]: X [8086:0001]
\tBus: primary=00, secondary=3b, subordinate=3c, sec-latency=0
\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
\tCapabilities: [100 v1] Advanced Error Reporting

0000:3b:00.0 Ethernet controller [0200]: Mellanox Technologies MT28908 Family [ConnectX-6] [15b3:101b]
\tCapabilities: [60] Express (v2) Endpoint, MSI 00
\tCapabilities: [180 v1] Single Root I/O Virtualization (SR-IOV)
\t\tIOVCap:\tMigration- 10BitTagReq- Interrupt Message Number: 000
\t\tIOVCtl:\tEnable+ Migration- Interrupt- MSE+ ARIHierarchy+ 10BitTagReq-
\t\tIOVSta:\tMigration-
\t\tInitial VFs: 256, Total VFs: 256, Number of VFs: 3, Function Dependency Link: 00
\t\tVF offset: 254, stride: 1, Device ID: 101c
\t\tRegion 0: Memory at 0000380000000000 (64-bit, prefetchable)
\tKernel driver in use: mlx5_core
`;
    const vf = (
      bdf: string,
    ) => `${bdf} Ethernet controller [0200]: Mellanox Technologies ConnectX Family mlx5Gen Virtual Function [15b3:101c]
\tCapabilities: [60] Express (v2) Endpoint, MSI 00
\tCapabilities: [100 v1] Vendor Specific Information: ID=0000 Rev=0 Len=00c <?>
`;
    const { fabric } = load(pf, vf('0000:3b:1f.6') + vf('0000:3b:1f.7') + vf('0000:3c:00.0'));
    const vfs = fabric.virtfns(fabric.require('0000:3b:00.0')).map((f) => f.bdf);
    assert.deepEqual(vfs, ['0000:3b:1f.6', '0000:3b:1f.7', '0000:3c:00.0']);
    assert.equal(
      fabric.require('0000:3c:00.0').parent,
      '0000:00:02.0',
      'a VF on a bus of its own: beside its PF',
    );
    assert.equal(
      fabric.require('0000:3b:00.0').bars.length,
      0,
      'the SR-IOV cap Region is not a PF BAR',
    );
  });

  test('a bus no printed bridge owns: below the narrowest bridge whose range holds it, with a warning', () => {
    const text = `0000:00:01.0 PCI bridge [0604]: X [8086:0001]
\tBus: primary=00, secondary=01, subordinate=05, sec-latency=0

0000:00:02.0 PCI bridge [0604]: X [8086:0001]
\tBus: primary=00, secondary=00, subordinate=00, sec-latency=0

0000:03:00.0 Ethernet controller [0200]: X [8086:1234]
`;
    const r = load(text);
    assert.equal(r.fabric.require('0000:03:00.0').parent, '0000:00:01.0');
    assert.ok(codes(r).includes('lspci_missing_bridge'));
    assert.equal(
      r.fabric.require('0000:00:02.0').parent,
      null,
      'an unconfigured bridge owns no bus',
    );
  });

  test('tabs turned into spaces, CRLF, a BOM, a shell prompt and pcilib noise', () => {
    const text = `\uFEFF$ sudo lspci -vvvnn\r\n${RP.replace(/\t/g, '    ').replace(/\n/g, '\r\n')}pcilib: sysfs_read_vpd: read failed: Input/output error\r\n`;
    const r = load(text);
    const rp = r.fabric.require('0000:00:01.0');
    assert.equal(rp.acs.state, 'present');
    assert.deepEqual(rp.pcie !== null && rp.pcie !== UNKNOWN && rp.pcie.linkStatus, {
      speedGTs: 2.5,
      width: 4,
    });
    assert.equal(rp.driver, 'pcieport');
  });
});

describe('lspci -t variations', () => {
  test('several domains, an empty bridge, -tvnn ids, and -tvv region lines', () => {
    const tree = `-+-[0000:00]-+-00.0  Intel Corporation Device [8086:09a2]
 |           +-01.0-[01-03]----00.0-[02-03]--+-00.0-[03]--
 |           |                               \\-01.0-[04]--
 |           \\-1f.0  Intel Corporation Device [8086:a1c3]
 |                    Region 0: Memory at fe000000
 \\-[0001:00]---02.0-[01]----00.0  NVIDIA Corporation GH100 [H100 SXM5 80GB] [10de:2330]
`;
    const r = load(tree);
    const fab = r.fabric;
    assert.deepEqual(
      fab.hostBridges.map((h) => h.id),
      ['pci0000:00', 'pci0001:00'],
    );
    assert.equal(fab.require('0000:02:00.0').parent, '0000:01:00.0');
    assert.equal(fab.require('0000:02:01.0').parent, '0000:01:00.0');
    assert.deepEqual(fab.require('0000:00:01.0').buses, { secondary: 1, subordinate: 3 });
    assert.equal(fab.require('0000:00:01.0').kind, 'root-port');
    assert.equal(fab.require('0000:01:00.0').kind, 'switch-upstream');
    assert.equal(fab.require('0000:02:00.0').kind, 'switch-downstream');
    const gpu = fab.require('0001:01:00.0');
    assert.equal(gpu.parent, '0001:00:02.0');
    assert.equal(gpu.hostBridge, 'pci0001:00');
    assert.deepEqual([gpu.vendor, gpu.device], [0x10de, 0x2330]);
    assert.equal(gpu.description, 'NVIDIA Corporation GH100 [H100 SXM5 80GB]');
    assert.equal(fab.require('0000:00:1f.0').vendor, 0x8086);
    assert.ok(codes(r).includes('lspci_tree_only'));
    assert.ok(codes(r).includes('lspci_kind_guessed'));
  });

  test('a bridge with devices on two of its buses prints bus labels', () => {
    const tree = `-[0000:00]-+-00.0
           \\-01.0-[01-02]--+-[0000:01]---00.0
                           \\-[0000:02]---00.0
`;
    const fab = load(tree).fabric;
    assert.equal(fab.require('0000:01:00.0').parent, '0000:00:01.0');
    assert.equal(fab.require('0000:02:00.0').parent, '0000:00:01.0');
  });

  test('tree and verbose that disagree: missing functions warn, different parents throw', () => {
    const tree = `-[0000:00]-+-00.0
           \\-01.0-[01]----00.0
`;
    const r = load(tree, RP + '\n' + GPU.replace('0000:01:00.0', '0000:01:00.1'));
    assert.equal(r.warnings.filter((w) => w.code === 'lspci_tree_mismatch').length, 2);
    const wrong = `-[0000:00]-+-00.0
           +-01.0
           \\-02.0-[01]----00.0
`;
    throwsCode(() => load(wrong, RP, GPU), 'E_TOPOLOGY', 3);
  });
});

describe('lspci errors', () => {
  test('E_PARSE names the file and line', () => {
    throwsCode(() => load(`${RP}\nthis is not lspci\n`), 'E_PARSE', 15);
    throwsCode(() => load(RP.replace('secondary=01', 'secondary=zz')), 'E_PARSE', 3);
    throwsCode(
      () =>
        load(
          RP.replace('ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+', 'ReqRedir+'),
        ),
      'E_PARSE',
      11,
    );
    throwsCode(() => load(GPU.replace('IOMMU group: 42', 'IOMMU group: x')), 'E_PARSE', 5);
    throwsCode(() => load(GPU.replace('Speed 32GT/s', 'Speed fastGT/s')), 'E_PARSE', 11);
    throwsCode(() => load('-[0000:00]-+-00.0\n           +-zz.0\n'), 'E_PARSE', 2);
    throwsCode(() => load('-[0000:00]-+-00.0\n                 +-01.0\n'), 'E_PARSE', 2);
    throwsCode(() => load('\tRegion 0: Memory at 0 [size=4K]\n'), 'E_PARSE', 1);
    throwsCode(() => load('', '\n\n'), 'E_PARSE');
  });

  test('duplicate BDFs are E_TOPOLOGY naming both lines', () => {
    const e = throwsCode(() => load(RP, `\n\n${RP}`), 'E_TOPOLOGY', 3);
    assert.match(e.message, /in0:1 and in1:3/);
    const t = throwsCode(() => load('-[0000:00]-+-00.0\n           \\-00.0\n'), 'E_TOPOLOGY', 2);
    assert.match(t.message, /lines 1 and 2/);
  });

  test('E_TOO_LARGE for a line over 64 KiB and an input over 256 MiB', () => {
    throwsCode(() => load(`${RP}\t${'x'.repeat(65 * 1024)}\n`), 'E_TOO_LARGE', 14);
    throwsCode(() => load('0'.repeat(256 * 1024 * 1024 + 1)), 'E_TOO_LARGE');
  });
});

describe('lspci truncation', () => {
  test('a verbose listing cut inside a block warns, naming the function and the last line', () => {
    const cut = `${RP}\n${GPU.split('\n').slice(0, 6).join('\n')}`;
    const r = load(cut);
    const w = r.warnings.find((x) => x.code === 'lspci_truncated');
    assert.ok(w, `a truncation warning, got ${codes(r).join(', ')}`);
    assert.match(w.message, /0000:01:00\.0/);
    assert.equal(w.location?.line, cut.split('\n').length);
  });
  test('every block closed by a blank line, as lspci prints it: no truncation warning', () => {
    assert.ok(!codes(load(`${RP}\n${GPU}\n`)).includes('lspci_truncated'));
    const crlf = `${RP}\n${GPU}\n`.replace(/\n/g, '\r\n');
    assert.ok(!codes(load(crlf)).includes('lspci_truncated'));
  });
});

describe('looksLikeLspci', () => {
  test('tells lspci output from other text', () => {
    assert.ok(looksLikeLspci(RP));
    assert.ok(looksLikeLspci('\n\n-[0000:00]-+-00.0  Intel\n'));
    assert.ok(looksLikeLspci('-+-[0000:00]-+-00.0\n \\-[0001:00]---00.0\n'));
    assert.ok(looksLikeLspci('00:00.0 Host bridge: Intel Corporation Device\n'));
    assert.ok(looksLikeLspci('$ lspci -tv\n-[0000:00]-+-00.0\n'));
    assert.ok(!looksLikeLspci('<?xml version="1.0"?>\n<topology>'));
    assert.ok(!looksLikeLspci('machine: x\ndevices:\n  - bdf: 0000:00:00.0\n'));
    assert.ok(!looksLikeLspci('{"devices": []}'));
    assert.ok(!looksLikeLspci('- name: a\n'));
    assert.ok(!looksLikeLspci(''));
  });
});
