import { writeFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { snapshotWithStats } from '../../node/snapshot.js';

/** `peerdma snapshot [--root /] -o FILE.tar.gz`: capture this machine's PCI sysfs (read-only). */
export function register(program: Command): void {
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
      const snap = await snapshotWithStats(opts.root);
      try {
        writeFileSync(opts.output, snap.bytes);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        throw new PeerdmaError('E_IO', `cannot write: ${code}`, { file: opts.output });
      }
      process.stderr.write(
        `peerdma: snapshot: ${snap.functions} PCI functions, ${snap.entries} entries, ${snap.bytes.length} bytes → ${opts.output}\n`,
      );
    });
}
