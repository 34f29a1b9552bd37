import type { KResult } from '../../core/errno.js';
import { ok } from '../../core/errno.js';
import { minBig } from '../../util/bigint.js';
import { DEFAULT_CALIBRATION } from '../calibration.js';
import { type CostLedger, type CostRecorder, ledgerOf } from '../ledger.js';
import { type DmaSegment, SG_MAX_SEGMENT, type SgTable } from '../types.js';
import type { StrategyInput, StrategyMapping, StrategyName } from './types.js';

/** Largest entry a DMA-only table may carry for this importer. */
export const pieceMax = (input: StrategyInput): bigint =>
  minBig(input.client.maxSegSize, SG_MAX_SEGMENT);

/**
 * Run a strategy's map step and package the result: `map` returns the segments + table and an
 * undo function (or an error), measured into ledgers.
 */
export function runMeasured(
  name: StrategyName,
  input: StrategyInput,
  map: () => KResult<{ segments: DmaSegment[]; sgt: SgTable; undo: () => void }>,
): KResult<StrategyMapping> {
  const { api, client, provider } = input;
  const cal = input.calibration ?? DEFAULT_CALIBRATION;
  const lazy = api.iommu.modeOf(client.fn) === 'lazy';
  const { result, recorder } = api.measure(map);
  if (!result.ok) return result;
  const { segments, sgt, undo } = result.value;
  finishCounts(recorder, segments);
  const ledger = ledgerOf(recorder.counts, cal, lazy, 'enumerated');
  let undone = false;
  return ok({
    strategy: name,
    mapType: api.mapType(provider, client.fn),
    segments,
    sgt,
    ledger,
    unmap(): CostLedger {
      if (undone) throw new Error(`${name}: mapping already unmapped`);
      undone = true;
      const m = api.measure(undo);
      return ledgerOf(m.recorder.counts, cal, lazy, 'enumerated');
    },
  });
}

function finishCounts(rec: CostRecorder, segments: readonly DmaSegment[]): void {
  rec.counts.sgDmaEntries = segments.length;
  rec.counts.iovaLive = rec.counts.iovaAllocs - rec.counts.iovaFrees;
}
