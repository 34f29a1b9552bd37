#!/usr/bin/env node
import type { Command } from '@commander-js/extra-typings';
import type { CliIo, StyledIo } from './io.js';

export const VERSION = '0.1.0';

/** The streams of this process. */
export const PROCESS_IO: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
  isTTY: process.stdout.isTTY === true,
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  env: process.env,
};

/** `--json` among the options (before a `--`): errors, usage errors included, are JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * The one error document of a run under --json, on stderr (docs/json.md):
 * `{"schemaVersion":1,"error":{"code","message","file","line","column","field"}}` — the location
 * fields only when known.
 */
export function errorJson(
  code: string,
  message: string,
  loc: { file?: string; line?: number; column?: number; field?: string } = {},
): string {
  const error: Record<string, unknown> = { code, message };
  for (const k of ['file', 'line', 'column', 'field'] as const)
    if (loc[k] !== undefined) error[k] = loc[k];
  return `${JSON.stringify({ schemaVersion: 1, error })}\n`;
}

/**
 * Builds the CLI, writing through `io`. Loaded on demand, like each command's use case: start-up
 * pays only for what the command line needs.
 */
export async function buildProgram(
  io: CliIo = PROCESS_IO,
  json = false,
): Promise<{ program: Command; styled: StyledIo }> {
  const [{ Command, InvalidArgumentError }, { registerCommands }, { outputStyle, PLAIN_STYLE }] =
    await Promise.all([
      import('@commander-js/extra-typings'),
      import('./commands/index.js'),
      import('./io.js'),
    ]);
  // What every command writes through: the streams, plus the style its flags decide (preAction).
  const styled: StyledIo = { ...io, style: { ...PLAIN_STYLE, json } };
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
      outputError: (s, write) => {
        const msg = s
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim();
        write(json ? errorJson('E_USAGE', msg) : `peerdma: ${msg} [E_USAGE]\n`);
      },
    })
    .option('-q, --quiet', 'no warnings on stderr (errors still print)')
    .option(
      '-v, --verbose',
      'every load warning (not only the first 20), and the stack trace of an internal error',
    )
    .option(
      '--width <n>',
      'wrap wide matrices at N columns (default: the terminal width; piped output never wraps)',
      (v: string) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 20 || n > 100_000)
          throw new InvalidArgumentError('a number of columns from 20 to 100000');
        return n;
      },
    )
    .hook('preAction', (_program, action) => {
      const o = action.optsWithGlobals() as {
        json?: boolean;
        quiet?: boolean;
        verbose?: boolean;
        width?: number;
      };
      styled.style = outputStyle(io, o);
    });
  registerCommands(program, styled);
  return { program, styled };
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
  const json = wantsJson(argv);
  let styled: StyledIo | undefined;
  try {
    const built = await buildProgram(io, json);
    styled = built.styled;
    await built.program.parseAsync([...argv], { from: 'user' });
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
      io.stderr.write(json ? errorJson(e.code, e.message, e.location) : `peerdma: ${e.toLine()}\n`);
      return 2;
    }
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    io.stderr.write(json ? errorJson('E_INTERNAL', msg) : `peerdma: internal error: ${msg}\n`);
    const verbose = styled?.style.verbose === true || Boolean(process.env['PEERDMA_DEBUG']);
    if (verbose && !json && e instanceof Error) io.stderr.write(`${e.stack}\n`);
    return 3;
  }
}

/**
 * A write to standard output failed: a closed pipe (`peerdma … | head`) ends the run quietly, as
 * for any Unix tool (0); anything else (a full disk, /dev/full) is one line naming it, E_IO, 2.
 */
export function stdoutFailed(
  e: NodeJS.ErrnoException,
  argv: readonly string[],
  stderr: Pick<CliIo['stderr'], 'write'>,
): number {
  if (e.code === 'EPIPE') return 0;
  const msg = `cannot write to standard output: ${e.message.replace(/, write$/, '')}`;
  stderr.write(wantsJson(argv) ? errorJson('E_IO', msg) : `peerdma: ${msg} [E_IO]\n`);
  return 2;
}

const invokedDirectly =
  process.argv[1] !== undefined && /(?:^|[/\\])(main\.(?:js|ts)|peerdma)$/.test(process.argv[1]);
if (invokedDirectly) {
  // `peerdma … | head`: a closed pipe ends the output quietly, as for any Unix tool.
  process.stdout.on('error', (e: NodeJS.ErrnoException) =>
    process.exit(stdoutFailed(e, process.argv.slice(2), process.stderr)),
  );
  void main(process.argv.slice(2));
}
