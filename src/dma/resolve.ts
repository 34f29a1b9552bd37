import { type KResult, ok } from '../core/errno.js';
import type { Access } from '../iommu/domain.js';
import type { PciFunction } from '../pci/types.js';
import type { DmaApi } from './api.js';
import type { DmaDevice, DmaTarget } from './types.js';

/**
 * Where a DMA by `dev` at bus address `addr` lands — the path an importer's bytes take:
 * 1. an address inside some BAR's *bus* range (CPU start + that device's bus offset) is routed to
 *    that BAR by the switches / root complex (a P2PDMA bus address, or a direct-path address);
 * 2. otherwise, on the dma-iommu path, the IOMMU translates it (IOTLB, then page walk; unmapped →
 *    EFAULT) and the CPU physical result is a BAR (CPU range) or RAM;
 * 3. otherwise (direct path) the address is RAM.
 * IOVA space never overlaps BAR windows (they are reserved), so step 1 cannot capture an IOVA.
 */
export function resolveDma(
  api: DmaApi,
  dev: DmaDevice,
  addr: bigint,
  access: Access,
): KResult<DmaTarget> {
  const byBus = findBar(api, addr, true);
  const translating = api.iommu.translating(dev.fn);
  if (byBus !== null) {
    return ok({ kind: 'bar', ...byBus, route: translating ? 'bus-address' : 'direct' });
  }
  if (!translating) return ok({ kind: 'ram', phys: addr, route: 'direct' });
  const t = api.iommu.translate(dev.fn, addr, access);
  if (!t.ok) return t;
  const byCpu = findBar(api, t.value, false);
  if (byCpu !== null) return ok({ kind: 'bar', ...byCpu, route: 'iommu' });
  return ok({ kind: 'ram', phys: t.value, route: 'iommu' });
}

function findBar(
  api: DmaApi,
  addr: bigint,
  bus: boolean,
): { fn: PciFunction; bar: number; offset: bigint; phys: bigint } | null {
  for (const fn of api.iommu.fabric.functions) {
    const delta = bus ? api.busOffset(fn) : 0n;
    for (const b of fn.bars) {
      if (b.space !== 'mem' || b.size === 0n) continue;
      const start = b.start + delta;
      if (addr >= start && addr < start + b.size) {
        return { fn, bar: b.index, offset: addr - start, phys: b.start + (addr - start) };
      }
    }
  }
  return null;
}
