import type { KResult } from '../../core/errno.js';
import type { PciFunction } from '../../pci/types.js';
import type { DmaApi } from '../api.js';
import type { Calibration } from '../calibration.js';
import type { CostLedger } from '../ledger.js';
import type { DmaDevice, DmaDirection, DmaSegment, MapType, PhysRange, SgTable } from '../types.js';

export type StrategyName = 'p2p-pages' | 'map-resource' | 'iova-link' | 'phys-vec';
export const STRATEGY_NAMES: readonly StrategyName[] = [
  'p2p-pages',
  'map-resource',
  'iova-link',
  'phys-vec',
];

/** What every strategy takes. The IOMMU mode and map-type function come with `api`. */
export interface StrategyInput {
  readonly api: DmaApi;
  /** The device whose BAR memory is exported. */
  readonly provider: PciFunction;
  /** The importer device doing the DMA. */
  readonly client: DmaDevice;
  /** Export chunks as CPU-physical ranges inside the provider's BAR, in export order. */
  readonly chunks: readonly PhysRange[];
  readonly dir: DmaDirection;
  /** Calibration for the ledger's CPU estimate (default: DEFAULT_CALIBRATION). */
  readonly calibration?: Calibration;
}

/** A live mapping: the DMA segments the importer uses, the table, and the map-side ledger. */
export interface StrategyMapping {
  readonly strategy: StrategyName;
  /** The pair's P2PDMA map type (informational for map-resource/iova-link, which ignore it). */
  readonly mapType: MapType;
  /** DMA segments in export order; their lengths sum to the export size. */
  readonly segments: readonly DmaSegment[];
  /** The table an exporter hands to the importer (CPU view empty except for p2p-pages). */
  readonly sgt: SgTable;
  readonly ledger: CostLedger;
  /** Undo the mapping; returns the unmap-side ledger. Call once. */
  unmap(): CostLedger;
}

export type Strategy = (input: StrategyInput) => KResult<StrategyMapping>;
