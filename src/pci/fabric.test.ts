import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PeerdmaError } from '../errors/index.js';
import {
  cacheKey,
  compareBdf,
  FabricBuilder,
  formatBdf,
  parseBdf,
  toBdf,
  tryParseBdf,
} from './index.js';
import { switchFabric } from './testing/fabrics.js';

describe('BDF', () => {
  it('parses short and long forms and 32-bit domains', () => {
    assert.equal(toBdf('3b:00.0'), '0000:3b:00.0');
    assert.equal(toBdf('0000:3B:1F.7'), '0000:3b:1f.7');
    assert.equal(toBdf('10000:00:00.0'), '10000:00:00.0');
    assert.equal(toBdf('ffffffff:ff:1f.7'), 'ffffffff:ff:1f.7');
  });
  it('rejects impossible addresses', () => {
    for (const bad of ['00:20.0', '00:00.8', 'zz:00.0', '123456789:00:00.0', '', '0000:00:00']) {
      assert.equal(tryParseBdf(bad), null, bad);
    }
    assert.throws(
      () => parseBdf('nope', 'devices[0].bdf'),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_PARSE',
    );
  });
  it('format ∘ parse is the identity and the order is by domain, bus, device, fn', () => {
    const arb = fc.record({
      domain: fc.integer({ min: 0, max: 0xffffffff }),
      bus: fc.integer({ min: 0, max: 255 }),
      device: fc.integer({ min: 0, max: 31 }),
      fn: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        assert.deepEqual(parseBdf(formatBdf(a)), { ...a });
        const byKey = Math.sign(cacheKey(a) - cacheKey(b));
        if (a.domain === b.domain) assert.equal(Math.sign(compareBdf(a, b)), byKey);
      }),
    );
  });
  it('packs the cache key as the kernel does', () => {
    assert.equal(cacheKey(parseBdf('0001:02:03.4')), (1 << 16) | (2 << 8) | ((3 << 3) | 4));
  });
});

describe('Fabric queries', () => {
  const f = switchFabric();
  const get = (b: string) => f.require(b);
  it('infers kinds and host bridges', () => {
    assert.equal(get('0000:00:00.0').kind, 'host-bridge');
    assert.equal(get('0000:02:00.0').kind, 'switch-downstream');
    assert.equal(get('0000:03:00.0').kind, 'endpoint');
    assert.equal(get('0000:03:00.0').hostBridge, 'pci0000:00');
    assert.equal(f.hostBridgeDevice('pci0000:00')?.bdf, '0000:00:00.0');
  });
  it('a root-bus function without a PCIe capability is a conventional endpoint, not an RCiEP', () => {
    const fab = new FabricBuilder()
      .fn({ bdf: '0000:00:01.0', classCode: 0x020000, pcie: null })
      .fn({ bdf: '0000:00:02.0', classCode: 0x020000 })
      .fn({
        bdf: '0000:00:03.0',
        classCode: 0x020000,
        pcie: { portType: 'rc-integrated-endpoint', linkCap: null, linkStatus: null },
      })
      .build();
    assert.equal(fab.require('0000:00:01.0').kind, 'endpoint');
    assert.equal(fab.require('0000:00:02.0').kind, 'rc-integrated-endpoint'); // capability unknown
    assert.equal(fab.require('0000:00:03.0').kind, 'rc-integrated-endpoint');
  });
  it('host bridge device: 00.0, else a Root Port; a first function of unknown type is unsure', () => {
    const build = (pcie: 'root-port' | 'unknown' | null) =>
      new FabricBuilder()
        .fn({
          bdf: '0000:00:01.0',
          classCode: 0x060400,
          pcie:
            pcie === 'root-port'
              ? { portType: 'root-port', linkCap: 'unknown', linkStatus: 'unknown' }
              : pcie,
        })
        .build();
    const rp = build('root-port');
    assert.equal(rp.hostBridgeDevice('pci0000:00')?.bdf, '0000:00:01.0');
    assert.equal(rp.hostBridgeDeviceUnsure('pci0000:00'), null);
    const conventional = build(null);
    assert.equal(conventional.hostBridgeDevice('pci0000:00'), null);
    assert.equal(conventional.hostBridgeDeviceUnsure('pci0000:00'), null);
    const unknown = build('unknown');
    assert.equal(unknown.hostBridgeDevice('pci0000:00'), null);
    assert.equal(unknown.hostBridgeDeviceUnsure('pci0000:00')?.bdf, '0000:00:01.0');
  });
  it('walks upstream as pci_upstream_bridge does', () => {
    assert.deepEqual(
      f.upstreamChain(get('0000:03:00.0')).map((x) => x.bdf),
      ['0000:03:00.0', '0000:02:00.0', '0000:01:00.0', '0000:00:01.0'],
    );
    assert.equal(f.upstreamBridge(get('0000:00:01.0')), null);
  });
  it('finds the common upstream device and the path', () => {
    assert.equal(f.commonUpstream(get('0000:03:00.0'), get('0000:04:00.0'))?.bdf, '0000:01:00.0');
    assert.deepEqual(f.path(get('0000:03:00.0'), get('0000:04:00.0')), [
      '0000:03:00.0',
      '0000:02:00.0',
      '0000:01:00.0',
      '0000:02:01.0',
      '0000:04:00.0',
    ]);
    assert.equal(f.commonUpstream(get('0000:03:00.0'), get('0000:05:00.0')), null);
    assert.deepEqual(f.path(get('0000:03:00.0'), get('0000:05:00.0')).slice(3, 6), [
      '0000:00:01.0',
      'pci0000:00',
      '0000:00:02.0',
    ]);
  });
  it('knows multi-function siblings', () => {
    assert.deepEqual(
      f.siblings(get('0000:05:00.0')).map((x) => x.bdf),
      ['0000:05:00.1'],
    );
  });
  it('resolves BDFs, suffixes and names, and says what is close when not found', () => {
    assert.equal(f.resolve('03:00.0').bdf, '0000:03:00.0');
    assert.equal(f.resolve('nic0').bdf, '0000:04:00.0');
    assert.equal(f.resolve('0000:05:00.1').bdf, '0000:05:00.1');
    assert.throws(
      () => f.resolve('00.0'),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_AMBIGUOUS',
    );
    assert.throws(
      () => f.resolve('nic1'),
      (e: unknown) =>
        e instanceof PeerdmaError && e.code === 'E_NOT_FOUND' && /nic0/.test(e.message),
    );
  });
});

