import type { Command } from '@commander-js/extra-typings';
import { STRATEGY_NAMES } from '../../app/options.js';
import { type CliIo, cliContext, printJson, printText } from '../io.js';
import { type SourceOptions, withSourceOptions } from '../shared.js';

/**
 * `peerdma demo`: the founding scenario (export → pass fd → RDMA import → map → write → verify →
 * teardown), the ring + doorbell comparison and NVMe → GPU VRAM.
 */
export function register(program: Command, io: CliIo): void {
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
    const [{ demo }, { renderDemo }] = await Promise.all([
      import('../../app/demo.js'),
      import('../../report/demo.js'),
    ]);
    const doc = await demo(o, cliContext(io, o.json === true));
    if (o.json) printJson(io, doc);
    else printText(io, renderDemo(doc));
  });
}
