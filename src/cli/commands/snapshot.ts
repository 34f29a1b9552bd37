import type { Command } from '@commander-js/extra-typings';
import { type CliIo, cliContext, printJson, warn } from '../io.js';

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
    .option(
      '--json',
      'print one JSON document: {schemaVersion, output, functions, entries, bytes, notCaptured}',
    )
    .action(async (opts) => {
      const { snapshot } = await import('../../app/snapshot.js');
      const rec = await snapshot(
        { root: opts.root, output: opts.output },
        cliContext(io, opts.json === true),
      );
      if (opts.json) {
        printJson(io, {
          schemaVersion: 1,
          output: rec.output,
          functions: rec.functions,
          entries: rec.entries,
          bytes: rec.bytes,
          notCaptured: rec.notes,
        });
        return;
      }
      io.stderr.write(
        `peerdma: snapshot: ${rec.functions} PCI functions, ${rec.entries} entries, ${rec.bytes} bytes → ${rec.output}\n`,
      );
      for (const n of rec.notes) warn(io, `snapshot: not captured: ${n}`);
    });
}
