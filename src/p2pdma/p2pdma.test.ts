/** pci_p2pdma_distance_many, pci_p2pdma_map_type and the per-provider map-type cache (§3.5.3–3.6). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { P2pdma } from './p2pdma.js';
import { standard } from './testing/build.js';

test('distance_many: sum of client distances; 0 clients → -1', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  // 03→04: 2 + 2 = 4; 03→05:00.1 (VF via its PF’s DSP): 2 + 2 = 4; 03→03: 0.
  assert.equal(m.distance('03:00.0', ['04:00.0', '05:00.1', '03:00.0'], true).distance, 8);
  assert.equal(m.distance('03:00.0', [], true).distance, -1);
});

test('distance_many: verbose logs every refused client, quiet stops at the first', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  const loud = m.distance('03:00.0', ['06:00.0', '06:00.1'], true);
  assert.equal(loud.distance, -1);
  assert.equal(loud.log.length, 2);
  assert.deepEqual(m.distance('03:00.0', ['06:00.0', '06:00.1'], false).log, []);
});

test('a client that is not a PCI device: found through its parent, or refused with the kernel message', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  assert.equal(
    m.distance('03:00.0', [{ devName: 'infiniband mlx5_0', pciParent: '0000:04:00.0' }], true)
      .distance,
    4,
  );
  const r = m.distance('03:00.0', [{ devName: 'virtual foo0', pciParent: null }], true);
  assert.deepEqual(r, {
    distance: -1,
    log: ['virtual foo0: cannot be used for peer-to-peer DMA as it is not a PCI device'],
  });
});

test('map type without p2pdma state → NOT_SUPPORTED; with state: computed verbosely once, then cached', () => {
  const m = new P2pdma(standard({ dspAcs: 'redirect', hb: [0x8086, 0x2020] }), 'linux-6.1');
  assert.equal(m.mapType('03:00.0', '04:00.0'), 'NOT_SUPPORTED');
  m.addProvider('03:00.0');
  const before = m.kernelLog.length;
  assert.equal(m.mapType('03:00.0', '04:00.0'), 'THRU_HOST_BRIDGE');
  assert.equal(m.kernelLog.length, before + 2); // the two ACS lines, printed at first mapping
  assert.equal(m.mapType('03:00.0', '04:00.0'), 'THRU_HOST_BRIDGE');
  assert.equal(m.kernelLog.length, before + 2); // cache hit: nothing printed
  // Key: domain << 16 | bus << 8 | devfn of the client.
  assert.deepEqual(m.cache('03:00.0')!.entries(), [[0x0400, 'THRU_HOST_BRIDGE']]);
});

test('an initial NOT_SUPPORTED sticks: later queries never re-evaluate; teardown forgets it', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  const cache = m.addProvider('03:00.0');
  assert.equal(m.distance('03:00.0', ['06:00.0'], false).distance, -1);
  assert.equal(cache.get(0x0600), 'NOT_SUPPORTED');
  // Pretend the topology changed so the walk would now allow it: the cache still answers.
  cache.set(0x0600, 'NOT_SUPPORTED');
  assert.equal(m.mapType('03:00.0', '06:00.0'), 'NOT_SUPPORTED');
  m.releaseProvider('03:00.0');
  assert.equal(m.hasState('03:00.0'), false);
  assert.equal(m.cache('03:00.0'), null);
});

test('map type of a non-PCI client is NOT_SUPPORTED (no parent walk here, unlike distance)', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  m.addProvider('03:00.0');
  assert.equal(
    m.mapType('03:00.0', { devName: 'infiniband mlx5_0', pciParent: '0000:04:00.0' }),
    'NOT_SUPPORTED',
  );
});

test('verdict is pure: no cache writes, no log lines', () => {
  const m = new P2pdma(standard(), 'linux-6.1');
  m.addProvider('03:00.0');
  m.verdict('03:00.0', '06:00.0');
  assert.deepEqual(m.cache('03:00.0')!.entries(), []);
  assert.deepEqual(m.kernelLog, []);
});
