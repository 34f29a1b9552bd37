import { type KResult, kerr, ok } from '../core/errno.js';
import type { DmaApi } from '../dma/api.js';
import { dmaMapSgtable, dmaUnmapSgtable } from '../dma/sg.js';
import { runStrategy, type StrategyName } from '../dma/strategies/index.js';
import type { DmaDataDirection, DmaDevice, SgTable } from '../dmabuf/types.js';
import type { PciFunction } from '../pci/types.js';
import type { DmaMapper, MapCost, MappedChunks } from './env.js';

type Ranges = readonly { phys: bigint; len: bigint }[];

/**
 * DMA mappers for the exporters. `kernelMapper` runs a src/dma strategy (cost ledger per map and
 * unmap); `identityMapper` hands out CPU physical addresses with counters (IOMMU-less tests).
 */
export function kernelMapper(
  api: DmaApi,
  strategy: StrategyName,
  /** Called before a BAR of `provider` is mapped (p2p-pages/phys-vec need its P2PDMA provider state). */
  onProvider: (provider: PciFunction) => void = () => {},
): DmaMapper {
  const costs: MapCost[] = [];
  let live = 0;
  const params = (dev: DmaDevice) => dev.dma;
  return {
    strategy,
    costs,
    get live() {
      return live;
    },
    mapChunks(
      provider: PciFunction,
      dev: DmaDevice,
      chunks: Ranges,
      dir: DmaDataDirection,
    ): KResult<MappedChunks> {
      const client = params(dev);
      if (!client) return kerr('EINVAL', `${dev.name}: not a PCI DMA device`);
      onProvider(provider);
      const r = runStrategy(strategy, { api, provider, client, chunks, dir });
      if (!r.ok) return r;
      const m = r.value;
      const note = (what: 'map' | 'unmap', l: typeof m.ledger) =>
        costs.push({
          what,
          importer: dev.name,
          strategy,
          segments: m.segments.length,
          calls: { ...l.counts.calls },
          cpuNs: l.cpu.totalNs,
          ledger: l,
        });
      note('map', m.ledger);
      live++;
      return ok({
        sgt: m.sgt,
        mapType: m.mapType,
        unmap: () => {
          live--;
          note('unmap', m.unmap());
        },
      });
    },
    mapPages(dev: DmaDevice, ranges: Ranges, dir: DmaDataDirection): KResult<MappedChunks> {
      const client = params(dev);
      if (!client) return kerr('EINVAL', `${dev.name}: not a PCI DMA device`);
      const sgt: SgTable = {
        cpu: ranges.map((r) => ({ phys: r.phys, length: r.len, p2pProvider: null })),
        dma: [],
      };
      const { result, recorder } = api.measure(() => dmaMapSgtable(api, client, sgt, dir));
      if (result < 0)
        return kerr(
          result === -121 ? 'EREMOTEIO' : 'ENOMEM',
          `${dev.name}: dma_map_sgtable failed (${result})`,
        );
      const note = (what: 'map' | 'unmap', calls: Record<string, number>) =>
        costs.push({
          what,
          importer: dev.name,
          strategy: 'dma_map_sgtable',
          segments: sgt.dma.length,
          calls: { ...calls },
          cpuNs: 0,
        });
      note('map', recorder.counts.calls);
      live++;
      return ok({
        sgt,
        mapType: 'NONE',
        unmap: () => {
          live--;
          const u = api.measure(() => dmaUnmapSgtable(api, client, sgt, dir));
          note('unmap', u.recorder.counts.calls);
        },
      });
    },
  };
}

export function identityMapper(): DmaMapper {
  const costs: MapCost[] = [];
  let live = 0;
  const make = (dev: DmaDevice, ranges: Ranges, cpu: boolean, name: string): MappedChunks => {
    const sgt: SgTable = {
      cpu: cpu ? ranges.map((r) => ({ phys: r.phys, length: r.len, p2pProvider: null })) : [],
      dma: ranges.map((r) => ({ dmaAddr: r.phys, len: r.len, busAddr: false })),
    };
    live++;
    costs.push({
      what: 'map',
      importer: dev.name,
      strategy: 'identity',
      segments: ranges.length,
      calls: { [name]: ranges.length },
      cpuNs: 0,
    });
    return {
      sgt,
      mapType: cpu ? 'NONE' : 'UNKNOWN',
      unmap: () => {
        live--;
        costs.push({
          what: 'unmap',
          importer: dev.name,
          strategy: 'identity',
          segments: ranges.length,
          calls: {},
          cpuNs: 0,
        });
      },
    };
  };
  return {
    strategy: 'identity',
    costs,
    get live() {
      return live;
    },
    mapChunks: (_p, dev, chunks) => ok(make(dev, chunks, false, 'dma_map_resource')),
    mapPages: (dev, ranges) => ok(make(dev, ranges, true, 'dma_map_sg')),
  };
}
