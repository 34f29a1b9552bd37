/**
 * A streaming tar reader for `tarVfs`: gunzip chunks go in, path → node entries come out, without
 * ever holding the unpacked stream (a 10,000-function snapshot is ~220 MB of mostly padding). File
 * bodies are copied into a few large arenas. ustar, pax (`x`, parsed by node-tar's Pax) and GNU
 * long names (`L`/`K`) are understood; bad checksums and truncation are E_PARSE, limits E_TOO_LARGE.
 */
import { Pax } from 'tar';
import { PeerdmaError } from '../errors/index.js';
import { splitPath } from '../ingest/sysfs/paths.js';

export type TarNode =
  | { readonly t: 'file'; readonly data: Uint8Array }
  | { readonly t: 'dir' }
  | { readonly t: 'link'; readonly target: string };

export interface TarLimits {
  readonly bytes: number;
  readonly entries: number;
}

export const TAR_LIMITS: TarLimits = { bytes: 1024 * 1024 * 1024, entries: 2_000_000 };

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
  readonly nodes = new Map<string, TarNode>();
  readonly #label: string;
  readonly #limits: TarLimits;
  #carry: Buffer | null = null;
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

  /** Feed the next piece of the unpacked stream. */
  push(chunk: Buffer): void {
    if (this.#ended) return;
    const buf = this.#carry === null ? chunk : Buffer.concat([this.#carry, chunk]);
    let off = 0;
    while (!this.#ended) {
      const head = this.#head;
      if (head === null) {
        if (buf.length - off < 512) break;
        if (isZero(buf, off)) {
          this.#ended = true;
          break;
        }
        this.#head = this.#decode(buf, off);
        off += 512;
        continue;
      }
      const padded = Math.ceil(head.size / 512) * 512;
      if (buf.length - off < padded) break;
      this.#entry(head, buf.subarray(off, off + head.size));
      this.#offset += 512 + padded;
      off += padded;
      this.#head = null;
    }
    this.#carry = off < buf.length && !this.#ended ? Buffer.from(buf.subarray(off)) : null;
  }

  /** The stream ended: a partial entry left over means the archive was truncated. */
  end(): Map<string, TarNode> {
    if (this.#head !== null || (this.#carry !== null && this.#carry.length > 0)) {
      throw this.#bad(`truncated: the entry at byte ${this.#head?.at ?? this.#offset} runs past the end`);
    }
    return this.nodes;
  }

  #bad(msg: string): PeerdmaError {
    return new PeerdmaError('E_PARSE', `not a readable tar archive: ${msg}`, { file: this.#label });
  }

  #decode(b: Buffer, o: number): Head {
    let sum = 0;
    for (let i = o; i < o + 512; i++) sum += b[i]!;
    for (let i = o + 148; i < o + 156; i++) sum += 32 - b[i]!;
    const stored = octal(b, o + 148, 8);
    if (stored !== sum) throw this.#bad(`bad header checksum at byte ${this.#offset}`);
    const name = cstr(b, o, 100);
    const ustar = b[o + 257] === 0x75 && b[o + 258] === 0x73 && b[o + 259] === 0x74; // "ust"
    const prefix = ustar ? cstr(b, o + 345, 155) : '';
    const size = b[o + 124]! & 0x80 ? base256(b, o + 124, 12) : octal(b, o + 124, 12);
    if (size < 0 || !Number.isSafeInteger(size)) throw this.#bad(`bad size at byte ${this.#offset}`);
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
    this.#pending = {};
    if (++this.#count > this.#limits.entries) {
      throw new PeerdmaError('E_TOO_LARGE', `archive has more than ${this.#limits.entries} entries`, { file: this.#label });
    }
    this.#total += h.size;
    if (this.#total > this.#limits.bytes) {
      throw new PeerdmaError('E_TOO_LARGE', `archive unpacks to more than ${this.#limits.bytes} bytes`, { file: this.#label });
    }
    const path = normalise(h.path);
    if (path === '') return;
    const dirLike = (t === '0' || t === '\0') && h.path.endsWith('/');
    if (t === '5' || dirLike) this.nodes.set(path, { t: 'dir' });
    else if (t === '2') this.nodes.set(path, { t: 'link', target: h.linkpath });
    else if (t === '1') {
      const target = this.nodes.get(normalise(h.linkpath));
      if (target !== undefined) this.nodes.set(path, target);
    } else if (t === '0' || t === '\0' || t === '7') {
      this.nodes.set(path, { t: 'file', data: this.#copy(body) });
    }
  }

  #copy(src: Uint8Array): Uint8Array {
    if (src.length > this.#arena.length - this.#used) {
      this.#arena = new Uint8Array(Math.max(ARENA, src.length));
      this.#used = 0;
    }
    const out = this.#arena.subarray(this.#used, this.#used + src.length);
    out.set(src);
    this.#used += src.length;
    return out;
  }
}

function isZero(b: Buffer, o: number): boolean {
  for (let i = o; i < o + 512; i++) if (b[i] !== 0) return false;
  return true;
}

function cstr(b: Buffer, o: number, n: number): string {
  let e = o;
  const end = o + n;
  while (e < end && b[e] !== 0) e++;
  return b.toString('utf8', o, e);
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

const NEEDS_NORMALISING = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$/;

/** `./a/b/` → `a/b`; `..` cannot climb out of the archive. */
export function normalise(p: string): string {
  if (!NEEDS_NORMALISING.test(p)) return p;
  const out: string[] = [];
  for (const c of splitPath(p)) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out.join('/');
}
