/**
 * Sparse device memory: a byte store backed only where it was written, 4 KiB at a time, so a
 * 96 GiB HBM costs what is touched. Untouched bytes read as zero (as freshly scrubbed memory).
 * Offsets and sizes are bigint (device memories exceed 2^32); a single transfer is a Uint8Array.
 */
import { minBig } from '../util/bigint.js';
import { hex } from '../util/hex.js';

export const SPARSE_PAGE = 4096;
const PAGE = BigInt(SPARSE_PAGE);

export class SparseMemory {
  readonly name: string;
  readonly size: bigint;
  readonly #pages = new Map<bigint, Uint8Array>();

  constructor(name: string, size: bigint) {
    if (size < 0n) throw new RangeError(`${name}: negative size`);
    this.name = name;
    this.size = size;
  }

  /** Bytes actually backed (touched pages × 4 KiB). */
  residentBytes(): bigint {
    return BigInt(this.#pages.size) * PAGE;
  }

  read(offset: bigint, length: number): Uint8Array {
    this.#check(offset, BigInt(length));
    const out = new Uint8Array(length);
    this.#walk(offset, length, (page, inPage, done, n) => {
      const p = this.#pages.get(page);
      if (p) out.set(p.subarray(inPage, inPage + n), done);
    });
    return out;
  }

  write(offset: bigint, data: Uint8Array): void {
    this.#check(offset, BigInt(data.length));
    this.#walk(offset, data.length, (page, inPage, done, n) => {
      this.#page(page).set(data.subarray(done, done + n), inPage);
    });
  }

  /** Fill `[offset, offset+length)` with `byte`; filling with 0 releases whole pages. */
  fill(offset: bigint, length: bigint, byte: number): void {
    this.#check(offset, length);
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const page = pos / PAGE;
      const inPage = Number(pos % PAGE);
      const n = Number(minBig(end - pos, PAGE - BigInt(inPage)));
      if (byte === 0 && n === SPARSE_PAGE) this.#pages.delete(page);
      else if (byte !== 0 || this.#pages.has(page)) this.#page(page).fill(byte, inPage, inPage + n);
      pos += BigInt(n);
    }
  }

  /** Index of the first byte that differs from `expected` at `offset`, or -1 when all match. */
  compare(offset: bigint, expected: Uint8Array): number {
    const got = this.read(offset, expected.length);
    for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) return i;
    return -1;
  }

  /** Release every page (device reset / free of the whole store). */
  clear(): void {
    this.#pages.clear();
  }

  #page(page: bigint): Uint8Array {
    let p = this.#pages.get(page);
    if (!p) {
      p = new Uint8Array(SPARSE_PAGE);
      this.#pages.set(page, p);
    }
    return p;
  }

  #walk(
    offset: bigint,
    length: number,
    step: (page: bigint, inPage: number, done: number, n: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const pos = offset + BigInt(done);
      const inPage = Number(pos % PAGE);
      const n = Math.min(length - done, SPARSE_PAGE - inPage);
      step(pos / PAGE, inPage, done, n);
      done += n;
    }
  }

  #check(offset: bigint, length: bigint): void {
    if (offset < 0n || length < 0n || offset + length > this.size) {
      throw new RangeError(
        `${this.name}: access [${hex(offset)}, +${hex(length)}) outside ${hex(this.size)} bytes`,
      );
    }
  }
}
