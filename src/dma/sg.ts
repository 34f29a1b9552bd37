import type { IommuDomain } from '../iommu/domain.js';
import type { PciFunction } from '../pci/types.js';
import { type DmaApi, granules, roundUp } from './api.js';
import {
  DMA_MAPPING_ERROR,
  type DmaDevice,
  type DmaDirection,
  type DmaSegment,
  type MapType,
  type SgTable,
} from './types.js';

/**
 * `dma_map_sg` / `dma_map_sgtable` with P2PDMA pages (spec §3.7, §4.4). Each CPU entry's page is
 * classified: RAM, or a P2PDMA page whose provider's map type decides — BUS_ADDR: bus address, no
 * IOVA; THRU_HOST_BRIDGE: mapped like RAM; anything else fails the whole call with -EREMOTEIO
 * (`dma_map_sg` returns 0). On the dma-iommu path all non-bus entries are laid out back to back
 * (each at its offset within a granule) in ONE IOVA range, mapped, synced once, and merged into as
 * few DMA segments as the device's max segment size and boundary allow. The direct path never
 * merges.
 */
type Kind = 'ram' | 'bus' | 'host';

function classify(api: DmaApi, dev: DmaDevice, sgt: SgTable): Kind[] | null {
  const cache = new Map<PciFunction, MapType>();
  const kinds: Kind[] = [];
  for (const e of sgt.cpu) {
    if (e.p2pProvider === null) {
      kinds.push('ram');
      continue;
    }
    let t = cache.get(e.p2pProvider);
    if (t === undefined) {
      t = api.mapType(e.p2pProvider, dev.fn);
      cache.set(e.p2pProvider, t);
    }
    if (t === 'BUS_ADDR') kinds.push('bus');
    else if (t === 'THRU_HOST_BRIDGE') kinds.push('host');
    else return null;
  }
  return kinds;
}

/** Map; returns `0` or a negative errno and fills `sgt.dma`. */
export function dmaMapSgtable(
  api: DmaApi,
  dev: DmaDevice,
  sgt: SgTable,
  dir: DmaDirection,
  attrs = 0,
): number {
  api.checkDir(dir, 'dma_map_sgtable');
  if (!api.checkMask(dev)) return -5;
  api.record('dma_map_sg', dev);
  // sg lengths are 32-bit: an entry of 4 GiB or more cannot exist (spec §4.4.7).
  if (sgt.cpu.some((e) => e.length > 0xffff_ffffn || e.length === 0n)) return -22;
  const kinds = classify(api, dev, sgt);
  if (kinds === null) return -121; // EREMOTEIO
  const domain = api.iommu.domainOf(dev.fn);
  const rec = api.recorder;
  const out: DmaSegment[] = [];
  if (domain === null) {
    for (const [i, e] of sgt.cpu.entries()) {
      const bus = kinds[i] === 'bus';
      const addr = bus
        ? e.phys + api.busOffset(e.p2pProvider!)
        : api.directAddr(dev, e.phys, e.length);
      if (addr === DMA_MAPPING_ERROR) return -5;
      out.push({ dmaAddr: addr, len: e.length, busAddr: bus });
    }
    if (rec) rec.counts.sgFills += sgt.cpu.length;
    sgt.dma = out;
    return 0;
  }
  const g = domain.granule;
  // Lay out the IOVA-mapped entries back to back, each padded to whole granules.
  let total = 0n;
  const place: bigint[] = [];
  for (const [i, e] of sgt.cpu.entries()) {
    if (kinds[i] === 'bus') {
      place.push(-1n);
      continue;
    }
    const { off, len } = granules(e.phys, e.length, g);
    place.push(total + off);
    total += len;
  }
  if (rec) {
    rec.counts.sgIommuWalks += kinds.filter((k) => k !== 'bus').length;
    rec.counts.sgFills += kinds.filter((k) => k === 'bus').length;
  }
  let base = 0n;
  if (total > 0n) {
    const iova = api.allocIova(dev, domain, total);
    if (iova === null) return -12;
    base = iova.addr;
    // iommu_map_sg: physically contiguous entries go in one iommu_map call.
    const prot = api.prot(dir, attrs);
    let runV = -1n;
    let runP = -1n;
    let runLen = 0n;
    const flush = (): boolean => {
      if (runLen === 0n) return true;
      const r = domain.map(runV, runP, runLen, prot);
      runLen = 0n;
      return r.ok;
    };
    for (const [i, e] of sgt.cpu.entries()) {
      if (kinds[i] === 'bus') continue;
      const { start: p, off, len } = granules(e.phys, e.length, g);
      const v = base + place[i]! - off;
      if (runLen > 0n && p === runP + runLen && v === runV + runLen) runLen += len;
      else {
        if (!flush()) return unwind(domain, base, total, -12);
        runV = v;
        runP = p;
        runLen = len;
      }
    }
    if (!flush()) return unwind(domain, base, total, -12);
    domain.syncMap();
  }
  // Finalise: merge IOVA-contiguous segments up to the max segment size and boundary.
  for (const [i, e] of sgt.cpu.entries()) {
    if (kinds[i] === 'bus') {
      out.push({ dmaAddr: e.phys + api.busOffset(e.p2pProvider!), len: e.length, busAddr: true });
      continue;
    }
    const addr = base + place[i]!;
    const last = out[out.length - 1];
    const i0 = i - 1;
    const prevIommu = i0 >= 0 && kinds[i0] !== 'bus';
    if (
      last !== undefined &&
      prevIommu &&
      !last.busAddr &&
      last.dmaAddr + last.len === addr &&
      last.len + e.length <= dev.maxSegSize &&
      last.dmaAddr / (dev.segBoundary + 1n) === (addr + e.length - 1n) / (dev.segBoundary + 1n)
    ) {
      out[out.length - 1] = { ...last, len: last.len + e.length };
    } else {
      out.push({ dmaAddr: addr, len: e.length, busAddr: false });
    }
  }
  sgt.dma = out;
  return 0;
}

