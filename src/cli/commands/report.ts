import type { Command } from '@commander-js/extra-typings';
import { type CliIo, cliContext, styledPieces, writeChunks } from '../io.js';
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
      const [{ report }, { firstSectionError, renderReportPieces, reportJsonChunks }] =
        await Promise.all([import('../../app/report.js'), import('../../report/report.js')]);
      const rec = await report(opts, cliContext(io, opts.json === true));
      if (opts.json) {
        // Section by section; the P2P section's byte chunks are filled again once written (as
        // `matrix --json`): a 4,096-endpoint machine is never one document in memory.
        const free: Uint8Array[] = [];
        await writeChunks(io, reportJsonChunks(rec, { free }), (b) => free.push(b));
        const failed = firstSectionError(rec);
        if (failed !== undefined) throw failed;
        return;
      }
      // Sections in order, each written as it is rendered; one that failed for this machine
      // stops the report there (renderReportPieces throws its error).
      await writeChunks(io, styledPieces(io, renderReportPieces(rec)));
    });
}
