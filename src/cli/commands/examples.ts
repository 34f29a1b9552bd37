import type { Command } from '@commander-js/extra-typings';
import { DEFAULT_EXAMPLE } from '../../app/options.js';
import { type CliIo, printJson } from '../io.js';

/** `peerdma examples`: the bundled machines, usable as `--from example:NAME`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('examples')
    .description(
      `list the bundled example machines (use with --from example:NAME; default: ${DEFAULT_EXAMPLE})`,
    )
    .option(
      '--json',
      'print one JSON document: {schemaVersion, default, examples: [{name, title, description}]}',
    )
    .action(async (opts) => {
      const [{ EXAMPLES_SCHEMA_VERSION, examples }, { default: Table }] = await Promise.all([
        import('../../app/examples.js'),
        import('cli-table3'),
      ]);
      const rec = examples();
      if (opts.json) {
        printJson(io, { schemaVersion: EXAMPLES_SCHEMA_VERSION, ...rec });
        return;
      }
      const table = new Table({ head: ['name', 'title'], style: { head: [], border: [] } });
      for (const e of rec.examples) table.push([`example:${e.name}`, e.title]);
      io.stdout.write(`${table.toString()}\n`);
    });
}
