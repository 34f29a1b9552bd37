import { RULE } from '../core/rule-ids.js';
import type { ViolationLog } from '../core/violations.js';
import type { IommuDomain } from '../iommu/domain.js';
import type { Iommu } from '../iommu/iommu.js';
import type { IovaRange } from '../iommu/iova.js';
import type { Prot } from '../iommu/types.js';
import type { PciFunction } from '../pci/types.js';
import { hex } from '../util/hex.js';
import { CostRecorder } from './ledger.js';
import {
  DIRECTION_NAMES,
  DMA_ATTR,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDevice,
  type DmaDirection,
  type MapTypeFn,
} from './types.js';

export interface DmaApiInit {
  readonly iommu: Iommu;
  /** P2PDMA map type of (provider, client), e.g. from src/p2pdma. */
  readonly mapType: MapTypeFn;
  readonly violations: ViolationLog;
  /** `pci_bus_address(bar) − resource_start(bar)` of a provider (host-bridge offset); default 0. */
  readonly busOffset?: (provider: PciFunction) => bigint;
}

/**
 * The single-address part of the DMA API (spec §4.2–4.3) and the shared machinery: direction
 * checks (invalid → KernelBug), the mask check, IOVA allocation with the below-4-GiB first try,
 * and cost recording. Scatter-gather and the IOVA API live in sg.ts and iova-api.ts and take a
 * DmaApi as their first argument.
 */
export class DmaApi {
  readonly iommu: Iommu;
  readonly mapType: MapTypeFn;
  readonly violations: ViolationLog;
  readonly busOffset: (provider: PciFunction) => bigint;
  #rec: CostRecorder | null = null;

  constructor(init: DmaApiInit) {
    this.iommu = init.iommu;
    this.mapType = init.mapType;
    this.violations = init.violations;
    this.busOffset = init.busOffset ?? (() => 0n);
  }

  /** Run `fn` recording every DMA-API and IOMMU operation into a fresh CostRecorder. */
  measure<T>(fn: () => T): { result: T; recorder: CostRecorder } {
    const outer = this.#rec;
    const recorder = new CostRecorder();
    this.#rec = recorder;
    this.iommu.setSink(recorder);
    try {
      return { result: fn(), recorder };
    } finally {
      this.#rec = outer;
      this.iommu.setSink(outer ?? undefined);
    }
  }

  /** The recorder of the enclosing `measure`, if any (used by sg.ts / iova-api.ts). */
  get recorder(): CostRecorder | null {
    return this.#rec;
  }

  record(call: string, dev: DmaDevice): void {
    this.#rec?.call(call, this.iommu.translating(dev.fn));
  }

  /** `valid_dma_direction`: anything but BIDIRECTIONAL/TO_DEVICE/FROM_DEVICE is a BUG. */
  checkDir(dir: DmaDirection, fnName: string): void {
    if (dir !== 0 && dir !== DMA_TO_DEVICE && dir !== DMA_FROM_DEVICE) {
      this.violations.bug(
        RULE.dmaInvalidDirection,
        `${fnName}: invalid DMA direction ${DIRECTION_NAMES[dir] ?? dir}`,
      );
    }
  }

  /** No DMA mask → WARN_ON_ONCE; returns false when the device cannot map. */
  checkMask(dev: DmaDevice): boolean {
    if (dev.dmaMask !== null) return true;
    this.violations.report(
      'WARN_ONCE',
      RULE.dmaNoMask,
      `${dev.fn.bdf}: DMA mapping without a DMA mask`,
    );
    return false;
  }

  /** IOMMU permission for a direction (spec §4.1.1). */
  prot(dir: DmaDirection, attrs: number): Prot {
    return {
      read: dir !== DMA_FROM_DEVICE,
      write: dir !== DMA_TO_DEVICE,
      mmio: (attrs & DMA_ATTR.MMIO) !== 0,
    };
  }

  /**
   * `iommu_dma_alloc_iova`: limit = mask ∩ aperture; PCI devices with a mask above 32 bits first
   * try below 4 GiB until that fails once (then "Using N-bit DMA addresses", for good).
   */
  allocIova(dev: DmaDevice, domain: IommuDomain, size: bigint): IovaRange | null {
    const mask = dev.dmaMask ?? 0n;
    const limit = mask < domain.apertureEnd ? mask : domain.apertureEnd;
    const four = 0xffff_ffffn;
    if (limit > four && this.iommu.sacFirst(dev.fn)) {
      const low = domain.allocIova(size, four);
      if (low !== null) return low;
      this.iommu.disableSac(dev.fn, limit.toString(2).length);
    }
    return domain.allocIova(size, limit);
  }