describe('FabricBuilder validation', () => {
  const topo = (e: unknown) => e instanceof PeerdmaError && e.code === 'E_TOPOLOGY';
  it('rejects duplicate BDFs', () => {
    const b = new FabricBuilder().fn({ bdf: '00:01.0' });
    assert.throws(() => b.fn({ bdf: '0000:00:01.0' }), topo);
  });
  it('rejects dangling parents and cycles', () => {
    assert.throws(
      () => new FabricBuilder().fn({ bdf: '01:00.0', parent: '00:01.0' }).build(),
      topo,
    );
    assert.throws(
      () =>
        new FabricBuilder()
          .fn({ bdf: '01:00.0', parent: '02:00.0' })
          .fn({ bdf: '02:00.0', parent: '01:00.0' })
          .build(),
      (e: unknown) => topo(e) && /cycle/.test((e as Error).message),
    );
  });
  it('rejects a parent in another domain and duplicate names', () => {
    assert.throws(
      () =>
        new FabricBuilder()
          .fn({ bdf: '0001:00:01.0' })
          .fn({ bdf: '0000:01:00.0', parent: '0001:00:01.0' })
          .build(),
      topo,
    );
    assert.throws(
      () =>
        new FabricBuilder()
          .fn({ bdf: '00:01.0', name: 'x' })
          .fn({ bdf: '00:02.0', name: 'x' })
          .build(),
      topo,
    );
  });
  it('records what was not given as unknown', () => {
    const g = new FabricBuilder().fn({ bdf: '00:01.0' }).build();
    const fn = g.require('0000:00:01.0');
    assert.equal(fn.vendor, 'unknown');
    assert.equal(fn.acs.state, 'unknown');
    assert.equal(g.machine.cpu.vendor, 'unknown');
  });

  it('writes every function with its keys in one order (name before kind, description before parent, names last)', () => {
    const fixed = ['kind', 'vendor', 'device', 'subsystemVendor', 'subsystemDevice', 'classCode'];
    const tail = ['parent', 'hostBridge', 'physfn', 'bars', 'windows', 'buses', 'pcie', 'acs'];
    const end = ['numaNode', 'iommuGroup', 'driver'];
    const g = new FabricBuilder()
      .fn({ bdf: '00:01.0', name: 'nic0', description: 'a NIC', cpulist: '0-3' })
      .fn({ bdf: '0000:00:02.0', description: 'a GPU' })
      .fn({ bdf: '0000:00:03.0', cpulist: '4-7' })
      .build(() => () => ({
        vendor: null,
        device: null,
        baseClass: null,
        subclass: null,
        progIf: null,
        subsystemVendor: null,
        subsystem: null,
      }));
    const keys = (bdf: string) => Object.keys(g.require(bdf));
    assert.deepEqual(keys('0000:00:01.0'), [
      'bdf',
      'addr',
      'name',
      ...fixed,
      'revision',
      'description',
      ...tail,
      ...end,
      'cpulist',
      'names',
    ]);
    assert.deepEqual(keys('0000:00:02.0'), [
      'bdf',
      'addr',
      ...fixed,
      'revision',
      'description',
      ...tail,
      ...end,
      'names',
    ]);
    assert.deepEqual(keys('0000:00:03.0'), [
      'bdf',
      'addr',
      ...fixed,
      'revision',
      ...tail,
      ...end,
      'cpulist',
      'names',
    ]);
    assert.equal(g.require('0000:00:01.0').name, 'nic0');
    assert.equal(g.resolve('nic0').bdf, '0000:00:01.0');
  });
});
