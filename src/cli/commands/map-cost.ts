import type { Command } from '@commander-js/extra-typings';
import {
  type CalibrationOverride,
  parseCalibrationText,
  parseChunkSpec,
  parseSize,
  STRATEGY_NAMES,
  type StrategyName,
} from '../../dma/index.js';
import { PeerdmaError } from '../../errors/index.js';
import { IOMMU_MODE_NAMES } from '../../iommu/types.js';
import { readInputText, writeOutputFile } from '../../node/files.js';
import {
  buildMapCost,
  mapCostJson,
  renderMapCost,
  renderMapCostSvg,
} from '../../report/map-cost.js';
import { loadFromOptions, printJson, type SourceOptions, withSourceOptions } from '../shared.js';

const HELP = `
Chunks (--chunk):
  SIZE                      every chunk that size, a power of two >= 4KiB (4KiB, 2MiB, 1GiB)
  mixed:SIZE*PCT%[,...]     shares of the export's bytes, summing to 100%; each size gets
                            floor(size x pct / chunk) chunks, the rest is filled with the smallest.
                            e.g. mixed:2MiB*90%,4KiB*10%
  Chunks are laid out largest first, each aligned to its size, not physically contiguous.

Strategies: p2p-pages (struct pages + dma_map_sg), map-resource (dma_map_resource per chunk),
iova-link (dma_iova_try_alloc + dma_iova_link per chunk + one sync), phys-vec
(dma_buf_phys_vec_to_sgt). Costs come from docs/calibration.md; --calibration FILE overrides
rows (JSON or YAML: {schemaVersion: 1, iotlbSyncNs: 1236, ...}).

Always includes the founding mail's two cases: the export in 2MiB chunks and one 4KiB page.
`;

function readCalibration(file: string): CalibrationOverride {
  const text = readInputText(file, { maxBytes: 1024 * 1024, what: 'calibration file' });
  return parseCalibrationText(text, file);
}

function parseStrategies(s: string | undefined): StrategyName[] | undefined {
  if (s === undefined || s === 'all') return undefined;
  const list = s.split(',').map((x) => x.trim());
  const bad = list.find((x) => !(STRATEGY_NAMES as readonly string[]).includes(x));
  if (bad !== undefined) {
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --strategy '${bad}' (all, or a list of ${STRATEGY_NAMES.join(', ')})`,
    );
  }
  return list as StrategyName[];
}

/** `peerdma map-cost`: what each DMA-mapping strategy costs for one provider → client pair. */
export function register(program: Command): void {
  const cmd = program
    .command('map-cost')
    .description(
      'cost ledger of the DMA-mapping strategies (IOVA allocations, PTEs, IOTLB invalidations, metadata, CPU) for a BAR export',
    )
    .option('--size <size>', 'export size (default 64GiB)')
    .option('--chunk <spec>', 'chunk size or mixed:SPEC (default 2MiB; see below)')
    .option('--iommu <mode>', 'none|pt|strict|lazy (default: what the machine runs)')
    .option('--strategy <name>', `all (default) or a comma list of ${STRATEGY_NAMES.join(', ')}`)
    .option('--provider <dev>', 'exporting device (default: the first accelerator with a BAR)')
    .option('--client <dev>', 'importing device (default: the NIC closest to the provider)')
    .option(
      '--max-seg <size>',
      "importer's DMA max segment size (default: from its driver, else 64KiB)",
    )
    .option('--calibration <file>', 'JSON/YAML file overriding calibration rows')
    .option('--svg <file>', 'write a log-log chart of cost against export size')
    .option('--json', 'print one JSON document (schemaVersion 1)')
    .addHelpText('after', HELP);
  withSourceOptions(cmd);
  cmd.action(async (opts) => {
    const mode = opts.iommu === undefined ? undefined : IOMMU_MODE_NAMES[opts.iommu];
    if (opts.iommu !== undefined && mode === undefined) {
      throw new PeerdmaError('E_USAGE', `unknown --iommu '${opts.iommu}' (none, pt, strict, lazy)`);
    }
    const size = opts.size === undefined ? undefined : parseSize(opts.size, '--size');
    if (size !== undefined && size <= 0n)
      throw new PeerdmaError('E_USAGE', '--size must be positive');
    const chunk = opts.chunk ?? '2MiB';
    parseChunkSpec(chunk, size ?? 64n << 30n); // validate early, before loading
    const maxSeg = opts.maxSeg === undefined ? undefined : parseSize(opts.maxSeg, '--max-seg');
    if (maxSeg !== undefined && maxSeg < 4096n) {
      throw new PeerdmaError(
        'E_USAGE',
        '--max-seg must be at least 4KiB (habanalabs refuses smaller with -EINVAL)',
      );
    }
    const cal = opts.calibration === undefined ? undefined : readCalibration(opts.calibration);
    const strategies = parseStrategies(opts.strategy);
    const { fabric } = await loadFromOptions(
      opts as typeof opts & SourceOptions,
      opts.json === true,
    );
    const report = buildMapCost(fabric, {
      ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
      ...(opts.client !== undefined ? { client: opts.client } : {}),
      ...(size !== undefined ? { size } : {}),
      chunk,
      ...(mode !== undefined ? { iommu: mode } : {}),
      ...(strategies !== undefined ? { strategies } : {}),
      ...(maxSeg !== undefined ? { maxSegSize: maxSeg } : {}),
      ...(cal !== undefined
        ? {
            calibration: cal.calibration,
            calibrationFile: opts.calibration!,
            overridden: cal.overridden,
          }
        : {}),
    });
    if (opts.svg !== undefined) {
      writeOutputFile(opts.svg, renderMapCostSvg(report));
    }
    if (opts.json) printJson(mapCostJson(report));
    else process.stdout.write(renderMapCost(report));
  });
}
