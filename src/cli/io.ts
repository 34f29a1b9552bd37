/**
 * Where the CLI writes: the process's streams for the real command, buffers for in-process tests.
 * No command touches `process.stdout`/`process.stderr` directly.
 */
import type { AppContext } from '../app/context.js';
import type { LoadWarning } from '../errors/index.js';
import { LOCAL_HOST } from '../node/host.js';

export interface Writer {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Called once with the exit status when `main` finishes (the real CLI sets process.exitCode). */
  readonly exit?: (code: number) => void;
}

/** Buffers for an in-process run: `out()` / `err()` give what was written so far. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
  /** The status passed to `exit`, or null before `main` finished. */
  code(): number | null;
}

export function captureIo(): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  let status: number | null = null;
  return {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    exit: (c: number) => {
      status = c;
    },
    out: () => out.join(''),
    err: () => err.join(''),
    code: () => status,
  };
}

/** Load warnings, one line each on stderr (at most `limit`, then a count). */
export function printWarnings(io: CliIo, ws: readonly LoadWarning[], limit = 20): void {
  for (const w of ws.slice(0, limit)) {
    const line = w.location?.line !== undefined ? `:${w.location.line}` : '';
    const loc = w.location?.file ? `${w.location.file}${line}: ` : '';
    const field = w.location?.field ? `${w.location.field}: ` : '';
    io.stderr.write(`peerdma: warning: ${loc}${field}${w.message}\n`);
  }
  if (ws.length > limit)
    io.stderr.write(`peerdma: warning: … and ${ws.length - limit} more warnings\n`);
}

/** The app context of a CLI command: local files (src/node's host); load warnings on stderr unless `quiet`. */
export function cliContext(io: CliIo, quiet = false): AppContext {
  return quiet ? LOCAL_HOST : { ...LOCAL_HOST, onWarnings: (ws) => printWarnings(io, ws) };
}

/** 64-bit values as hex strings, the convention of every `--json` document (docs/json.md). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

/** Write a JSON document with a trailing newline. */
export function printJson(io: CliIo, doc: unknown): void {
  io.stdout.write(`${JSON.stringify(doc, jsonReplacer, 2)}\n`);
}

/** Write a document piece by piece, waiting for a full pipe to drain (a stream's `false`). */
export async function writeChunks(io: CliIo, chunks: Iterable<string>): Promise<void> {
  const out = io.stdout as Writer & { once?: (ev: 'drain', cb: () => void) => unknown };
  for (const chunk of chunks) {
    if (out.write(chunk) === false && typeof out.once === 'function') {
      await new Promise<void>((resolve) => out.once!('drain', resolve));
    }
  }
}
