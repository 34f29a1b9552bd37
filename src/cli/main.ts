#!/usr/bin/env node
import { Command, CommanderError } from '@commander-js/extra-typings';
import { isPeerdmaError } from '../errors/index.js';
import { registerCommands } from './commands/index.js';

/** Builds the CLI. Exported so tests can drive it without spawning a process. */
export function buildProgram(): Command {
  const program = new Command()
    .name('peerdma')
    .description(
      'See, check and measure Linux PCIe peer-to-peer DMA through DMA-BUF, for a model machine or the real one',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Usage errors: one line, `peerdma: …`, like every other error.
      outputError: (s, write) =>
        write(
          `peerdma: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()} [E_USAGE]\n`,
        ),
    });
  registerCommands(program);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 findings when asked, 2 bad input or usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isPeerdmaError(e)) {
      process.stderr.write(`peerdma: ${e.toLine()}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`peerdma: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env['PEERDMA_DEBUG'] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 3;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && /(?:^|[/\\])(main\.(?:js|ts)|peerdma)$/.test(process.argv[1]);
if (invokedDirectly) {
  // `peerdma … | head`: a closed pipe ends the output quietly, as for any Unix tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
