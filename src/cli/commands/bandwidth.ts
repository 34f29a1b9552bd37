import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { writeOutputChunks } from '../../node/files.js';
import { type CliIo, cliContext, styledPieces, styleOf, writeChunks } from '../io.js';
import { type SourceOptions, withSourceOptions } from '../shared.js';
import { withP2pOptions } from './check.js';

/** `peerdma bandwidth`: predicted GB/s and latency for a pair, a flow set, or every pair. */
export function register(program: Command, io: CliIo): void {
  const cmd = withP2pOptions(
    program
      .command('bandwidth')
      .description(
        'predicted P2P vs bounce bandwidth and latency: one pair with the limiting link, concurrent flows (max-min fair sharing), or all-pairs matrices like p2pBandwidthLatencyTest',
      )
      .argument('[src]', 'source device (BDF, BDF suffix or spec name)')
      .argument('[dst]', 'destination device')
      .option('--bidir', 'pair: also both directions at once')
      .option('--flows <list>', 'concurrent flows SRC>DST[,SRC>DST…]')
      .option(
        '--pattern <name>',
        'concurrent flows over the selected devices: pairs|all-to-all|ring|one-to-all',
      )
      .option(
        '--mode <mode>',
        'flows: p2p (the route the kernel allows; default), bounce, or p2p-hw (the hardware route, ignoring the kernel verdict)',
      )
      .option('--op <op>', 'write (posted writes; default) or read (the destination pulls)')
      .option('--all', 'matrices/patterns: every function that is not a bridge')
      .option(
        '--class <list>',
        'matrices/patterns: only these device classes (accel,gpu,nic,nvme,…)',
      )
      .option('--svg <file>', 'matrices: write a heatmap of the unidirectional P2P=Enabled matrix'),
  );
  withSourceOptions(cmd);
  cmd.action(async (src, dst, opts) => {
    const o = opts as typeof opts & SourceOptions;
    const [{ bandwidth }, { bandwidthJsonChunks, matricesSvgPieces, renderBandwidthPieces }] =
      await Promise.all([import('../../app/bandwidth.js'), import('../../report/bandwidth.js')]);
    const rec = await bandwidth(
      { ...o, src, dst, classes: o.class },
      cliContext(io, o.json === true),
    );
    if (o.svg !== undefined) {
      if (rec.kind !== 'matrices')
        throw new PeerdmaError(
          'E_USAGE',
          '--svg draws the matrices (give no SRC DST, --flows or --pattern)',
        );
      writeOutputChunks(o.svg, matricesSvgPieces(rec.matrices));
    }
    // Pieces: the matrices of thousands of devices are never one string (nor one object).
    if (o.json) {
      await writeChunks(io, bandwidthJsonChunks(rec));
      io.stdout.write('\n');
    } else
      await writeChunks(
        io,
        styledPieces(io, renderBandwidthPieces(rec, { width: styleOf(io).width })),
      );
  });
}
