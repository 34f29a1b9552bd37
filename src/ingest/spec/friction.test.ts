/** Spec friction met while writing real machines as specs (issue 9, item 6). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerdmaError } from '../../errors/index.js';
import { computeVerdict, getRuleSet, matrixDevices, P2pEnv } from '../../p2pdma/index.js';
import { ACS } from '../../pci/types.js';
import { loadSpec } from './index.js';

const load = (text: string) => loadSpec({ name: 'm.yaml', text: `peerdma: 1\n${text}` });
const twoRootPorts = (hostDevice: string) => `cpu: {vendor: GenuineIntel, family: 6, model: 0x6a}
hostBridges:
  - hostDevice: ${hostDevice}
    devices:
      - {kind: root-port, children: [{name: gpu0, class: gpu, vendor: nvidia, device: 0x2330}]}
      - {kind: root-port, children: [{name: nic0, class: nic, vendor: mellanox, device: 0x1021}]}
`;
const verdict = (text: string) => {
  const { fabric } = load(text);
  const env = new P2pEnv(fabric, getRuleSet('linux-6.19'));
  return computeVerdict(env, fabric.resolve('gpu0'), fabric.resolve('nic0'));
};

describe('spec friction', () => {
  it('hostDevice: unknown is a host-bridge device with unknown ids → uncertain, never NOT_SUPPORTED', () => {
    const { fabric } = load(twoRootPorts('unknown'));
    const hbd = fabric.hostBridgeDevice('pci0000:00');
    assert.equal(hbd?.bdf, '0000:00:00.0');
    assert.equal(hbd?.vendor, 'unknown');
    assert.equal(hbd?.device, 'unknown');
    assert.equal(verdict(twoRootPorts('unknown')).mapType, 'uncertain');
    // The same machine with a known, unlisted host bridge is a confident refusal.
    const listed = verdict(twoRootPorts('{vendor: intel, device: 0x09a2}')).mapType;
    const unlisted = verdict(twoRootPorts('{vendor: 0x1234, device: 0x5678}')).mapType;
    assert.equal(listed, 'THRU_HOST_BRIDGE');
    assert.equal(unlisted, 'NOT_SUPPORTED');
  });

  it('hostDevice ids may each be unknown', () => {
    const { fabric } = load(twoRootPorts('{vendor: intel, device: unknown}'));
    assert.equal(fabric.hostBridgeDevice('pci0000:00')?.vendor, 0x8086);
    assert.equal(verdict(twoRootPorts('{vendor: intel, device: unknown}')).mapType, 'uncertain');
  });

  it('acs: off is the capability present with redirect off; acs: on with it on', () => {
    const acs = (word: string) =>
      load(`hostBridges:\n  - devices:\n      - {kind: root-port, acs: ${word}}\n`).fabric
        .functions[0]!.acs;
    const full = ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF;
    assert.deepEqual(acs('off'), { state: 'present', cap: full, ctrl: 0 });
    assert.deepEqual(acs('on'), {
      state: 'present',
      cap: full,
      ctrl: ACS.SV | ACS.RR | ACS.CR | ACS.UF,
    });
  });

  it('a bridge without buses takes its secondary bus from children placed by bdf', () => {
    const { fabric, warnings } = load(`hostBridges:
  - devices:
      - bdf: 00:01.0
        kind: root-port
        children:
          - {bdf: 05:00.0, class: gpu, vendor: nvidia, device: 0x2330}
          - {bdf: 05:00.1, class: 0x0403, vendor: nvidia, device: 0x22e8}
      - bdf: 00:02.0
        kind: root-port
        children:
          - bdf: 0a:00.0
            kind: switch
            vendor: broadcom
            device: 0xc030
            children:
              - {bdf: 0b:00.0, children: [{bdf: 0c:00.0, class: nvme, vendor: samsung, device: 0xa80a}]}
      - {kind: root-port, children: [{class: nic, vendor: mellanox, device: 0x1021}]}
`);
    assert.ok(!warnings.some((w) => w.code === 'spec_bus_mismatch'));
    const buses = (bdf: string) => fabric.require(bdf).buses;
    assert.deepEqual(buses('0000:00:01.0'), { secondary: 5, subordinate: 5 });
    assert.deepEqual(buses('0000:00:02.0'), { secondary: 0x0a, subordinate: 0x0c });
    assert.deepEqual(buses('0000:0a:00.0'), { secondary: 0x0b, subordinate: 0x0c });
    assert.deepEqual(buses('0000:0b:00.0'), { secondary: 0x0c, subordinate: 0x0c });
    // A derived bridge after them takes the next free bus.
    assert.deepEqual(buses('0000:00:00.0'), { secondary: 0x0d, subordinate: 0x0d });
    assert.equal(fabric.require('0000:0c:00.0').parent, '0000:0b:00.0');
  });

  it('a host bridge without bus takes it from its devices placed by bdf', () => {
    const { fabric } = load(`hostBridges:
  - devices: [{bdf: 0000:80:01.0, kind: root-port, children: [{bdf: 81:00.0, class: nvme}]}]
`);
    assert.equal(fabric.hostBridges[0]!.id, 'pci0000:80');
    assert.deepEqual(fabric.require('0000:80:01.0').buses, { secondary: 0x81, subordinate: 0x81 });
  });

  it('a GPU or accelerator with no memory sizes still counts as an endpoint by its class', () => {
    const { fabric } = load(twoRootPorts('{vendor: intel, device: 0x09a2}'));
    const names = matrixDevices(fabric).map((f) => f.name);
    assert.deepEqual(names, ['gpu0', 'nic0']);
  });

  it('a comma in a flow-style value: the error says to quote it and points at the split', () => {
    assert.throws(
      () => load(`hostBridges:\n  - devices:\n      - {kind: root-port, model: Foo, Bar}\n`),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_SCHEMA' &&
        /comma/.test(e.message) &&
        /quote the value of model/.test(e.message) &&
        e.location?.line === 4 &&
        e.location.field === 'hostBridges[0].devices[0].Bar',
    );
    // A real unknown field in block style keeps the plain message.
    assert.throws(
      () => load(`hostBridges:\n  - devices:\n      - kind: root-port\n        Bar: 1\n`),
      (e: unknown) => e instanceof PeerdmaError && e.message === "unknown field 'Bar'",
    );
  });
});
