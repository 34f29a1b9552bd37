import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ledgerLine } from './ledger-line.js';
import { runStrategy } from './strategies/index.js';
import { ACCEL_BAR, MiB, rig } from './testing/fabric.js';
import { DMA_BIDIRECTIONAL } from './types.js';

test('ledgerLine: the demo-sized ledger of one map and its unmap, zero counts left out', () => {
  for (const mode of ['strict', 'lazy', 'none'] as const) {
    const r = rig({ mode }, 'THRU_HOST_BRIDGE');
    const m = runStrategy('map-resource', {
      api: r.api,
      provider: r.accel,
      client: r.nic,
      chunks: [
        { phys: ACCEL_BAR, len: 2n * MiB },
        { phys: ACCEL_BAR + 4n * MiB, len: 2n * MiB },
      ],
      dir: DMA_BIDIRECTIONAL,
    });
    assert.ok(m.ok);
    const map = ledgerLine(m.value.ledger, 'map-resource map');
    const unmap = ledgerLine(m.value.unmap());
    if (mode === 'none') {
      assert.match(
        map,
        /^map-resource map: dma_map_resource×2 \(direct\) · 2 DMA segs · metadata 64 B · ~[\d.]+ [nµ]s$/,
      );
      assert.match(unmap, /^dma_unmap_resource×2 \(direct\) · ~[\d.]+ [nµ]s$/);
      continue;
    }
    assert.match(
      map,
      /^map-resource map: dma_map_resource×2 \(dma-iommu\) · IOVA \+2 · PTE 2M×2 · IOTLB sync-map 2 · 2 DMA segs · metadata [\d.]+ KiB · ~[\d.]+ [nµ]s$/,
    );
    assert.match(
      unmap,
      mode === 'strict'
        ? /^dma_unmap_resource×2 \(dma-iommu\) · IOVA −2 · PTE clear 2M×2 · IOTLB 2 inv · ~[\d.]+ [nµ]s$/
        : /^dma_unmap_resource×2 \(dma-iommu\) · PTE clear 2M×2 · IOTLB 2 queued · ~[\d.]+ [nµ]s$/,
    );
  }
});
