import type { PciFunction } from '../pci/types.js';

/**
 * DMA-mapping vocabulary (spec §4.1): directions, attributes, the error address, the device's DMA
 * parameters, scatter-gather tables and physical ranges.
 */

/**
 * P2PDMA map type of a (provider, client) pair (spec §3.5–3.6), as src/p2pdma computes it.
 * BUS_ADDR: use the bus address, no IOMMU; THRU_HOST_BRIDGE: map through the IOMMU (or CPU
 * physical when direct); anything else: P2P impossible for this pair.
 */
export type MapType = 'NOT_SUPPORTED' | 'BUS_ADDR' | 'THRU_HOST_BRIDGE' | 'NONE' | 'UNKNOWN';
/** Injected so the DMA layer does not depend on src/p2pdma internals. */
export type MapTypeFn = (provider: PciFunction, client: PciFunction) => MapType;

export const DMA_BIDIRECTIONAL = 0;
export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;
export const DMA_NONE = 3;
export type DmaDirection = number;
export const DIRECTION_NAMES: Readonly<Record<number, string>> = {
  0: 'DMA_BIDIRECTIONAL',
  1: 'DMA_TO_DEVICE',
  2: 'DMA_FROM_DEVICE',
  3: 'DMA_NONE',
};

/** DMA attribute bits (spec §4.1.1). */
export const DMA_ATTR = {
  WEAK_ORDERING: 1 << 1,
  WRITE_COMBINE: 1 << 2,
  NO_KERNEL_MAPPING: 1 << 4,
  SKIP_CPU_SYNC: 1 << 5,
  FORCE_CONTIGUOUS: 1 << 6,
  ALLOC_SINGLE_PAGES: 1 << 7,
  NO_WARN: 1 << 8,
  PRIVILEGED: 1 << 9,
  MMIO: 1 << 10,
} as const;

/** All-ones: what single-address mapping calls return on failure. */
export const DMA_MAPPING_ERROR = (1n << 64n) - 1n;

/** Largest sg entry length: ALIGN_DOWN(UINT_MAX, PAGE_SIZE) (entries are 32-bit). */
export const SG_MAX_SEGMENT = 0xffff_f000n;
export const PAGE_SIZE = 4096n;

/** A device that does DMA: its PCI function and `struct device` DMA parameters. */
export interface DmaDevice {
  readonly fn: PciFunction;
  /** null: no DMA mask set (mapping WARNs and fails). */
  readonly dmaMask: bigint | null;
  /** dma_get_max_seg_size: 64 KiB unless the driver set one. */
  readonly maxSegSize: bigint;
  /** Segment boundary mask (default 4 GiB − 1). */
  readonly segBoundary: bigint;
}

export const DEFAULT_MAX_SEG_SIZE = 65536n;

/** `dma_set_max_seg_size` as known drivers call it (mlx5_core 2 GiB, nvme 4 GiB − 1). */
export const DRIVER_MAX_SEG_SIZE: Readonly<Record<string, bigint>> = {
  mlx5_core: 2n << 30n,
  nvme: 0xffff_ffffn,
};

export function dmaDevice(
  fn: PciFunction,
  opts: { dmaMask?: bigint | null; maxSegSize?: bigint; segBoundary?: bigint } = {},
): DmaDevice {
  return {
    fn,
    dmaMask: opts.dmaMask === undefined ? (1n << 64n) - 1n : opts.dmaMask,
    maxSegSize: opts.maxSegSize ?? DEFAULT_MAX_SEG_SIZE,
    segBoundary: opts.segBoundary ?? 0xffff_ffffn,
  };
}

/** A physical range (`struct phys_vec`): CPU physical address and length. */
export interface PhysRange {
  readonly phys: bigint;
  readonly len: bigint;
}

/** CPU view of an sg entry: physical range and, for P2PDMA pages, the providing device. */
export interface SgCpuEntry {
  readonly phys: bigint;
  readonly length: bigint;
  /** The P2PDMA provider owning the page (ZONE_DEVICE page); null for ordinary RAM. */
  readonly p2pProvider: PciFunction | null;
}

/** DMA view of an sg entry. `busAddr`: a P2PDMA bus address (skipped by unmap). */
export interface DmaSegment {
  readonly dmaAddr: bigint;
  readonly len: bigint;
  readonly busAddr: boolean;
}

/**
 * An sg table: `cpu` = the first orig_nents entries (empty for DMA-only tables built by BAR
 * exporters), `dma` = the first nents DMA segments (empty until mapped).
 */
export interface SgTable {
  cpu: SgCpuEntry[];
  dma: DmaSegment[];
}

/** Where a device's DMA at some address lands. */
export type DmaTarget =
  | {
      readonly kind: 'bar';
      readonly fn: PciFunction;
      readonly bar: number;
      /** Offset inside the BAR. */
      readonly offset: bigint;
      /** CPU physical address of the byte. */
      readonly phys: bigint;
      readonly route: 'bus-address' | 'iommu' | 'direct';
    }
  | { readonly kind: 'ram'; readonly phys: bigint; readonly route: 'iommu' | 'direct' };
