/**
 * Test-only: run the CLI in a child process (`node --import tsx src/cli/main.ts …`) from the repo
 * root and capture what a user would see.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (src/cli/testing → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  /** Exit status; null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Extra environment variables (PEERDMA_DEBUG is removed unless given here). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the child after this many ms (default 60 s). */
  readonly timeoutMs?: number;
}

/** Spawn `peerdma ARGS…` and collect stdout, stderr and the exit status. */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  if (opts.env?.['PEERDMA_DEBUG'] === undefined) delete env['PEERDMA_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
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
