import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { fabricToSpec, specToYaml } from '../../ingest/spec/index.js';
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
    .option(
      '--spec',
      'print the machine as a YAML spec (docs/spec-format.md) to edit and load again with --from',
    )
    .action(async (opts) => {
      if (opts.json && opts.spec) {
        throw new PeerdmaError('E_USAGE', '--json and --spec are two different outputs: pick one');
      }
      // Load warnings go to stderr whatever the output: stdout stays one clean document.
      const { fabric } = await loadFromOptions(opts);
      if (opts.json) printJson(topoJson(fabric));
      else if (opts.spec) process.stdout.write(specToYaml(fabricToSpec(fabric)));
      else process.stdout.write(renderTopo(fabric));
    });
}
