import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { DEFAULT_EXAMPLE, listExamples } from '../../node/examples.js';
import { printJson } from '../shared.js';

/** `peerdma examples`: the bundled machines, usable as `--from example:NAME`. */
export function register(program: Command): void {
  program
    .command('examples')
    .description(
      `list the bundled example machines (use with --from example:NAME; default: ${DEFAULT_EXAMPLE})`,
    )
    .option(
      '--json',
      'print one JSON document: {schemaVersion, default, examples: [{name, title, description}]}',
    )
    .action((opts) => {
      const list = listExamples();
      if (opts.json) {
        printJson({ schemaVersion: 1, default: DEFAULT_EXAMPLE, examples: list });
        return;
      }
      const table = new Table({ head: ['name', 'title'], style: { head: [], border: [] } });
      for (const e of list) table.push([`example:${e.name}`, e.title]);
      process.stdout.write(`${table.toString()}\n`);
    });
}
