import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PeerdmaError } from '../errors/index.js';
import { loadSpec } from '../ingest/spec/index.js';
import {
  classText,
  deviceText,
  lspciText,
  nameFabric,
  namesToPciIds,
  PciIds,
  subsystemText,
} from './index.js';

/** Constructed in pci.ids syntax (entries as the PCI ID Project lists them, trimmed). */
const IDS = [
  '#\tList of PCI IDs (constructed excerpt)',
  '',
  '15b3  Mellanox Technologies',
  '\t1021  MT2910 Family [ConnectX-7]',
  '\t\t15b3 0041  ConnectX-7 HHHL Adapter Card, 400GbE / NDR IB (default mode), Single-port OSFP',
  '8086  Intel Corporation',
  '# Ice Lake-SP host bridge',
  '\t09a2  Ice Lake Memory Map/VT-d',
  '10de  NVIDIA Corporation',
  '\t2330  GH100 [H100 SXM5 80GB]',
  '',
  'C 02  Network controller',
  '\t07  Infiniband controller',
  'C 01  Mass storage controller',
  '\t08  Non-Volatile memory controller',
  '\t\t02  NVM Express',
].join('\n');

const SPEC = `peerdma: 1
hostBridges:
  - hostDevice: {vendor: 0x8086, device: 0x09a2}
    devices:
      - kind: root-port
        vendor: 0x8086
        device: 0x347a
        children:
          - {name: nic0, vendor: 0x15b3, device: 0x1021, class: 0x020700, subsystem: {vendor: 0x15b3, device: 0x0041}, revision: 0}
      - {kind: root-port, children: [{name: gpu0, vendor: 0x10de, device: 0x2330, class: 0x030200, revision: 0xa1}]}
      - {kind: root-port, children: [{name: odd, vendor: 0x1234, device: 0x5678, class: 0x123456}]}
      - {kind: root-port, children: [{name: nvme0, vendor: 0x144d, device: 0xa80a, class: 0x010802}]}
      - {kind: root-port, children: [{name: blank, vendor: 0x1af4, device: 0x1000, class: 0xee0000}]}
`;
const fabric = loadSpec({ name: 'm.yaml', text: SPEC }).fabric;

describe('pci.ids names', () => {
  const db = PciIds.from([{ name: 'pci.ids', text: IDS }]);
  const named = nameFabric(fabric, db);
  const fn = (n: string) => named.resolve(n);

  it('prints vendor + device as lspci does, with and without -nn', () => {
    assert.equal(deviceText(fn('nic0'), false), 'Mellanox Technologies MT2910 Family [ConnectX-7]');
    assert.equal(
      deviceText(fn('nic0'), true),
      'Mellanox Technologies MT2910 Family [ConnectX-7] [15b3:1021]',
    );
    // Vendor known, device not: "Vendor Device dddd"; neither: "Device vvvv:dddd".
    assert.equal(
      deviceText(fn('00:00.0'), true),
      'Intel Corporation Ice Lake Memory Map/VT-d [8086:09a2]',
    );
    assert.equal(deviceText(fn('00:01.0'), false), 'Intel Corporation Device 347a');
    assert.equal(deviceText(fn('00:01.0'), true), 'Intel Corporation Device [8086:347a]');
    assert.equal(deviceText(fn('odd'), false), 'Device 1234:5678');
    assert.equal(deviceText(fn('odd'), true), 'Device [1234:5678]');
  });

  it('class names: subclass, else base class with its number, else Class cccc', () => {
    assert.equal(classText(fn('nic0'), false), 'Infiniband controller');
    assert.equal(classText(fn('nic0'), true), 'Infiniband controller [0207]');
    assert.equal(classText(fn('gpu0'), false), '3D controller'); // built-in table
    assert.equal(classText(fn('odd'), false), 'Processing accelerators [1234]');
    assert.equal(classText(fn('blank'), false), 'Class ee00');
    assert.equal(classText(fn('blank'), true), 'Class [ee00]');
    assert.equal(fn('nvme0').names?.progIf, 'NVM Express');
  });

  it('the built-in class names need no pci.ids', () => {
    const bare = nameFabric(fabric, PciIds.builtIn());
    const pick = (n: string) => bare.resolve(n);
    assert.equal(lspciText(pick('nic0')), 'Infiniband controller [0207]: Device [15b3:1021]');
    assert.equal(lspciText(pick('00:00.0'), false), 'Host bridge: Device 8086:09a2');
    assert.equal(lspciText(pick('00:01.0'), false), 'PCI bridge: Device 8086:347a');
    assert.equal(classText(pick('nvme0'), false), 'Non-Volatile memory controller');
    assert.equal(lspciText(pick('gpu0')), '3D controller [0302]: Device [10de:2330] (rev a1)');
  });

  it('subsystem names come from the device entry', () => {
    assert.equal(
      subsystemText(fn('nic0'), false),
      'Mellanox Technologies ConnectX-7 HHHL Adapter Card, 400GbE / NDR IB (default mode), Single-port OSFP',
    );
    assert.equal(subsystemText(fn('gpu0'), true), null); // the spec gave no subsystem
  });

  it('a malformed line is E_PARSE naming the file and line', () => {
    assert.throws(
      () =>
        PciIds.from([{ name: '/usr/share/misc/pci.ids', text: '15b3  Mellanox\n\t10x1  bad\n' }]),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_PARSE' &&
        e.location?.file === '/usr/share/misc/pci.ids' &&
        e.location.line === 2,
    );
    assert.throws(() => PciIds.from([{ name: 'x', text: '\t1021  orphan\n' }]), /line|before any/);
  });

  it('only the vendors asked for are kept (a machine uses a few of thousands)', () => {
    const some = PciIds.from([{ name: 'pci.ids', text: IDS }], new Set([0x15b3]));
    assert.equal(some.vendors.get(0x15b3), 'Mellanox Technologies');
    assert.equal(some.devices.get((0x15b3 << 16) | 0x1021), 'MT2910 Family [ConnectX-7]');
    assert.equal(some.vendors.has(0x8086), false);
    assert.equal(some.devices.has((0x10de << 16) | 0x2330), false);
    assert.equal(some.subclasses.get(0x0207), 'Infiniband controller');
  });

  it('other sections are skipped with their lines', () => {
    const d = PciIds.from([{ name: 'x', text: `${IDS}\nX 00  Something\n\t01  else\n` }]);
    assert.equal(d.vendors.get(0x15b3), 'Mellanox Technologies');
  });

  it('the names a capture records read back the same (pci.ids subset round trip)', () => {
    const text = namesToPciIds(named, 'recorded');
    const again = nameFabric(fabric, PciIds.from([{ name: 'snap', text }]));
    for (const f of named.functions) assert.deepEqual(again.require(f.bdf).names, f.names, f.bdf);
  });

  it('property: any names survive record → parse', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,./[\]()-]{0,30}[A-Za-z0-9\])]$/);
    fc.assert(
      fc.property(name, name, name, (v, d, s) => {
        const text = `15b3  ${v}\n\t1021  ${d}\n\t\t15b3 0041  ${s}\n`;
        const n1 = nameFabric(fabric, PciIds.from([{ name: 'a', text }]));
        const rec = namesToPciIds(n1, 'r');
        const n2 = nameFabric(fabric, PciIds.from([{ name: 'b', text: rec }]));
        assert.deepEqual(n2.resolve('nic0').names, n1.resolve('nic0').names);
        assert.equal(n1.resolve('nic0').names?.device, d);
      }),
    );
  });
});