function unwind(domain: IommuDomain, base: bigint, total: bigint, code: number): number {
  domain.pt.unmap(base, total);
  const range = domain.iova.find(base);
  if (range !== null) domain.freeIova(range);
  return code;
}

/** `dma_map_sg`: the number of DMA segments, or 0 on any failure (callers can't tell why). */
export function dmaMapSg(
  api: DmaApi,
  dev: DmaDevice,
  sgt: SgTable,
  dir: DmaDirection,
  attrs = 0,
): number {
  const r = dmaMapSgtable(api, dev, sgt, dir, attrs);
  return r === 0 ? sgt.dma.length : 0;
}

/**
 * `dma_unmap_sg(table)`: bus-address segments are skipped; the IOVA span of the others (first to
 * last) is unmapped and its allocation freed in one go.
 */
export function dmaUnmapSgtable(
  api: DmaApi,
  dev: DmaDevice,
  sgt: SgTable,
  dir: DmaDirection,
  attrs = 0,
): void {
  api.checkDir(dir, 'dma_unmap_sgtable');
  void attrs;
  api.record('dma_unmap_sg', dev);
  const domain = api.iommu.domainOf(dev.fn);
  const mapped = sgt.dma.filter((s) => !s.busAddr);
  const rec = api.recorder;
  if (domain === null || mapped.length === 0) {
    sgt.dma = [];
    return;
  }
  const kinds = classify(api, dev, sgt) ?? [];
  if (rec) rec.counts.sgIommuWalks += kinds.filter((k) => k !== 'bus').length;
  const g = domain.granule;
  const start = mapped[0]!.dmaAddr - (mapped[0]!.dmaAddr % g);
  const lastSeg = mapped[mapped.length - 1]!;
  const end = roundUp(lastSeg.dmaAddr + lastSeg.len, g);
  api.unmapIova(domain, start, end - start);
  sgt.dma = [];
}
