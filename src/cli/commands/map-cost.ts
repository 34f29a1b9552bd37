import type { Command } from '@commander-js/extra-typings';
import { STRATEGY_NAMES } from '../../app/options.js';
import { type CliIo, cliContext, printJson, printText } from '../io.js';
import { type SourceOptions, withSourceOptions } from '../shared.js';

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

/** `peerdma map-cost`: what each DMA-mapping strategy costs for one provider → client pair. */
export function register(program: Command, io: CliIo): void {
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
    const o = opts as typeof opts & SourceOptions;
    const [{ mapCost }, { mapCostJson, renderMapCost, renderMapCostSvg }, { writeWholeFile }] =
      await Promise.all([
        import('../../app/map-cost.js'),
        import('../../report/map-cost.js'),
        import('../../node/files.js'),
      ]);
    const report = await mapCost(o, cliContext(io, o.json === true));
    if (o.svg !== undefined) writeWholeFile(o.svg, renderMapCostSvg(report), 'SVG');
    if (o.json) printJson(io, mapCostJson(report));
    else printText(io, renderMapCost(report));
  });
}
