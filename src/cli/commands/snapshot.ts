import type { Command } from '@commander-js/extra-typings';
import { type CliIo, cliContext } from '../io.js';

/** `peerdma snapshot [--root /] -o FILE.tar.gz`: capture this machine's PCI sysfs (read-only). */
export function register(program: Command, io: CliIo): void {
  program
    .command('snapshot')
    .description(
      "capture this machine's PCI facts from /sys and /proc (an allowlist of plain attribute reads) into a .tar.gz that --from reads",
    )
    .option(
      '--root <dir>',
      'the tree holding sys/ and proc/ (for a mounted or unpacked machine)',
      '/',
    )
    .requiredOption('-o, --output <file>', 'archive to write (.tar.gz)')
    .action(async (opts) => {
      const { snapshot } = await import('../../app/snapshot.js');
      const rec = await snapshot({ root: opts.root, output: opts.output }, cliContext(io));
      io.stderr.write(
        `peerdma: snapshot: ${rec.functions} PCI functions, ${rec.entries} entries, ${rec.bytes} bytes → ${rec.output}\n`,
      );
      for (const n of rec.notes) io.stderr.write(`peerdma: snapshot: not captured: ${n}\n`);
    });
}
