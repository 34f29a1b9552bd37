import type { LoadWarning } from '../../errors/index.js';

interface Bucket {
  code: string;
  what: string;
  count: number;
  example: string;
}

/**
 * Collects load warnings, folding repeats of one kind into a single warning with a count and an
 * example path (a machine with 10,000 functions lacking `config` gives one line, not 10,000).
 */
export class WarningSink {
  readonly #file: string;
  readonly #buckets = new Map<string, Bucket>();
  readonly #single: LoadWarning[] = [];

  constructor(file: string) {
    this.#file = file;
  }

  /** One occurrence of a repeated problem; `what` describes it once (shared by the bucket). */
  count(code: string, key: string, what: string, path: string): void {
    const id = `${code}\u0000${key}`;
    const b = this.#buckets.get(id);
    if (b) b.count++;
    else this.#buckets.set(id, { code, what, count: 1, example: path });
  }

  /** A one-off warning. */
  add(code: string, message: string, field?: string): void {
    const location = field === undefined ? { file: this.#file } : { file: this.#file, field };
    this.#single.push({ code, message, location });
  }

  list(): LoadWarning[] {
    const folded = [...this.#buckets.values()].map(
      (b): LoadWarning => ({
        code: b.code,
        // The location names the first occurrence; the message counts the others.
        message:
          b.count === 1
            ? b.what
            : `${b.what} (and ${b.count - 1} more function${b.count === 2 ? '' : 's'} like it)`,
        location: { file: this.#file, field: b.example },
      }),
    );
    return [...this.#single, ...folded];
  }
}
