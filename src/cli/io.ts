/**
 * Where the CLI writes: the process's streams for the real command, buffers for in-process tests.
 * No command touches `process.stdout`/`process.stderr` directly.
 */
import pc from 'picocolors';
import type { AppContext } from '../app/context.js';
import type { LoadWarning } from '../errors/index.js';
import { LOCAL_HOST } from '../node/host.js';
import { asciiText } from '../report/format.js';
import { prettyJson } from '../util/json.js';

export interface Writer {
  /** Text, or bytes already encoded as UTF-8 (big documents, src/cli/commands/matrix.ts). */
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Called once with the exit status when `main` finishes (the real CLI sets process.exitCode). */
  readonly exit?: (code: number) => void;
  /** stdout is a terminal (colour allowed, width known). Absent: not a terminal. */
  readonly isTTY?: boolean;
  /** The terminal's width in columns, when stdout is one. */
  readonly columns?: number;
  /** The environment the conventions read (NO_COLOR, FORCE_COLOR, LC_ALL, LC_CTYPE, LANG). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * How this run prints, decided once by the CLI from its flags, the terminal and the environment
 * (README "Conventions"); renderers get the parts they need as options and stay pure.
 */
export interface OutputStyle {
  /** ANSI colour: a TTY (or FORCE_COLOR), never with NO_COLOR, never under --json. */
  readonly color: boolean;
  /** Box drawing and arrows in UTF-8; false → ASCII (`|-`, `` `- ``, `|`) for a non-UTF-8 locale. */
  readonly unicode: boolean;
  /** Wrap wide matrices at this many columns; null: never wrap (piped output without --width). */
  readonly width: number | null;
  /** --quiet: no warnings on stderr. */
  readonly quiet: boolean;
  /** --verbose: every load warning (not only the first 20) and the stack of an internal error. */
  readonly verbose: boolean;
  /** --json: stdout is one JSON document and errors are one JSON document on stderr. */
  readonly json: boolean;
}

/** The flags of a command line that shape the output (global `-q/-v/--width` and `--json`). */
export interface StyleFlags {
  readonly json?: boolean | undefined;
  readonly quiet?: boolean | undefined;
  readonly verbose?: boolean | undefined;
  readonly width?: number | undefined;
}

/** The locale's character set is UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them). */
export function localeIsUtf8(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  // Unset or C/POSIX: ASCII. `en_US.UTF-8`, `C.utf8`, `de_DE.utf-8@euro`: UTF-8.
  return /\.utf-?8\b/i.test(locale);
}

/** Decide colour, charset and width for a run (see OutputStyle). */
export function outputStyle(io: CliIo, flags: StyleFlags): OutputStyle {
  const env = io.env ?? {};
  const json = flags.json === true;
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const force = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  return {
    color: !json && !noColor && (force || io.isTTY === true),
    unicode: io.env === undefined || localeIsUtf8(env),
    width: flags.width ?? (io.isTTY === true ? (io.columns ?? 80) : null),
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    json,
  };
}

/** The style of a run that has not parsed its flags (tests, or a usage error before any action). */
export const PLAIN_STYLE: OutputStyle = {
  color: false,
  unicode: true,
  width: null,
  quiet: false,
  verbose: false,
  json: false,
};

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
  const utf8 = new TextDecoder();
  const text = (x: string | Uint8Array) => (typeof x === 'string' ? x : utf8.decode(x));
  return {
    stdout: { write: (s: string | Uint8Array) => out.push(text(s)) },
    stderr: { write: (s: string | Uint8Array) => err.push(text(s)) },
    exit: (c: number) => {
      status = c;
    },
    out: () => out.join(''),
    err: () => err.join(''),
    code: () => status,
  };
}

/** Load warnings, one line each on stderr (at most `limit`, then a count). */
export function printWarnings(
  io: CliIo,
  ws: readonly LoadWarning[],
  limit: number = DEFAULT_WARNING_LIMIT,
): void {
  for (const w of ws.slice(0, limit)) {
    const line = w.location?.line !== undefined ? `:${w.location.line}` : '';
    const loc = w.location?.file ? `${w.location.file}${line}: ` : '';
    const field = w.location?.field ? `${w.location.field}: ` : '';
    io.stderr.write(`peerdma: warning: ${loc}${field}${w.message}\n`);
  }
  if (ws.length > limit)
    io.stderr.write(`peerdma: warning: … and ${ws.length - limit} more warnings\n`);
}

const DEFAULT_WARNING_LIMIT = 20;

/**
 * The app context of a CLI command: local files (src/node's host); load warnings on stderr unless `quiet` (or
 * --quiet), all of them under --verbose.
 */
