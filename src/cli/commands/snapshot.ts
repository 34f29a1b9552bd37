import type { Command } from '@commander-js/extra-typings';
import { writeOutputFile } from '../../node/files.js';
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
      writeOutputFile(opts.output, snap.bytes);
      for (const w of snap.warnings) process.stderr.write(`peerdma: warning: snapshot: ${w}\n`);
      process.stderr.write(
        `peerdma: snapshot: ${snap.functions} PCI functions, ${snap.entries} entries, ${snap.bytes.length} bytes → ${opts.output}\n`,
      );
    });
}
