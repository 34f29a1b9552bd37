import type { Command } from '@commander-js/extra-typings';
import { STRATEGY_NAMES, type StrategyName } from '../../dma/strategies/index.js';
import { PeerdmaError } from '../../errors/index.js';
import { IOMMU_MODE_NAMES, type IommuMode } from '../../iommu/types.js';
import { buildDemo, renderDemo } from '../../report/demo.js';
import { loadFromOptions, printJson, type SourceOptions, withSourceOptions } from '../shared.js';

/**
 * `peerdma demo`: the founding scenario (export → pass fd → RDMA import → map → write → verify →
 * teardown), the ring + doorbell comparison and NVMe → GPU VRAM.
 */
export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'run the founding scenario (accelerator exports, RDMA NIC writes, accelerator verifies) and the ring + doorbell comparison',
    )
    .option('--json', 'one JSON document (schemaVersion 1)')
    .option('--iommu <mode>', 'none|pt|strict|lazy (default: what the machine runs)')
    .option(
      '--strategy <name>',
      `DMA mapping strategy for BAR chunks (${STRATEGY_NAMES.join(', ')}; default map-resource)`,
    )
    .option('--pinned', 'register a pinned dma-buf MR instead of a dynamic (ODP-style) one')
    .option('--rules <name>', 'rule set, e.g. linux-6.19');
  withSourceOptions(cmd);
  cmd.action(async (opts) => {
    const o = opts as typeof opts & SourceOptions;
    let iommu: IommuMode | undefined;
    if (o.iommu !== undefined) {
      iommu = Object.hasOwn(IOMMU_MODE_NAMES, o.iommu) ? IOMMU_MODE_NAMES[o.iommu] : undefined;
      if (!iommu)
        throw new PeerdmaError('E_USAGE', `unknown --iommu '${o.iommu}' (none, pt, strict, lazy)`);
    }
    if (o.strategy !== undefined && !(STRATEGY_NAMES as readonly string[]).includes(o.strategy)) {
      throw new PeerdmaError(
        'E_USAGE',
        `unknown --strategy '${o.strategy}' (${STRATEGY_NAMES.join(', ')})`,
      );
    }
    const { fabric } = await loadFromOptions(o, o.json === true);
    const doc = buildDemo(fabric, {
      ...(iommu ? { iommu } : {}),
      ...(o.strategy ? { strategy: o.strategy as StrategyName } : {}),
      ...(o.rules ? { ruleSet: o.rules } : {}),
      mode: o.pinned ? 'pinned' : 'dynamic',
    });
    if (o.json) printJson(doc);
    else process.stdout.write(renderDemo(doc));
  });
}
