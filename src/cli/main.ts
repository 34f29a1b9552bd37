#!/usr/bin/env node
import type { Command } from '@commander-js/extra-typings';
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

/**
 * Builds the CLI, writing through `io`. Loaded on demand, like each command's use case: start-up
 * pays only for what the command line needs.
 */
export async function buildProgram(io: CliIo = PROCESS_IO): Promise<Command> {
  const [{ Command }, { registerCommands }] = await Promise.all([
    import('@commander-js/extra-typings'),
    import('./commands/index.js'),
  ]);
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
  // `peerdma --version` answers before the command table loads (start-up: ARCHITECTURE.md).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    const program = await buildProgram(io);
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    const [{ CommanderError }, { isPeerdmaError }] = await Promise.all([
      import('@commander-js/extra-typings'),
      import('../errors/index.js'),
    ]);
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
