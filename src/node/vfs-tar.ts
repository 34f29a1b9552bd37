/**
 * A streaming tar reader for `tarVfs`: gunzip chunks go in, path → node entries come out, without
 * ever holding the unpacked stream (a 10,000-function snapshot is ~220 MB of mostly padding).
 *
 * Crafted archives cannot hurt it, by construction rather than case by case:
 * - one size per entry, decided once (ustar/base-256 header, overridden by a pax `size` that must
 *   be plain decimal digits) and checked against the limits before any body byte is read;
 * - nothing is ever allocated from a size the archive claims: bodies stream through, and only the
 *   first `readLimit(path)` bytes of a file (what a live read would see: 4096 of `config`, a page
 *   of an attribute, 16 MiB of a /proc file) are copied into a few shared arenas;
 * - limits on the unpacked stream (CPU), on entries, on one entry, on pax/GNU metadata and on the
 *   bytes held resident (memory); every breach is E_TOO_LARGE, every malformation E_PARSE.
 * ustar, pax (`x`; `g` ignored) and GNU long names (`L`/`K`) are understood.
 *
 * Why not node-tar's `Parser`: it reads every fixture the same (names, link targets and bodies were
 * compared entry by entry, GNU long names included, and `vfs.test.ts` keeps a differential test),
 * and it survives the crafted pax sizes, but it costs one stream object per entry: on the
 * 10,000-function benchmark archive its parse alone takes about 2× this reader's whole load.
 */
import { PeerdmaError } from '../errors/index.js';
import {
  tarBase256 as base256,
  type InsertMemo,
  insert,
  newDir,
  normalise,
  tarOctal as octal,
  readLimit,
  type TreeDir,
  type TreeFile,
  walk,
} from './vfs-tree.js';

export interface TarLimits {
  /** Bytes of the unpacked stream (headers, bodies, padding): bounds the work. */
  readonly bytes: number;
  readonly entries: number;
  /** Declared size of one entry (the largest file a loader reads is a /proc file, 16 MiB). */
  readonly entryBytes?: number;
  /** Bytes of file contents held in memory at once. */
  readonly residentBytes?: number;
}

export const TAR_LIMITS: TarLimits = {
  bytes: 1024 * 1024 * 1024,
  entries: 2_000_000,
  entryBytes: 16 * 1024 * 1024,
  residentBytes: 256 * 1024 * 1024,
};

/** A pax extended header or a GNU long name is a few hundred bytes; refuse anything near this. */
const META_LIMIT = 1024 * 1024;
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
  /** `path` normalised (of a file: what readLimit and the tree are given), '' until needed. */
  norm: string;
  readonly linkpath: string;
  readonly size: number;
}

/** The entry whose body is streaming through: `keep` bytes of it land in `dest` at `off`. */
interface Body {
  readonly head: Head;
  /** Body bytes still to come, padding included. */
  left: number;
  /** Body bytes consumed so far. */
  got: number;
  readonly keep: number;
  readonly dest: Uint8Array | null;
  readonly off: number;
}

/** No extended header waiting (shared: pending records are replaced, never changed). */
const NO_PENDING: Pending = Object.freeze({});

const T_FILE = 0x30; // '0'
const T_OLD = 0; // '\0'
const T_CONTIG = 0x37; // '7'
const T_HARD = 0x31; // '1'
const T_SYM = 0x32; // '2'
const T_DIR = 0x35; // '5'
const T_PAX = 0x78; // 'x'
const T_GLOBAL = 0x67; // 'g'
const T_LONGNAME = 0x4c; // 'L'
const T_LONGLINK = 0x4b; // 'K'

export class TarReader {
  readonly root: TreeDir = newDir();
  readonly #memo: InsertMemo = { path: null, dir: null, names: new Map() };
  readonly #label: string;
  readonly #limits: TarLimits;
  /** A header that straddles two pieces (the only thing ever carried over). */
  readonly #hbuf = Buffer.alloc(512);
  #hfill = 0;
  #body: Body | null = null;
  #pending: Pending = NO_PENDING;
  #offset = 0;
  #count = 0;
  #resident = 0;
  #ended = false;
  #arena = new Uint8Array(0);
  #used = 0;

  constructor(label: string, limits: TarLimits = TAR_LIMITS) {
    this.#label = label;
    this.#limits = limits;
  }

