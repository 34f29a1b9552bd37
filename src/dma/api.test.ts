import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KernelBug } from '../core/violations.js';
import { resolveDma } from './resolve.js';
import { ACCEL_BAR, rig } from './testing/fabric.js';
import { DMA_MAPPING_ERROR, DMA_NONE, DMA_TO_DEVICE, dmaDevice } from './types.js';

test('direct mode: dma_map_resource returns the CPU physical address unchanged, even with a bus offset', () => {
  const r = rig({ mode: 'none' }, 'BUS_ADDR', { busOffset: 1n << 40n });
  const addr = r.api.mapResource(r.nic, ACCEL_BAR + 0x123n, 4096n, 0);
  assert.equal(addr, ACCEL_BAR + 0x123n);
  // …so the device's DMA misses the BAR (its bus address is CPU physical + offset)
  const t = resolveDma(r.api, r.nic, addr, 'write');
  assert.ok(t.ok);
  assert.equal(t.value.kind, 'ram');
});

test('direct mode: an address above the DMA mask is an overflow error + WARN_ON_ONCE', () => {
  const r = rig({ mode: 'passthrough' });
  const dev = dmaDevice(r.nic.fn, { dmaMask: 0xffff_ffffn });
  assert.equal(r.api.mapResource(dev, ACCEL_BAR, 4096n, 0), DMA_MAPPING_ERROR);
  assert.equal(r.api.mappingError(dev, DMA_MAPPING_ERROR), -12);
  assert.equal(r.api.mapResource(dev, ACCEL_BAR, 4096n, 0), DMA_MAPPING_ERROR);
  assert.deepEqual(
    r.violations.all.map((v) => v.rule),
    ['dma.direct.overflow'],
  );
  assert.match(r.iommu.log[0]!.text, /DMA addr 0x2000000000\+4096 overflow/);
});

test('invalid direction is a kernel BUG; no DMA mask is WARN_ON_ONCE + error', () => {
  const r = rig({ mode: 'strict' });
  assert.throws(() => r.api.mapResource(r.nic, ACCEL_BAR, 4096n, DMA_NONE), KernelBug);
  assert.throws(() => r.api.unmapResource(r.nic, 0n, 4096n, 7), KernelBug);
  const noMask = dmaDevice(r.nic.fn, { dmaMask: null });
  assert.equal(r.api.mapResource(noMask, ACCEL_BAR, 4096n, 0), DMA_MAPPING_ERROR);
  assert.deepEqual(
    r.violations.all.map((v) => v.kind),
    ['WARN_ONCE'],
  );
});

test('dma-iommu: IOVA + offset in granule, below 4 GiB first, then "Using 48-bit DMA addresses" (mask ∩ aperture)', () => {
  const r = rig({ mode: 'strict' });
  const a = r.api.mapResource(r.nic, ACCEL_BAR + 0x10n, 100n, DMA_TO_DEVICE);
  assert.ok(a < 1n << 32n);
  assert.equal(a % 4096n, 0x10n);
  const t = resolveDma(r.api, r.nic, a + 5n, 'read');
  assert.ok(t.ok && t.value.kind === 'bar');
  assert.equal(t.value.offset, 0x15n);
  assert.equal(t.value.route, 'iommu');
  // TO_DEVICE: the device may read, not write
  assert.equal(resolveDma(r.api, r.nic, a, 'write').ok, false);
  // 8 GiB cannot fit below 4 GiB: the 32-bit attempt fails once and is switched off for good
  const big = r.api.mapPhys(r.nic, 0n, 8n << 30n, 0);
  assert.ok(big > 1n << 32n);
  assert.deepEqual(
    r.iommu.log.map((l) => l.text),
    ['pci 0000:04:00.0: Using 48-bit DMA addresses'],
  );
  r.api.unmapResource(r.nic, a, 100n, DMA_TO_DEVICE);
  r.api.unmapPhys(r.nic, big, 8n << 30n, 0);
  assert.equal(r.iommu.snapshot().iovaRanges, 0);
});

test('unmapping an address that was never mapped WARNs', () => {
  const r = rig({ mode: 'strict' });
  r.api.unmapResource(r.nic, 0x1234_5000n, 4096n, 0);
  assert.deepEqual(
    r.violations.all.map((v) => v.rule),
    ['dma.unmap.not-mapped'],
  );
});

test('untrusted device: sub-granule MMIO cannot be bounced → DMA_MAPPING_ERROR; whole pages map', () => {
  const r = rig({ mode: 'passthrough', untrusted: ['0000:04:00.0'] });
  assert.equal(r.iommu.modeOf(r.nic.fn), 'strict');
  assert.equal(r.api.mapResource(r.nic, ACCEL_BAR + 8n, 100n, 0), DMA_MAPPING_ERROR);
  const ok = r.api.mapResource(r.nic, ACCEL_BAR, 8192n, 0);
  assert.notEqual(ok, DMA_MAPPING_ERROR);
  assert.ok(ok < 1n << 32n, 'an IOVA, although the machine runs passthrough');
});
