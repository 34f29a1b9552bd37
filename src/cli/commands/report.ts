import type { Command } from '@commander-js/extra-typings';
import type { Section } from '../../app/report.js';
import { type CliIo, cliContext, printText, writeChunks } from '../io.js';
import { withSourceOptions } from '../shared.js';

/** `peerdma report` (what `npm start` runs): every section for one machine, default example. */
export function register(program: Command, io: CliIo): void {
  withSourceOptions(
    program
      .command('report')
      .description(
        'the whole story for one machine: topology, P2P verdicts, DMA-BUF demo, mapping costs, bandwidth',
      ),
  )
    .option(
      '--json',
      'one JSON document: {schemaVersion, topology, p2p, demo, mapCost, bandwidth}, each as its command prints it (docs/json.md)',
    )
    .action(async (opts) => {
      const [
        { report },
        { renderBandwidth },
        { renderDemoSection },
        { renderMapCostSection },
        { renderP2pSection },
        { renderTopo },
      ] = await Promise.all([
        import('../../app/report.js'),
        import('../../report/bandwidth.js'),
        import('../../report/demo.js'),
        import('../../report/map-cost.js'),
        import('../../report/p2p.js'),
        import('../../report/topo.js'),
      ]);
      const rec = await report(opts, cliContext(io, opts.json === true));
      if (opts.json) {
        const { firstSectionError, reportJsonChunks } = await import('../../report/report.js');
        // Section by section; the P2P section's byte chunks are filled again once written (as
        // `matrix --json`): a 4,096-endpoint machine is never one document in memory.
        const free: Uint8Array[] = [];
        await writeChunks(io, reportJsonChunks(rec, { free }), (b) => free.push(b));
        const failed = firstSectionError(rec);
        if (failed !== undefined) throw failed;
        return;
      }
      const print = (title: string, text: string) => {
        const body = text.replace(/^== .* ==\n/, '');
        printText(io, `${heading(title)}${body.endsWith('\n') ? body : `${body}\n`}\n`);
      };
      // Sections in order; one that failed for this machine stops the report there.
      const value = <T>(s: Section<T>): T => {
        if (!s.ok) throw s.error;
        return s.value;
      };
      print('Topology', renderTopo(rec.fabric));
      print('P2P verdicts (kernel p2pdma rules)', renderP2pSection(value(rec.p2p)));
      print('DMA-BUF: the founding scenario', renderDemoSection(value(rec.demo)));
      print('DMA mapping cost', renderMapCostSection(value(rec.mapCost)));
      print('Bandwidth and latency (PCIe model)', renderBandwidth(value(rec.bandwidth)));
    });
}

function heading(title: string): string {
  return `== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n`;
}
