/** Test-only: runs `check` / `matrix` the way src/cli/main.ts would, in a child process. */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { register as check } from '../../cli/commands/check.js';
import { register as matrix } from '../../cli/commands/matrix.js';
import { isPeerdmaError } from '../../errors/index.js';

const program = new Command().exitOverride();
check(program as never);
matrix(program as never);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  if (isPeerdmaError(e)) {
    process.stderr.write(`peerdma: ${e.toLine()}\n`);
    process.exit(2);
  }
  throw e;
}
