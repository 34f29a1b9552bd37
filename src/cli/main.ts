#!/usr/bin/env node
import { Command, CommanderError } from '@commander-js/extra-typings';
import { isPeerdmaError } from '../errors/index.js';
import { registerCommands } from './commands/index.js';
import type { CliIo } from './io.js';

export const VERSION = '0.1.0';

/** The streams of this process. */
export const PROCESS_IO: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
};

/** Builds the CLI, writing through `io`. */
export function buildProgram(io: CliIo = PROCESS_IO): Command {
  const program = new Command()
    .name('peerdma')
    .description(
      'See, check and measure Linux PCIe peer-to-peer DMA through DMA-BUF, for a model machine or the real one',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Usage errors: one line, `peerdma: …`, like every other error.
      outputError: (s, write) =>
        write(
          `peerdma: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()} [E_USAGE]\n`,
        ),
    });
  registerCommands(program, io);
  return program;
}

/**
 * Runs the CLI in this process: parses `argv` (without `node` and the script), writes to `io`,
 * returns the exit status (0 ok, 2 bad input or usage, 3 internal error) and hands it to `io.exit`.
 */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  const code = await run(argv, io);
  io.exit?.(code);
  return code;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isPeerdmaError(e)) {
      io.stderr.write(`peerdma: ${e.toLine()}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`peerdma: internal error: ${msg.split('\n')[0]}\n`);
    if (process.env['PEERDMA_DEBUG'] && e instanceof Error) io.stderr.write(`${e.stack}\n`);
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
  void main(process.argv.slice(2));
}