  /** Feed the next piece of the unpacked stream. */
  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len && !this.#ended) {
      const body = this.#body;
      if (body !== null) {
        const take = Math.min(body.left, len - off);
        if (body.got < body.keep && body.dest !== null) {
          const n = Math.min(take, body.keep - body.got);
          body.dest.set(chunk.subarray(off, off + n), body.off + body.got);
        }
        body.got += take;
        body.left -= take;
        off += take;
        if (body.left === 0) this.#finish(body);
        continue;
      }
      if (this.#hfill > 0 || len - off < 512) {
        const take = Math.min(512 - this.#hfill, len - off);
        chunk.copy(this.#hbuf, this.#hfill, off, off + take);
        this.#hfill += take;
        off += take;
        if (this.#hfill < 512) break;
        this.#hfill = 0;
        this.#header(this.#hbuf, 0);
      } else {
        this.#header(chunk, off);
        off += 512;
      }
    }
  }

  /** The stream ended: a partial entry left over means the archive was truncated. */
  end(): TreeDir {
    if (this.#body !== null || this.#hfill > 0) {
      throw this.#bad(
        `truncated: the entry at byte ${this.#body?.head.at ?? this.#offset} runs past the end`,
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

  #tooLarge(msg: string): PeerdmaError {
    return new PeerdmaError('E_TOO_LARGE', msg, { file: this.#label });
  }

  /** A 512-byte header block at `o`: the end marker, or the start of an entry. */
  #header(b: Buffer, o: number): void {
    if (b[o] === 0 && isZero(b, o)) {
      this.#ended = true;
      return;
    }
    const h = this.#decode(b, o);
    const padded = Math.ceil(h.size / 512) * 512;
    this.#offset += 512 + padded;
    if (this.#offset > this.#limits.bytes) {
      throw this.#tooLarge(`archive unpacks to more than ${this.#limits.bytes} bytes`);
    }
    let keep = 0;
    let dest: Uint8Array | null = null;
    let off = 0;
    if (h.type === T_PAX || h.type === T_LONGNAME || h.type === T_LONGLINK) {
      if (h.size > META_LIMIT) {
        throw this.#tooLarge(
          `a ${h.size}-byte extended header at byte ${h.at} (over the ${META_LIMIT}-byte limit)`,
        );
      }
      keep = h.size;
      dest = new Uint8Array(keep);
    } else if (isFileType(h.type)) {
      h.norm = normalise(h.path);
      keep = Math.min(h.size, readLimit(h.norm));
      this.#resident += keep;
      const max = this.#limits.residentBytes ?? Infinity;
      if (this.#resident > max) {
        throw this.#tooLarge(`archive holds more than ${max} bytes of files to read`);
      }
      if (keep > this.#arena.length - this.#used) {
        this.#arena = new Uint8Array(Math.max(ARENA, keep));
        this.#used = 0;
      }
      dest = this.#arena;
      off = this.#used;
      this.#used += keep;
    }
    const body: Body = { head: h, left: padded, got: 0, keep, dest, off };
    if (padded === 0) this.#finish(body);
    else this.#body = body;
  }

  #decode(b: Buffer, o: number): Head {
    const at = this.#offset;
    let sum = byteSum(b, o, this.#words(b));
    for (let i = o + 148; i < o + 156; i++) sum += 32 - b[i]!;
    const stored = octal(b, o + 148, 8);
    if (stored !== sum) throw this.#bad(`bad header checksum at byte ${at}`);
    const name = cstr(b, o, 100);
    const ustar = b[o + 257] === 0x75 && b[o + 258] === 0x73 && b[o + 259] === 0x74; // "ust"
    const prefix = ustar ? cstr(b, o + 345, 155) : '';
    const type = b[o + 156]!;
    const headerSize = b[o + 124]! & 0x80 ? base256(b, o + 124, 12) : octal(b, o + 124, 12);
    if (headerSize < 0 || !Number.isSafeInteger(headerSize))
      throw this.#bad(`bad size at byte ${at}`);
    const isMeta =
      type === T_PAX || type === T_GLOBAL || type === T_LONGNAME || type === T_LONGLINK;
    const p = this.#pending;
    // Extended headers describe the next real entry, never the metadata entries themselves.
    const size = isMeta ? headerSize : (p.size ?? headerSize);
    const path = isMeta ? name : (p.path ?? (prefix.length > 0 ? `${prefix}/${name}` : name));
    const entryMax = Math.min(this.#limits.entryBytes ?? Infinity, this.#limits.bytes);
    if (size > entryMax) {
      throw this.#tooLarge(
        `the entry '${path.slice(0, 200)}' of ${size} bytes is over the ${entryMax}-byte limit for one file`,
      );
    }
    return {
      at,
      type,
      path,
      norm: '',
      linkpath: isMeta ? '' : (p.linkpath ?? cstr(b, o + 157, 100)),
      size,
    };
  }

  /** The whole body of `body` has streamed through: record the entry. */
  #finish(body: Body): void {
    this.#body = null;
    const h = body.head;
    const t = h.type;
    if (t === T_PAX) {
      this.#pending = { ...this.#pending, ...this.#pax(body.dest!, h.at) };
      return;
    }
    if (t === T_GLOBAL) return;
    if (t === T_LONGNAME || t === T_LONGLINK) {
      const d = body.dest!;
      const text = cstr(Buffer.from(d.buffer, d.byteOffset, body.keep), 0, body.keep);
      if (t === T_LONGNAME) this.#pending = { ...this.#pending, path: text };
      else this.#pending = { ...this.#pending, linkpath: text };
      return;
    }
    if (this.#pending !== NO_PENDING) this.#pending = NO_PENDING;
    if (++this.#count > this.#limits.entries) {
      throw this.#tooLarge(`archive has more than ${this.#limits.entries} entries`);
    }
    const path = h.norm !== '' ? h.norm : normalise(h.path);
    if (path === '') return;
    const dirLike = (t === T_FILE || t === T_OLD) && h.path.endsWith('/');
    if (t === T_DIR || dirLike) insert(this.root, path, { t: 'dir' }, this.#memo);
    else if (t === T_SYM) insert(this.root, path, { t: 'link', target: h.linkpath }, this.#memo);
    else if (t === T_HARD) {
      const target = walk(this.root, normalise(h.linkpath), false, this.#label);
      if (target !== undefined && target.t === 'file') insert(this.root, path, target, this.#memo);
    } else if (isFileType(t)) insert(this.root, path, this.#held(body), this.#memo);
  }

  /**
   * The file node of a finished body. A long run of trailing zeros (a 4096-byte config is mostly
   * zeros) is not kept: the arena space goes back and the zeros come back on read.
   */
  #held(body: Body): TreeFile {
    const arena = body.dest!;
    let len = body.keep;
    const end = body.off + len;
    if (len > 512) {
      let e = end;
      while (e > body.off && arena[e - 1] === 0) e--;
      if (end - e >= 256) {
        len = e - body.off;
        if (arena === this.#arena && this.#used === end) this.#used = e;
        this.#resident -= end - e;
      }
    }
    return { t: 'file', buf: arena, off: body.off, len, size: body.keep };
  }

  /** Records of a pax extended header: `LEN KEY=VALUE\n`. Only path, linkpath and size matter. */
  #pax(buf: Uint8Array, at: number): Pending {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    const out: Pending = {};
    let i = 0;
    while (i < b.length && b[i] !== 0) {
      let j = i;
      let len = 0;
      while (j < b.length && j - i < 8 && b[j]! >= 0x30 && b[j]! <= 0x39)
        len = len * 10 + b[j++]! - 0x30;
      if (
        j === i ||
        b[j] !== 0x20 ||
        len < j - i + 3 ||
        i + len > b.length ||
        b[i + len - 1] !== 0x0a
      )
        throw this.#bad(`bad pax record at byte ${at + 512 + i}`);
      const rec = b.toString('utf8', j + 1, i + len - 1);
      const eq = rec.indexOf('=');
      if (eq <= 0) throw this.#bad(`bad pax record at byte ${at + 512 + i}`);
      const key = rec.slice(0, eq);
      const value = rec.slice(eq + 1);
      if (key === 'path' && value !== '') out.path = value;
      else if (key === 'linkpath' && value !== '') out.linkpath = value;
      else if (key === 'size') {
        if (!/^\d{1,15}$/.test(value)) {
          throw this.#bad(`bad pax size '${value.slice(0, 40)}' at byte ${at}`);
        }
        out.size = Number(value);
      }
      i += len;
    }
    return out;
  }
}

const isFileType = (t: number) => t === T_FILE || t === T_OLD || t === T_CONTIG;

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
