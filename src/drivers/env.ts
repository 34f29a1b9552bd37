import type { KResult } from '../core/errno.js';
import type { CostLedger } from '../dma/ledger.js';
import type { DmaBufCore } from '../dmabuf/core.js';
import type { KernelVersion } from '../dmabuf/rules.js';
import type { DmaDataDirection, DmaDevice, SgTable } from '../dmabuf/types.js';
import type { PciFunction } from '../pci/types.js';
import type { PhysAddressSpace } from './bus.js';
import type { DmaTranslation } from './dma-port.js';
import type { HostRam } from './host-ram.js';

/**
 * What the drivers need from their Kernel, as one small record. `fromKernel()` (./kernel-env.ts)
 * builds it over src/kernel + src/dma + src/p2pdma; tests may pass hand-made pieces.
 */
/** A mapping produced for an importer; `unmap` undoes it (call once). */
export interface MappedChunks {
  readonly sgt: SgTable;
  /** The P2PDMA map type of the pair, as the DMA layer saw it (`NONE` for system RAM). */
  readonly mapType: string;
  unmap(): void;
}

/** One mapping operation as the cost tally records it. */
export interface MapCost {
  readonly what: 'map' | 'unmap';
  readonly importer: string;
  readonly strategy: string;
  readonly segments: number;
  /** DMA-API calls by name. */
  readonly calls: Readonly<Record<string, number>>;
  /** Estimated CPU ns from the calibration table (0 when unknown). */
  readonly cpuNs: number;
  /** The strategy's full cost ledger (absent for mappers that keep none: identity, RAM pages). */
  readonly ledger?: CostLedger;
}

export interface DmaMapper {
  /** Strategy name for BAR chunks (`map-resource`, `iova-link`, `phys-vec`, `p2p-pages`). */
  readonly strategy: string;
  /** Map CPU-physical chunks inside `provider`'s BAR for `dev` (exporter map_dma_buf). */
  mapChunks(
    provider: PciFunction,
    dev: DmaDevice,
    chunks: readonly { phys: bigint; len: bigint }[],
    dir: DmaDataDirection,
  ): KResult<MappedChunks>;
  /** dma_map_sgtable over system-RAM ranges (GTT pages). */
  mapPages(
    dev: DmaDevice,
    ranges: readonly { phys: bigint; len: bigint }[],
    dir: DmaDataDirection,
  ): KResult<MappedChunks>;
  /** Every map/unmap so far, in order. */
  readonly costs: MapCost[];
  /** Mappings not yet unmapped. */
  readonly live: number;
}

/** A finding as data (wording lives in src/report/demo.ts). */
export interface DriverFinding {
  readonly code:
    | 'p2p_silent_fallback_gtt'
    | 'pin_dropped_vram'
    | 'p2p_refused_at_map'
    | 'stale_pinned_mapping'
    | 'no_p2p_pair';
  readonly path: readonly string[];
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly hint: string | null;
}

export interface DriverEnv {
  readonly core: DmaBufCore;
  readonly bus: PhysAddressSpace;
  readonly ram: HostRam;
  readonly mapper: DmaMapper;
  /**
   * The bound driver's own P2P policy (the spec's `p2p: refuses`, e.g. a consumer GPU driver):
   * false makes an importer attach without allow_peer2peer and an exporter clear peer2peer.
   */
  driverAllowsP2p(fn: PciFunction): boolean;
  /** pci_p2pdma_distance(provider, client, verbose): < 0 means P2P is refused. */
  p2pDistance(provider: PciFunction, client: PciFunction, verbose: boolean): number;
  /** How `fn`'s DMA addresses become physical addresses (IOMMU or identity). */
  translation(fn: PciFunction): DmaTranslation;
  /** The dma-buf DmaDevice record for a PCI function (max segment size as its driver sets it). */
  dmaDevice(fn: PciFunction): DmaDevice;
  /** CONFIG_DMABUF_MOVE_NOTIFY. */
  readonly moveNotify: boolean;
  /** The Kernel's rule-set version: drivers whose behaviour changed between releases follow it. */
  readonly version: KernelVersion;
  readonly findings: DriverFinding[];
}

/**
 * An exporter's attach check: peer2peer stays on only when `exporter`'s driver allows P2P (asked
 * first, so a refusing driver never asks the kernel for a distance), the importer is a PCI
 * function, and the P2P distance between them is not negative.
 */
export function exporterAllowsP2p(
  env: DriverEnv,
  exporter: PciFunction,
  client: PciFunction | null,
  verbose: boolean,
): boolean {
  return (
    env.driverAllowsP2p(exporter) && !!client && env.p2pDistance(exporter, client, verbose) >= 0
  );
}
