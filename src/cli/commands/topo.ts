import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { type CliIo, cliContext, printText, writeChunks } from '../io.js';
import { withSourceOptions } from '../shared.js';

export function register(program: Command, io: CliIo): void {
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
      const [{ topo }, { renderTopo, topoJsonPieces }] = await Promise.all([
        import('../../app/topo.js'),
        import('../../report/topo.js'),
      ]);
      const { fabric } = await topo(opts, cliContext(io));
      // The document as printJson would print it, written a piece at a time.
      if (opts.json) {
        await writeChunks(io, topoJsonPieces(fabric));
        io.stdout.write('\n');
      } else if (opts.spec) {
        const { topoSpec } = await import('../../report/topo-spec.js');
        io.stdout.write(topoSpec(fabric));
      } else printText(io, renderTopo(fabric));
    });
}
