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
  ATTR_LIMIT,
  tarBase256 as base256,
  CONFIG_LIMIT,
  type FileId,
  FileTable,
  insert,
  isDir,
  newDir,
  nodeKind,
  normalise,
  tarOctal as octal,
  type PaxFields,
  PROC_LIMIT,
  paxFields,
  readLimit,
  type TreeDir,
  type TreeNode,
  walk,
  zeroTailStart,
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

type Pending = PaxFields;

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
const SLASH = 0x2f;
const DOT = 0x2e;

/** How the current entry's path is held (see `#path`). */
const P_BYTES = 0;
const P_STRING = 1;
const P_EMPTY = 2;

/**
 * The tar reader. Nothing is allocated per entry but what the tree keeps: the current entry's
 * fields live on the reader, its path is read as bytes (a string is made only of a name the tree
 * has not seen yet, interned), and the directory it goes in is found from the previous entry's
 * (archives list a directory's entries together: most entries share all their parents with the
 * one before, and a walk down starts where the two paths part).
 */
export class TarReader {
  readonly #files = new FileTable();
  readonly root: TreeDir = { t: 'dir', kids: new Map(), files: this.#files };
  readonly #label: string;
  readonly #limits: TarLimits;
  readonly #entryMax: number;
  /** A header that straddles two pieces (the only thing ever carried over). */
  readonly #hbuf = Buffer.alloc(512);
  readonly #hwords = wordsOf(this.#hbuf);
  #hfill = 0;
  #pending: Pending = NO_PENDING;
  #offset = 0;
  #count = 0;
  #resident = 0;
  #ended = false;
  #arena = new Uint8Array(0);
  /** `#arena` four bytes at a time (to find the trailing zeros of a 4096-byte config quickly). */
  #arenaWords: Uint32Array | null = null;
  #used = 0;

  // The entry whose body is streaming through: `keep` bytes of it land in `dest` at `destOff`.
  #inBody = false;
  #type = 0;
  #at = 0;
  /** Body bytes still to come, padding included. */
  #left = 0;
  /** Body bytes consumed so far. */
  #got = 0;
  #keep = 0;
  #dest: Uint8Array | null = null;
  #destOff = 0;

  // The entry's normalised path: P_BYTES: `#pl` ASCII bytes of `#pb` at `#ps` (a view of the
  // header while it is valid, else the copy in `#own`), last '/' at `#pslash` (-1: none);
  // P_STRING: `#pstr` (a name that is not ASCII); P_EMPTY: nothing to insert.
  #pmode = P_EMPTY;
  #pb: Buffer = Buffer.alloc(0);
  #ps = 0;
  #pl = 0;
  #pslash = -1;
  #pstr = '';
  #own = Buffer.alloc(256);
  /** A file or link entry whose path in the archive ends with '/' (old tars' directories). */
  #dirLike = false;
  #linkpath = '';
  /** A file entry's directory and name, found at its header (its read limit depends on them). */
  #cur: TreeDir | null = null;
  #name = '';

  // The directory of the previous placed entry: its path bytes (`#dlen` of `#dbuf`) and the
  // directories from the root down to it (`#stack[0]` is the root; level i ends at `#ends[i]`;
  // `#proc[i]`: a part down to level i is `proc`).
  #dbuf = Buffer.alloc(256);
  #dlen = 0;
  #depth = 0;
  readonly #stack: TreeDir[] = [this.root];
  readonly #ends: number[] = [0];
  readonly #proc: boolean[] = [false];
  /** Entry names by a hash of their bytes (checked byte by byte before use). */
  readonly #names = new Map<number, string>();

  constructor(label: string, limits: TarLimits = TAR_LIMITS) {
    this.#label = label;
    this.#limits = limits;
    this.#entryMax = Math.min(limits.entryBytes ?? Infinity, limits.bytes);
  }

  /** Feed the next piece of the unpacked stream (it is not kept: the caller may reuse it). */
  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    let words: Uint32Array | null | undefined; // of `chunk`, made at its first header
    while (off < len && !this.#ended) {
      if (this.#inBody) {
        const take = Math.min(this.#left, len - off);
        const dest = this.#dest;
        if (dest !== null && this.#got < this.#keep) {
          const n = Math.min(take, this.#keep - this.#got);
          const at = this.#destOff + this.#got;
          // Most attributes are a few bytes: a loop costs less than a view to copy from.
          if (n <= 64) for (let i = 0; i < n; i++) dest[at + i] = chunk[off + i]!;
          else dest.set(chunk.subarray(off, off + n), at);
        }
        this.#got += take;
        this.#left -= take;
        off += take;
        if (this.#left === 0) this.#finish();
        continue;
      }
      if (this.#hfill > 0 || len - off < 512) {
        const take = Math.min(512 - this.#hfill, len - off);
        chunk.copy(this.#hbuf, this.#hfill, off, off + take);
        this.#hfill += take;
        off += take;
        if (this.#hfill < 512) break;
        this.#hfill = 0;
        this.#header(this.#hbuf, 0, this.#hwords);
      } else {
        words ??= wordsOf(chunk);
        this.#header(chunk, off, words);
        off += 512;
      }
    }
  }

  /** The stream ended: a partial entry left over means the archive was truncated. */
  end(): TreeDir {
    if (this.#inBody || this.#hfill > 0) {
      throw this.#bad(
        `truncated: the entry at byte ${this.#inBody ? this.#at : this.#offset} runs past the end`,
      );
    }
    return this.root;
  }

  #bad(msg: string): PeerdmaError {
    return new PeerdmaError('E_PARSE', `not a readable tar archive: ${msg}`, { file: this.#label });
  }

  #tooLarge(msg: string): PeerdmaError {
    return new PeerdmaError('E_TOO_LARGE', msg, { file: this.#label });
  }

  /** A 512-byte header block at `o`: the end marker, or the start of an entry. */
  #header(b: Buffer, o: number, words: Uint32Array | null): void {
    if (b[o] === 0 && isZero(b, o)) {
      this.#ended = true;
      return;
    }
    const at = this.#offset;
    let sum = byteSum(b, o, words);
    for (let i = o + 148; i < o + 156; i++) sum += 32 - b[i]!;
    if (octal(b, o + 148, 8) !== sum) throw this.#bad(`bad header checksum at byte ${at}`);
    const type = b[o + 156]!;
    const headerSize = b[o + 124]! & 0x80 ? base256(b, o + 124, 12) : octal(b, o + 124, 12);
    if (headerSize < 0 || !Number.isSafeInteger(headerSize))
      throw this.#bad(`bad size at byte ${at}`);
    const isMeta =
      type === T_PAX || type === T_GLOBAL || type === T_LONGNAME || type === T_LONGLINK;
    const p = this.#pending;
    // Extended headers describe the next real entry, never the metadata entries themselves.
    const size = isMeta ? headerSize : (p.size ?? headerSize);
    if (size > this.#entryMax) {
      const path = isMeta ? cstr(b, o, 100) : (p.path ?? headerPath(b, o));
      throw this.#tooLarge(
        `the entry '${path.slice(0, 200)}' of ${size} bytes is over the ${this.#entryMax}-byte limit for one file`,
      );
    }
    const padded = size + 511 - ((size + 511) % 512); // (no branch: one kind of feedback)
    this.#offset += 512 + padded;
    if (this.#offset > this.#limits.bytes) {
      throw this.#tooLarge(`archive unpacks to more than ${this.#limits.bytes} bytes`);
    }
    this.#type = type;
    this.#at = at;
    this.#left = padded;
    this.#got = 0;
    this.#keep = 0;
    this.#dest = null;
    this.#destOff = 0;
    if (isMeta) {
      if (type !== T_GLOBAL) {
        if (size > META_LIMIT) {
          throw this.#tooLarge(
            `a ${size}-byte extended header at byte ${at} (over the ${META_LIMIT}-byte limit)`,
          );
        }
        this.#keep = size;
        this.#dest = new Uint8Array(size);
      }
    } else {
      this.#entryPath(b, o, p);
      if (type === T_SYM || type === T_HARD) this.#linkpath = p.linkpath ?? cstr(b, o + 157, 100);
      if (isFileType(type)) this.#fileHeader(size);
      else if (padded > 0 && this.#pmode === P_BYTES) this.#ownPath();
    }
    if (padded === 0) this.#finish();
    else this.#inBody = true;
  }

  /** The normalised path of a real entry, as ASCII bytes when it is (see `#pmode`). */
  #entryPath(b: Buffer, o: number, p: Pending): void {
    this.#dirLike = false;
    if (p.path === undefined) {
      const ustar = b[o + 257] === 0x75 && b[o + 258] === 0x73 && b[o + 259] === 0x74; // "ust"
      if (!ustar || b[o + 345] === 0) {
        if (this.#plain(b, o, 100)) return;
      } else {
        const pre = cstrLen(b, o + 345, 155);
        const n = cstrLen(b, o, 100);
        const own = this.#room(pre + 1 + n);
        b.copy(own, 0, o + 345, o + 345 + pre);
        own[pre] = SLASH;
        b.copy(own, pre + 1, o, o + n);
        if (this.#plain(own, 0, pre + 1 + n)) return;
      }
    }
    // A path to clean up (`./`, `..`, `//`, a trailing '/'), not ASCII, or from pax or GNU.
    const raw = p.path ?? headerPath(b, o);
    const type = this.#type;
    this.#dirLike = (type === T_FILE || type === T_OLD) && raw.endsWith('/');
    const norm = normalise(raw);
    if (norm === '') {
      this.#pmode = P_EMPTY;
    } else if (isAscii(norm)) {
      const own = this.#room(norm.length);
      own.write(norm, 0, 'latin1');
      this.#plain(own, 0, norm.length);
    } else {
      this.#pmode = P_STRING;
      this.#pstr = norm;
    }
  }

  /**
   * Take the bytes of `b` at `s` (up to a NUL, at most `max`) as the path when they are ASCII and
   * already normal.
   */
  #plain(b: Buffer, s: number, max: number): boolean {
    let high = 0;
    let start = s; // of the current part
    let i = s;
    for (const end = s + max; i < end; i++) {
      const c = b[i]!;
      if (c === 0) break;
      high |= c;
      if (c === SLASH) {
        if (!partOk(b, start, i)) return false;
        start = i + 1;
      }
    }
    if (i === s || high & 0x80 || !partOk(b, start, i)) return false;
    this.#pmode = P_BYTES;
    this.#pb = b;
    this.#ps = s;
    this.#pl = i - s;
    this.#pslash = start === s ? -1 : start - 1 - s;
    return true;
  }

  /** A scratch buffer of at least `n` bytes for the path. */
  #room(n: number): Buffer {
    if (this.#own.length < n) this.#own = Buffer.alloc(Math.max(n, this.#own.length * 2));
    return this.#own;
  }

  /** Copy the path off the header (its piece may be overwritten before the entry ends). */
  #ownPath(): void {
    if (this.#pb === this.#own) return;
    const own = this.#room(this.#pl);
    this.#pb.copy(own, 0, this.#ps, this.#ps + this.#pl);
    this.#pb = own;
    this.#ps = 0;
  }

  /** A regular file's header: place it, then reserve the bytes of it that will be read. */
  #fileHeader(size: number): void {
    let limit: number;
    if (this.#pmode === P_BYTES) {
      this.#cur = this.#dirOf(this.#pb, this.#ps, this.#pslash);
      this.#name = this.#intern(this.#pb, this.#ps + this.#pslash + 1, this.#ps + this.#pl);
      limit =
        this.#name === 'config' ? CONFIG_LIMIT : this.#proc[this.#depth] ? PROC_LIMIT : ATTR_LIMIT;
    } else limit = readLimit(this.#pmode === P_STRING ? this.#pstr : '');
    const keep = Math.min(size, limit);
    this.#resident += keep;
    const max = this.#limits.residentBytes ?? Infinity;
    if (this.#resident > max) {
      throw this.#tooLarge(`archive holds more than ${max} bytes of files to read`);
    }
    if (keep > this.#arena.length - this.#used) {
      this.#arena = new Uint8Array(Math.max(ARENA, keep));
      this.#arenaWords = new Uint32Array(this.#arena.buffer, 0, this.#arena.length >>> 2);
      this.#used = 0;
    }
    this.#keep = keep;
    this.#dest = this.#arena;
    this.#destOff = this.#used;
    this.#used += keep;
  }

  /**
   * The directory at the first `dlen` bytes of `b` from `s` (normal ASCII parts), created as
   * needed, found from the previous entry's directory.
   */
  #dirOf(b: Buffer, s: number, dlen: number): TreeDir {
    if (dlen < 0) dlen = 0;
    const d = this.#dbuf;
    const m = this.#dlen;
    const lim = Math.min(m, dlen);
    let c = 0;
    while (c < lim && d[c] === b[s + c]) c++;
    if (c === m && c === dlen) return this.#stack[this.#depth]!;
    // The deepest level of the previous directory that is also a parent of this one.
    const ends = this.#ends;
    let k = this.#depth;
    while (k > 0) {
      const e = ends[k]!;
      if (e <= c && (e === dlen || b[s + e] === SLASH)) break;
      k--;
    }
    let cur = this.#stack[k]!;
    let pos = k === 0 ? 0 : ends[k]! + 1;
    while (pos < dlen) {
      let e = pos;
      while (e < dlen && b[s + e] !== SLASH) e++;
      const name = this.#intern(b, s + pos, s + e);
      let next = cur.kids.get(name);
      if (!isDir(next)) {
        next = newDir();
        cur.kids.set(name, next);
      }
      cur = next;
      k++;
      this.#stack[k] = cur;
      ends[k] = e;
      this.#proc[k] = this.#proc[k - 1]! || name === 'proc';
      pos = e + 1;
    }
    this.#depth = k;
    if (this.#dbuf.length < dlen) {
      this.#dbuf = Buffer.alloc(Math.max(dlen, this.#dbuf.length * 2));
      d.copy(this.#dbuf, 0, 0, c);
    }
    b.copy(this.#dbuf, c, s + c, s + dlen);
    this.#dlen = dlen;
    return cur;
  }

  /** The string of the ASCII bytes `b[a..e)`, one per distinct name. */
  #intern(b: Buffer, a: number, e: number): string {
    let h = e - a;
    for (let i = a; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    h &= 0x3fffffff; // a small integer key
    const had = this.#names.get(h);
    if (had !== undefined && had.length === e - a) {
      let i = 0;
      while (i < had.length && had.charCodeAt(i) === b[a + i]) i++;
      if (i === had.length) return had;
    }
    const name = b.toString('latin1', a, e);
    if (had === undefined) this.#names.set(h, name);
    return name;
  }

  /** The whole body of the current entry has streamed through: record the entry. */
  #finish(): void {
    this.#inBody = false;
    const t = this.#type;
    if (t === T_PAX) {
      this.#pending = {
        ...this.#pending,
        ...paxFields(this.#dest!, this.#at, (m) => this.#bad(m)),
      };
      return;
    }
    if (t === T_GLOBAL) return;
    if (t === T_LONGNAME || t === T_LONGLINK) {
      const d = this.#dest!;
      const text = cstr(Buffer.from(d.buffer, d.byteOffset, this.#keep), 0, this.#keep);
      if (t === T_LONGNAME) this.#pending = { ...this.#pending, path: text };
      else this.#pending = { ...this.#pending, linkpath: text };
      return;
    }
    if (this.#pending !== NO_PENDING) this.#pending = NO_PENDING;
    if (++this.#count > this.#limits.entries) {
      throw this.#tooLarge(`archive has more than ${this.#limits.entries} entries`);
    }
    if (this.#pmode === P_EMPTY) return;
    const file = isFileType(t);
    if (this.#pmode === P_STRING) {
      this.#insertString(t, file);
      return;
    }
    if (file && !this.#dirLike) {
      this.#cur!.kids.set(this.#name, this.#held());
      return;
    }
    let target: TreeNode | undefined;
    if (t === T_HARD) {
      target = walk(this.root, normalise(this.#linkpath), false, this.#label);
      if (target === undefined || nodeKind(target) !== 'file') return;
    } else if (t !== T_DIR && t !== T_SYM && !file) return;
    let cur = this.#cur!;
    let name = this.#name;
    if (!file) {
      cur = this.#dirOf(this.#pb, this.#ps, this.#pslash);
      name = this.#intern(this.#pb, this.#ps + this.#pslash + 1, this.#ps + this.#pl);
    }
    if (t === T_DIR || this.#dirLike) {
      if (!isDir(cur.kids.get(name))) cur.kids.set(name, newDir());
    } else if (t === T_SYM) cur.kids.set(name, this.#linkpath);
    else cur.kids.set(name, target!);
  }

  /** An entry whose path is not ASCII: put in by `insert` (and the directory memory dropped). */
  #insertString(t: number, file: boolean): void {
    const path = this.#pstr;
    this.#depth = 0;
    this.#dlen = 0;
    if (t === T_DIR || this.#dirLike) insert(this.root, path, { t: 'dir' });
    else if (t === T_SYM) insert(this.root, path, { t: 'link', target: this.#linkpath });
    else if (t === T_HARD) {
      const target = walk(this.root, normalise(this.#linkpath), false, this.#label);
      if (target !== undefined && nodeKind(target) === 'file') insert(this.root, path, target);
    } else if (file) insert(this.root, path, this.#held());
  }

  /**
   * The file node of a finished body. A long run of trailing zeros (a 4096-byte config is mostly
   * zeros) is not kept: the arena space goes back and the zeros come back on read.
   */
  #held(): FileId {
    const arena = this.#dest!;
    const off = this.#destOff;
    let len = this.#keep;
    const end = off + len;
    if (len > 512) {
      const e = zeroTailStart(arena, arena === this.#arena ? this.#arenaWords : null, off, end);
      if (end - e >= 256) {
        len = e - off;
        if (arena === this.#arena && this.#used === end) this.#used = e;
        this.#resident -= end - e;
      }
    }
    return this.#files.add(arena, off, len, this.#keep);
  }
}

const isFileType = (t: number) => t === T_FILE || t === T_OLD || t === T_CONTIG;

function isZero(b: Buffer, o: number): boolean {
  for (let i = o; i < o + 512; i++) if (b[i] !== 0) return false;
  return true;
}

/** The length of the NUL-terminated field of at most `n` bytes at `o`. */
function cstrLen(b: Buffer, o: number, n: number): number {
  for (let i = 0; i < n; i++) if (b[o + i] === 0) return i;
  return n;
}

/** The path a ustar header names: `prefix/name`, or `name`. */
function headerPath(b: Buffer, o: number): string {
  const name = cstr(b, o, 100);
  const ustar = b[o + 257] === 0x75 && b[o + 258] === 0x73 && b[o + 259] === 0x74; // "ust"
  const prefix = ustar ? cstr(b, o + 345, 155) : '';
  return prefix.length > 0 ? `${prefix}/${name}` : name;
}

/** `b[a..e)` is a part that needs no normalising: not empty, `.` or `..`. */
function partOk(b: Buffer, a: number, e: number): boolean {
  const n = e - a;
  if (n > 2 || (n > 0 && b[a] !== DOT)) return true;
  return n === 2 && b[a + 1] !== DOT;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
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

/** A 32-bit view of `b`, or null when `b` is unaligned. */
function wordsOf(b: Buffer): Uint32Array | null {
  return b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : null;
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
