/**
 * Typed, user-facing errors. Every error a person can cause by giving bad input carries a stable
 * `code` and names the input it came from (file, line, column, field or attribute path), so the CLI
 * can print exactly one line and exit 2.
 */

/** Where in the input a problem sits. Every field is optional; render what is known. */
export interface SourceLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** A field or attribute path inside the input, e.g. `devices[3].bars[0].size` or a sysfs path. */
  readonly field?: string;
}

/** Stable error codes. Add new codes at the end; never rename one. */
export type ErrorCode =
  | 'E_IO' // a file or directory cannot be read
  | 'E_FORMAT_UNKNOWN' // the input's format cannot be detected
  | 'E_PARSE' // malformed text (a line, a token)
  | 'E_SCHEMA' // structurally valid input whose fields are wrong
  | 'E_TOPOLOGY' // an impossible tree: duplicate BDF, cycle, dangling parent
  | 'E_TOO_LARGE' // input exceeds a safety limit
  | 'E_NOT_FOUND' // a named device, example or rule set does not exist
  | 'E_AMBIGUOUS' // a name or BDF suffix matches more than one thing
  | 'E_USAGE' // bad command-line usage
  | 'E_UNSUPPORTED'; // valid input this version cannot handle

export class PeerdmaError extends Error {
  override readonly name = 'PeerdmaError';
  readonly code: ErrorCode;
  readonly location: SourceLocation;

  constructor(code: ErrorCode, message: string, location: SourceLocation = {}) {
    super(message);
    this.code = code;
    this.location = location;
  }

  /** One line: `file:line:column: field: message [code]`. */
  toLine(): string {
    return `${formatLocation(this.location)}${this.message} [${this.code}]`;
  }
}

export function formatLocation(loc: SourceLocation): string {
  let s = '';
  if (loc.file !== undefined) {
    s += loc.file;
    if (loc.line !== undefined) {
      s += `:${loc.line}`;
      if (loc.column !== undefined) s += `:${loc.column}`;
    }
    s += ': ';
  } else if (loc.line !== undefined) {
    s += `line ${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}: `;
  }
  if (loc.field !== undefined) s += `${loc.field}: `;
  return s;
}

export function isPeerdmaError(e: unknown): e is PeerdmaError {
  return e instanceof PeerdmaError;
}

/** Re-label an error with a file name, keeping its code and line. */
export function withFile(e: unknown, file: string): unknown {
  if (e instanceof PeerdmaError && e.location.file === undefined) {
    return new PeerdmaError(e.code, e.message, { ...e.location, file });
  }
  return e;
}

/** Non-fatal problems found while loading: partial data, guessed fields. Printed on stderr. */
export interface LoadWarning {
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
}
