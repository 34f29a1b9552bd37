/**
 * Test-only: run the CLI as a user would and capture what they see — in this process
 * (`main(argv, io)` with buffers; the default) or, for the few smoke tests of the real executable,
 * in a child process (`node --import tsx src/cli/main.ts …`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { captureIo } from '../io.js';
import { main } from '../main.js';

/** The repository root (src/cli/testing → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  /** Exit status; null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The terminal an in-process run pretends to have (default: piped, no environment). */
export interface TerminalOptions {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `peerdma ARGS…` in this process: stdout, stderr and the exit status. */
export async function runCli(
  args: readonly string[],
  terminal: TerminalOptions = {},
): Promise<CliRun> {
  const io = { ...captureIo(), ...terminal };
  const code = await main(args, io);
  return { code, signal: null, stdout: io.out(), stderr: io.err() };
}

export interface RunOptions {
  /** Extra environment variables (PEERDMA_DEBUG is removed unless given here). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the child after this many ms (default 60 s). */
  readonly timeoutMs?: number;
  /** A file descriptor to hand the child as its stdout (default: a pipe the run collects). */
  readonly stdoutFd?: number;
}

/** Spawn `peerdma ARGS…` as a child process and collect stdout, stderr and the exit status. */
export function spawnCli(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  if (opts.env?.['PEERDMA_DEBUG'] === undefined) delete env['PEERDMA_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', opts.stdoutFd ?? 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** The lines of a stream's text, without the final empty one. */
export const linesOf = (text: string): string[] =>
  text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
