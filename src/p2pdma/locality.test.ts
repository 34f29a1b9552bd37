/** Locality classes against nvidia-smi's legend, one case per class (see locality.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localityClass } from './locality.js';
import { fab, INTEL_ICX, type N } from './testing/build.js';

// Host bridge pci0000:00: root port 00:01.0 → switch A (01:00.0, DSPs 02:00.0/02:01.0) → gpu0, gpu1
// and, below DSP 02:02.0, switch B (05:00.0, DSP 06:00.0) → gpu2; root port 00:02.0 → a
// two-function NIC 08:00.0/.1. Host bridge pci0000:40 (same NUMA node 0): root port → gpu3.
// Host bridge pci0000:80 (NUMA node 1): root port → gpu4. Host bridge pci0000:c0 (no NUMA node).
const nodes: N[] = [
  { k: 'rp', bdf: '00:01.0' },
  { k: 'usp', bdf: '01:00.0', parent: '00:01.0' },
  { k: 'dsp', bdf: '02:00.0', parent: '01:00.0' },
  { k: 'dsp', bdf: '02:01.0', parent: '01:00.0' },
  { k: 'dsp', bdf: '02:02.0', parent: '01:00.0' },
  { k: 'ep', bdf: '03:00.0', parent: '02:00.0' },
  { k: 'ep', bdf: '04:00.0', parent: '02:01.0' },
  { k: 'usp', bdf: '05:00.0', parent: '02:02.0' },
  { k: 'dsp', bdf: '06:00.0', parent: '05:00.0' },
  { k: 'ep', bdf: '07:00.0', parent: '06:00.0' },
  { k: 'rp', bdf: '00:02.0' },
  { k: 'ep', bdf: '08:00.0', parent: '00:02.0' },
  { k: 'ep', bdf: '08:00.1', parent: '00:02.0' },
  { k: 'rp', bdf: '40:01.0' },
  { k: 'ep', bdf: '41:00.0', parent: '40:01.0' },
  { k: 'rp', bdf: '80:01.0' },
  { k: 'ep', bdf: '81:00.0', parent: '80:01.0' },
  { k: 'rp', bdf: 'c0:01.0' },
  { k: 'ep', bdf: 'c1:00.0', parent: 'c0:01.0' },
];
const f = fab(INTEL_ICX, nodes, { 'pci0000:00': 0, 'pci0000:40': 0, 'pci0000:80': 1 });
const cls = (a: string, b: string) => localityClass(f, f.resolve(a), f.resolve(b));

test('X: the device itself', () => {
  assert.equal(cls('03:00.0', '03:00.0'), 'X');
});

test('PIX: two devices on one switch, or two functions of one device (at most one bridge)', () => {
  assert.equal(cls('03:00.0', '04:00.0'), 'PIX');
  assert.equal(cls('08:00.0', '08:00.1'), 'PIX');
});

test('PXB: two switches between them, below one root port, without the host bridge', () => {
  assert.equal(cls('03:00.0', '07:00.0'), 'PXB');
  assert.equal(cls('07:00.0', '03:00.0'), 'PXB');
});

test('PHB: two root ports of one host bridge', () => {
  assert.equal(cls('03:00.0', '08:00.0'), 'PHB');
});

test('NODE: two host bridges on one NUMA node; SYS: across NUMA nodes', () => {
  assert.equal(cls('03:00.0', '41:00.0'), 'NODE');
  assert.equal(cls('03:00.0', '81:00.0'), 'SYS');
  assert.equal(cls('41:00.0', '81:00.0'), 'SYS');
});

test('a host bridge with no recorded NUMA node: cross-host-bridge class unknown, never guessed', () => {
  assert.equal(cls('03:00.0', 'c1:00.0'), 'unknown');
});
