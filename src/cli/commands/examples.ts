import type { Command } from '@commander-js/extra-typings';
import { DEFAULT_EXAMPLE } from '../../app/options.js';
import { type CliIo, cliContext, printJson } from '../io.js';

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
      const [{ examples }, { examplesJson, renderExamples }] = await Promise.all([
        import('../../app/examples.js'),
        import('../../report/examples.js'),
      ]);
      const rec = await examples(cliContext(io));
      if (opts.json) printJson(io, examplesJson(rec));
      else io.stdout.write(renderExamples(rec));
    });
}
