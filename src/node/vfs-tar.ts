/**
 * A streaming tar reader for `tarVfs`: gunzip chunks go in, path → node entries come out, without
 * ever holding the unpacked stream (a 10,000-function snapshot is ~220 MB of mostly padding). File
 * bodies are copied into a few large arenas. ustar, pax (`x`, parsed by node-tar's Pax) and GNU
 * long names (`L`/`K`) are understood; bad checksums and truncation are E_PARSE, limits E_TOO_LARGE.
 */
import { Pax } from 'tar';
import { PeerdmaError } from '../errors/index.js';
import {
  type InsertMemo,
  insert,
  newDir,
  normalise,
  type TreeDir,
  type TreeFile,
  walk,
} from './vfs-tree.js';

export interface TarLimits {
  /** Unpacked bytes of all entries together. */
  readonly bytes: number;
  readonly entries: number;
  /** Bytes of one entry (sysfs attributes and /proc files are small; default 64 MiB). */
  readonly entryBytes?: number;
}

export const TAR_LIMITS: TarLimits = {
  bytes: 1024 * 1024 * 1024,
  entries: 2_000_000,
  entryBytes: 64 * 1024 * 1024,
};

const ARENA = 8 * 1024 * 1024;

interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
}

interface Head {
  readonly at: number;
  readonly type: number;
  readonly path: string;
  readonly linkpath: string;
  readonly size: number;
}

export class TarReader {
  readonly root: TreeDir = newDir();
  readonly #memo: InsertMemo = { path: null, dir: null };
  readonly #label: string;
  readonly #limits: TarLimits;
  /** A unit that straddles pieces, allocated at its full size once and filled up to `#carried`. */
  #carry: Buffer | null = null;
  #carried = 0;
  #head: Head | null = null;
  #pending: Pending = {};
  #offset = 0;
  #total = 0;
  #count = 0;
  #ended = false;
  #arena = new Uint8Array(0);
  #used = 0;

  constructor(label: string, limits: TarLimits = TAR_LIMITS) {
    this.#label = label;
    this.#limits = limits;
  }

  /**
   * Feed the next piece of the unpacked stream. Whole headers and bodies are read in place; only a
   * unit that straddles two pieces is copied together.
   */
  push(chunk: Buffer): void {
    let off = 0;
    const carry = this.#carry;
    if (carry !== null) {
      // Copy into the unit's own buffer: concatenating per piece would be quadratic in its size.
      const take = Math.min(carry.length - this.#carried, chunk.length);
      chunk.copy(carry, this.#carried, 0, take);
      this.#carried += take;
      if (this.#carried < carry.length) return;
      this.#carry = null;
      this.#carried = 0;
      this.#consume(carry, 0);
      off = take;
    }
    while (!this.#ended) {
      const need = this.#need();
      if (chunk.length - off < need) break;
      this.#consume(chunk, off);
      off += need;
    }
    if (!this.#ended && off < chunk.length) {
      this.#carry = Buffer.allocUnsafe(this.#need());
      this.#carried = chunk.copy(this.#carry, 0, off);
    }
  }

  /** Bytes of the next unit: a 512-byte header, or the current entry's padded body. */
  #need(): number {
    return this.#head === null ? 512 : Math.ceil(this.#head.size / 512) * 512;
  }

  #consume(buf: Buffer, off: number): void {
    const head = this.#head;
    if (head !== null) {
      this.#entry(head, buf.subarray(off, off + head.size));
      this.#offset += 512 + Math.ceil(head.size / 512) * 512;
      this.#head = null;
      return;
    }
    if (buf[off] === 0 && isZero(buf, off)) {
      this.#ended = true;
      return;
    }
    const h = this.#decode(buf, off);
    if (h.size > 0) this.#head = h;
    else {
      this.#entry(h, buf.subarray(0, 0));
      this.#offset += 512;
    }
  }

  /** The stream ended: a partial entry left over means the archive was truncated. */
  end(): TreeDir {
    if (this.#head !== null || this.#carried > 0) {
      throw this.#bad(
        `truncated: the entry at byte ${this.#head?.at ?? this.#offset} runs past the end`,
      );
    }
    return this.root;
  }

  #wordsOf: Buffer | null = null;
  #wordsView: Uint32Array | null = null;