export function cliContext(io: CliIo, quiet = false): AppContext {
  const style = styleOf(io);
  if (quiet || style.quiet) return LOCAL_HOST;
  const limit = style.verbose ? Number.POSITIVE_INFINITY : DEFAULT_WARNING_LIMIT;
  return { ...LOCAL_HOST, onWarnings: (ws) => printWarnings(io, ws, limit) };
}

/** A warning of the CLI itself on stderr (not under --quiet). */
export function warn(io: CliIo, message: string): void {
  if (!styleOf(io).quiet) io.stderr.write(`peerdma: warning: ${message}\n`);
}

/** The per-run io the commands see: the streams plus the style decided when the action starts. */
export interface StyledIo extends CliIo {
  style: OutputStyle;
}

export function styleOf(io: CliIo): OutputStyle {
  return (io as Partial<StyledIo>).style ?? PLAIN_STYLE;
}

type Colors = ReturnType<typeof pc.createColors>;

/** Map types and matrix cells a colour terminal shows in colour (whole words only). */
const VERDICT_WORDS =
  /\b(BUS_ADDR|THRU_HOST_BRIDGE|NOT_SUPPORTED|uncertain|BUS|THB|NS)\b|^(== .* =+)$|^(Legend:)$/gm;

/**
 * Colour for a TTY: BUS_ADDR green, THRU_HOST_BRIDGE yellow, NOT_SUPPORTED red, undecided
 * magenta, section headings bold. `cells`: also the matrix's short codes (BUS, THB, NS).
 */
export function colorize(text: string, colors: Colors, cells = false): string {
  return text.replace(VERDICT_WORDS, (m, word?: string, heading?: string, legendWord?: string) => {
    if (heading !== undefined || legendWord !== undefined) return colors.bold(m);
    switch (word) {
      case 'BUS_ADDR':
        return colors.green(m);
      case 'THRU_HOST_BRIDGE':
        return colors.yellow(m);
      case 'NOT_SUPPORTED':
        return colors.red(m);
      case 'uncertain':
        return colors.magenta(m);
      case 'BUS':
        return cells ? colors.green(m) : m;
      case 'THB':
        return cells ? colors.yellow(m) : m;
      case 'NS':
        return cells ? colors.red(m) : m;
      default:
        return m;
    }
  });
}

/**
 * Write a text rendering with this run's style: ASCII box drawing under a non-UTF-8 locale,
 * colour on a terminal. JSON never goes through here.
 */
export function printText(io: CliIo, text: string, opts: { cells?: boolean } = {}): void {
  io.stdout.write(styledText(io, text, opts));
}

/**
 * Text as printText writes it (ASCII fallback, colour). Both transforms are line-local, so whole
 * lines may be styled piece by piece (`writeChunks(io, styledPieces(...))`).
 */
export function styledText(io: CliIo, text: string, opts: { cells?: boolean } = {}): string {
  const style = styleOf(io);
  const out = style.unicode ? text : asciiText(text);
  return style.color ? colorize(out, pc.createColors(true), opts.cells === true) : out;
}

/** Pieces of text that each end at a line's end, styled as printText would style their whole. */
export function* styledPieces(
  io: CliIo,
  pieces: Iterable<string>,
  opts: { cells?: boolean } = {},
): Generator<string, void, undefined> {
  for (const p of pieces) yield styledText(io, p, opts);
}

export { bigintReplacer as jsonReplacer } from '../util/json.js';

/**
 * Write a JSON document with a trailing newline; 64-bit values as hex strings (prettyJson: the
 * replacer only when there is a BigInt, a third of the time saved on a 10,000-function
 * `topo --json`).
 */
export function printJson(io: CliIo, doc: unknown): void {
  io.stdout.write(`${prettyJson(doc)}\n`);
}

/**
 * Write a document piece by piece (text, or UTF-8 bytes written as they are), waiting for a full
 * pipe to drain (a stream's `false`). `written`: called with each byte chunk once the stream is
 * done with it (its callback), so that the producer can fill it again; the event loop turns once
 * per chunk to let those callbacks run. A writer without callbacks (tests) never returns a chunk.
 */
export async function writeChunks(
  io: CliIo,
  chunks: Iterable<string | Uint8Array>,
  written?: (chunk: Uint8Array) => void,
): Promise<void> {
  const out = io.stdout as Writer & {
    once?: (ev: 'drain', cb: () => void) => unknown;
    write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): unknown;
  };
  const stream = typeof out.once === 'function';
  for (const chunk of chunks) {
    const back =
      stream && written !== undefined && typeof chunk !== 'string'
        ? (err?: Error | null) => {
            if (!err) written(chunk);
          }
        : undefined;
    const ok = back === undefined ? out.write(chunk) : out.write(chunk, back);
    if (ok === false && stream) {
      await new Promise<void>((resolve) => out.once!('drain', resolve));
    } else if (back !== undefined) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
