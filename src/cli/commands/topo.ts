import type { Command } from '@commander-js/extra-typings';
import { renderTopo, topoJson } from '../../report/topo.js';
import { loadFromOptions, printJson, withSourceOptions } from '../shared.js';

export function register(program: Command): void {
  withSourceOptions(
    program
      .command('topo')
      .description(
        'show the PCIe fabric as a tree: kind, link, NUMA node, ACS redirect, IOMMU group, BARs',
      ),
  )
    .option('--json', 'print one JSON document (schemaVersion 1; see docs/json.md)')
    .action(async (opts) => {
      const { fabric } = await loadFromOptions(opts, opts.json === true);
      if (opts.json) printJson(topoJson(fabric));
      else process.stdout.write(renderTopo(fabric));
    });
}