  /** A 32-bit view of `b` (one per piece, not one per header), or null when `b` is unaligned. */
  #words(b: Buffer): Uint32Array | null {
    if (b !== this.#wordsOf) {
      this.#wordsOf = b;
      this.#wordsView =
        b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : null;
    }
    return this.#wordsView;
  }

  #bad(msg: string): PeerdmaError {
    return new PeerdmaError('E_PARSE', `not a readable tar archive: ${msg}`, { file: this.#label });
  }

  #decode(b: Buffer, o: number): Head {
    let sum = byteSum(b, o, this.#words(b));
    for (let i = o + 148; i < o + 156; i++) sum += 32 - b[i]!;
    const stored = octal(b, o + 148, 8);
    if (stored !== sum) throw this.#bad(`bad header checksum at byte ${this.#offset}`);
    const name = cstr(b, o, 100);
    const ustar = b[o + 257] === 0x75 && b[o + 258] === 0x73 && b[o + 259] === 0x74; // "ust"
    const prefix = ustar ? cstr(b, o + 345, 155) : '';
    const size = b[o + 124]! & 0x80 ? base256(b, o + 124, 12) : octal(b, o + 124, 12);
    if (size < 0 || !Number.isSafeInteger(size))
      throw this.#bad(`bad size at byte ${this.#offset}`);
    const entryMax = Math.min(this.#limits.entryBytes ?? Infinity, this.#limits.bytes);
    if (size > entryMax) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `the entry '${name}' of ${size} bytes is over the ${entryMax}-byte limit for one file`,
        { file: this.#label },
      );
    }
    if (this.#total + size > this.#limits.bytes) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `archive unpacks to more than ${this.#limits.bytes} bytes`,
        { file: this.#label },
      );
    }
    const p = this.#pending;
    return {
      at: this.#offset,
      type: b[o + 156]!,
      path: p.path ?? (prefix.length > 0 ? `${prefix}/${name}` : name),
      linkpath: p.linkpath ?? cstr(b, o + 157, 100),
      size: p.size ?? size,
    };
  }

  #entry(h: Head, body: Buffer): void {
    const t = String.fromCharCode(h.type);
    if (t === 'x') {
      const pax = Pax.parse(body.toString('utf8'), undefined, false);
      this.#pending = {
        ...this.#pending,
        ...(pax.path !== undefined ? { path: pax.path } : {}),
        ...(pax.linkpath !== undefined ? { linkpath: pax.linkpath } : {}),
        ...(pax.size !== undefined ? { size: pax.size } : {}),
      };
      return;
    }
    if (t === 'g') return;
    if (t === 'L') {
      this.#pending = { ...this.#pending, path: cstr(body, 0, body.length) };
      return;
    }
    if (t === 'K') {
      this.#pending = { ...this.#pending, linkpath: cstr(body, 0, body.length) };
      return;
    }
    if (
      this.#pending.path !== undefined ||
      this.#pending.linkpath !== undefined ||
      this.#pending.size !== undefined
    ) {
      this.#pending = {};
    }
    if (++this.#count > this.#limits.entries) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `archive has more than ${this.#limits.entries} entries`,
        { file: this.#label },
      );
    }
    this.#total += h.size;
    if (this.#total > this.#limits.bytes) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `archive unpacks to more than ${this.#limits.bytes} bytes`,
        { file: this.#label },
      );
    }
    const path = normalise(h.path);
    if (path === '') return;
    const dirLike = (t === '0' || t === '\0') && h.path.endsWith('/');
    if (t === '5' || dirLike) insert(this.root, path, { t: 'dir' }, this.#memo);
    else if (t === '2') insert(this.root, path, { t: 'link', target: h.linkpath }, this.#memo);
    else if (t === '1') {
      const target = walk(this.root, normalise(h.linkpath), false, this.#label);
      if (target !== undefined && target.t === 'file') insert(this.root, path, target, this.#memo);
    } else if (t === '0' || t === '\0' || t === '7') {
      insert(this.root, path, this.#copy(body), this.#memo);
    }
  }

  /** Copy a body into the arena, without a long run of trailing zeros. */
  #copy(src: Uint8Array): TreeFile {
    let len = src.length;
    if (len > 512) {
      while (len > 0 && src[len - 1] === 0) len--;
      if (src.length - len < 256) len = src.length;
    }
    if (len > this.#arena.length - this.#used) {
      this.#arena = new Uint8Array(Math.max(ARENA, len));
      this.#used = 0;
    }
    const off = this.#used;
    this.#arena.set(src.subarray(0, len), off);
    this.#used += len;
    return { t: 'file', buf: this.#arena, off, len, size: src.length };
  }
}

function isZero(b: Buffer, o: number): boolean {
  for (let i = o; i < o + 512; i++) if (b[i] !== 0) return false;
  return true;
}

function cstr(b: Buffer, o: number, n: number): string {
  let e = o;
  let high = 0;
  const end = o + n;
  for (; e < end; e++) {
    const c = b[e]!;
    if (c === 0) break;
    high |= c;
  }
  return b.toString(high & 0x80 ? 'utf8' : 'latin1', o, e);
}

/** Sum of the 512 bytes of a header block, four at a time through `w` when aligned. */
function byteSum(b: Buffer, o: number, w: Uint32Array | null): number {
  if (w === null || o % 4 !== 0) {
    let sum = 0;
    for (let i = o; i < o + 512; i++) sum += b[i]!;
    return sum;
  }
  let lanes = 0; // two 16-bit lanes of byte pairs: at most 256 * 255 each, no overflow
  for (let i = o >>> 2, end = i + 128; i < end; i++) {
    const x = w[i]!;
    lanes += (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff);
  }
  return (lanes & 0xffff) + (lanes >>> 16);
}

function octal(b: Buffer, o: number, n: number): number {
  let v = 0;
  let seen = false;
  for (let i = o; i < o + n; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x37) {
      v = v * 8 + (c - 0x30);
      seen = true;
    } else if (c === 0 || c === 0x20) {
      if (seen) break;
    } else return -1;
  }
  return seen ? v : 0;
}

function base256(b: Buffer, o: number, n: number): number {
  if (b[o]! & 0x40) return -1; // negative
  let v = b[o]! & 0x3f;
  for (let i = o + 1; i < o + n; i++) v = v * 256 + b[i]!;
  return v;
}
