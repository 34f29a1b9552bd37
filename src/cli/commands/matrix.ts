import type { Command } from '@commander-js/extra-typings';
import { MATRIX_CLASSES, MATRIX_SHOWS, type MatrixShow } from '../../app/options.js';
import { PeerdmaError } from '../../errors/index.js';
import { type CliIo, cliContext, styledPieces, styleOf, writeChunks } from '../io.js';
import { type SourceOptions, withSourceOptions } from '../shared.js';
import { withP2pOptions } from './check.js';

/** `peerdma matrix`: every endpoint pair, laid out like `nvidia-smi topo -m`. */
export function register(program: Command, io: CliIo): void {
  const cmd = withP2pOptions(
    program
      .command('matrix')
      .description(
        'P2P verdicts for every pair of endpoints, laid out like nvidia-smi topo -m, with a legend',
      )
      .option(
        '--all',
        'every function that is not a bridge (host-bridge devices and chipset functions included)',
      )
      .option('--class <list>', `only these device classes (${MATRIX_CLASSES.join(',')})`)
      .option('--show <what>', 'cell content: maptype (default), class, distance')
      .option(
        '--pairs',
        'with --json: every pair in full (path, ACS bridges, worded issues; schemaVersion 1, ~1.8 KB per pair)',
      ),
  );
  // withSourceOptions adds --from/--format in place; keep `cmd`'s own typing for .action().
  withSourceOptions(cmd);
  cmd.action(async (opts) => {
    const o = opts as typeof opts & SourceOptions;
    const show = (o.show ?? 'maptype') as MatrixShow;
    if (!MATRIX_SHOWS.includes(show)) {
      throw new PeerdmaError(
        'E_USAGE',
        `unknown --show '${o.show}' (one of ${MATRIX_SHOWS.join(', ')})`,
      );
    }
    const [{ compactMatrix, matrix }, { matrixJsonChunks, matrixPairsChunks, renderMatrixPieces }] =
      await Promise.all([import('../../app/matrix.js'), import('../../report/p2p.js')]);
    const view = await matrix({ ...o, classes: o.class }, cliContext(io, o.json === true));
    if (o.json && o.pairs) {
      // One pair at a time: 16.7 M pairs of ~1.8 KB stream out instead of being held.
      await writeChunks(io, matrixPairsChunks(view));
      io.stdout.write('\n');
    } else if (o.json) {
      // Chunks the stream has written are filled again: ~2 MB of buffers instead of the document's size.
      const free: Uint8Array[] = [];
      await writeChunks(io, matrixJsonChunks(view, compactMatrix(view), 1 << 20, free), (b) =>
        free.push(b),
      );
      io.stdout.write('\n');
    } else {
      // Pieces of whole lines (~64 KiB): a 4,096-device matrix is never one string.
      const pieces = renderMatrixPieces(view, show, { width: styleOf(io).width });
      await writeChunks(io, styledPieces(io, pieces, { cells: true }));
    }
  });
}