  /** Direct-path mask check (spec §4.2.3): overflow → error line + WARN_ON_ONCE. */
  directAddr(dev: DmaDevice, addr: bigint, size: bigint): bigint {
    const mask = dev.dmaMask ?? 0n;
    if (addr + size - 1n > mask) {
      this.iommu.log.push({
        level: 'err',
        text: `${dev.fn.bdf}: DMA addr ${hex(addr)}+${size} overflow (mask ${mask.toString(16)}, bus limit 0).`,
      });
      this.violations.report(
        'WARN_ONCE',
        RULE.dmaDirectOverflow,
        `${dev.fn.bdf}: DMA address overflow`,
      );
      return DMA_MAPPING_ERROR;
    }
    return addr;
  }

  /**
   * `dma_map_phys` (v6.18). Direct: the address unchanged (RAM has no DMA offset in this model;
   * MMIO is never translated). dma-iommu: IOVA for the granule-rounded range + offset in granule.
   */
  mapPhys(
    dev: DmaDevice,
    phys: bigint,
    size: bigint,
    dir: DmaDirection,
    attrs = 0,
    name = 'dma_map_phys',
  ): bigint {
    this.checkDir(dir, name);
    if (!this.checkMask(dev)) return DMA_MAPPING_ERROR;
    this.record(name, dev);
    const domain = this.iommu.domainOf(dev.fn);
    if (domain === null) return this.directAddr(dev, phys, size);
    const g = domain.granule;
    const { start, off, len } = granules(phys, size, g);
    // Untrusted devices bounce sub-granule buffers through swiotlb; MMIO can never be bounced.
    const partial = off !== 0n || size % g !== 0n;
    if (this.iommu.isUntrusted(dev.fn) && partial && (attrs & DMA_ATTR.MMIO) !== 0) {
      return DMA_MAPPING_ERROR;
    }
    const iova = this.allocIova(dev, domain, len);
    if (iova === null) return DMA_MAPPING_ERROR;
    const r = domain.map(iova.addr, start, len, this.prot(dir, attrs));
    if (!r.ok) {
      domain.freeIova(iova);
      return DMA_MAPPING_ERROR;
    }
    domain.syncMap();
    return iova.addr + off;
  }

  /** `dma_unmap_phys`: direct → nothing; dma-iommu → unmap, invalidate (strict) or queue (lazy). */
  unmapPhys(
    dev: DmaDevice,
    addr: bigint,
    size: bigint,
    dir: DmaDirection,
    attrs = 0,
    name = 'dma_unmap_phys',
  ): void {
    this.checkDir(dir, name);
    void attrs;
    this.record(name, dev);
    const domain = this.iommu.domainOf(dev.fn);
    if (domain === null) return;
    const { start, len } = granules(addr, size, domain.granule);
    this.unmapIova(domain, start, len);
  }

  /** Unmap `[iova, +len)` and free the allocation holding it (deferred in DMA-FQ domains). */
  unmapIova(domain: IommuDomain, iova: bigint, len: bigint): void {
    const range = domain.iova.find(iova);
    if (range === null) {
      this.violations.report(
        'WARN',
        RULE.dmaUnmapNotMapped,
        `unmap of IOVA ${hex(iova)} that is not allocated`,
      );
      return;
    }
    unmapAndFree(domain, iova, len, range);
  }

  /** `dma_map_resource` (= dma_map_phys with DMA_ATTR_MMIO since v6.18). */
  mapResource(dev: DmaDevice, phys: bigint, size: bigint, dir: DmaDirection, attrs = 0): bigint {
    return this.mapPhys(dev, phys, size, dir, attrs | DMA_ATTR.MMIO, 'dma_map_resource');
  }

  unmapResource(dev: DmaDevice, addr: bigint, size: bigint, dir: DmaDirection, attrs = 0): void {
    this.unmapPhys(dev, addr, size, dir, attrs | DMA_ATTR.MMIO, 'dma_unmap_resource');
  }

  /** `dma_mapping_error`: -ENOMEM for DMA_MAPPING_ERROR, else 0. */
  mappingError(_dev: DmaDevice, addr: bigint): number {
    return addr === DMA_MAPPING_ERROR ? -12 : 0;
  }
}

export const roundUp = (v: bigint, g: bigint): bigint => ((v + g - 1n) / g) * g;

/**
 * `[addr, +size)` widened to whole granules `g`: the aligned start, the offset of `addr` in its
 * granule, and the padded length.
 */
export function granules(
  addr: bigint,
  size: bigint,
  g: bigint,
): { start: bigint; off: bigint; len: bigint } {
  const off = addr % g;
  return { start: addr - off, off, len: roundUp(off + size, g) };
}

/** Unmap `[iova, +len)` and free `range`: strict domains invalidate now, DMA-FQ ones defer both. */
export function unmapAndFree(
  domain: IommuDomain,
  iova: bigint,
  len: bigint,
  range: IovaRange,
): void {
  const lazy = domain.fq !== null;
  domain.unmap(iova, len, lazy ? 'deferred' : 'sync');
  if (lazy) domain.queueFree(range);
  else domain.freeIova(range);
}
