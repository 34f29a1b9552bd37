import type { Command } from '@commander-js/extra-typings';
import { type CliIo, cliContext, printJson, printText } from '../io.js';
import { withSourceOptions } from '../shared.js';

/** `peerdma buffers [--from live|SNAPSHOT] [--json]`: the DMA-BUF objects that exist now. */
export function register(program: Command, io: CliIo): void {
  withSourceOptions(
    program
      .command('buffers')
      .description(
        'the DMA-BUF objects on this machine (debugfs bufinfo, /proc fds, sysfs): exporter, size, name, attached devices, owners, P2P verdict per attachment; p2pmem per function',
      ),
  )
    .option('--rules <name>', 'kernel rule set for the P2P verdicts (default: the newest)')
    .option('--json', 'print one JSON document (schemaVersion 1; see docs/json.md)')
    .action(async (opts) => {
      const [{ buffers }, { renderBuffers, buffersJson }] = await Promise.all([
        import('../../app/buffers.js'),
        import('../../report/buffers.js'),
      ]);
      const rec = await buffers(opts, cliContext(io, opts.json === true));
      if (opts.json) printJson(io, buffersJson(rec));
      else printText(io, renderBuffers(rec));
    });
}
