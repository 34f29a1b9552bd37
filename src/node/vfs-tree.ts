/**
 * The in-memory file tree behind `tarVfs`: directories hold children by name (short keys, not
 * full-path strings), files point into shared arenas. `walk` follows symlinks like the kernel's
 * lookup, with a loop limit.
 */
import { PeerdmaError } from '../errors/index.js';
import { MAX_SYMLINKS, splitPath } from '../ingest/sysfs/paths.js';
import type { HeldBytes, VirtualFs } from '../ingest/types.js';

/**
 * The most bytes read of one file, the same for a live tree and an archive: `config` ends at 4096;
 * any other sysfs attribute fits a page (at most 64 KiB, on 64K-page kernels); /proc files such as
 * cpuinfo grow with the CPU count and may reach a few MiB.
 */
export function readLimit(path: string): number {
  const slash = path.lastIndexOf('/');
  return limitIn(PROC_FILE.test(path), slash < 0 ? path : path.slice(slash + 1));
}

/** `readLimit` of the file `name` in a directory under /proc (`proc`) or not. */
export function limitIn(proc: boolean, name: string): number {
  if (name === 'config') return CONFIG_LIMIT;
  return proc ? PROC_LIMIT : ATTR_LIMIT;
}
export const CONFIG_LIMIT = 4096;
export const ATTR_LIMIT = 64 * 1024;
export const PROC_LIMIT = 16 * 1024 * 1024;
export const PROC_FILE = /(^|\/)proc\//;

/**
 * Where the run of zero bytes that ends `bytes[off, end)` starts (`end` when the last byte is not
 * zero; `off` when all are). `words`, when given, is `bytes`' buffer as 32-bit words (from its
 * byte 0): the run is then scanned a word at a time (a 4096-byte config is mostly zeros).
 */
export function zeroTailStart(
  bytes: Uint8Array,
  words: Uint32Array | null,
  off: number,
  end: number,
): number {
  let e = end;
  while (e > off && (e & 3) !== 0 && bytes[e - 1] === 0) e--;
  if (words !== null && (e & 3) === 0) {
    while (e >= off + 4 && words[(e >>> 2) - 1] === 0) e -= 4;
  }
  while (e > off && bytes[e - 1] === 0) e--;
  return e;
}

export type TarNode =
  | { readonly t: 'file'; readonly data: Uint8Array }
  | { readonly t: 'dir' }
  | { readonly t: 'link'; readonly target: string };

/** A directory of the in-memory tree: children by name (short keys, no full-path strings). */
export interface TreeDir {
  readonly t: 'dir';
  readonly kids: Map<string, TreeNode>;
  sorted?: readonly string[];
  /** Of a root whose files are FileIds: what they index. */
  files?: FileTable;
}
/**
 * A file of the tree: `len` stored bytes at `off` in a shared arena, then zeros up to `size` (a
 * 4096-byte config is mostly trailing zeros; storing them would double a big snapshot's memory).
 */
export interface TreeFile {
  readonly t: 'file';
  readonly buf: Uint8Array;
  readonly off: number;
  readonly len: number;
  readonly size: number;
}
/**
 * A file of a tree read from a tar: its index in the root's `files`. A snapshot has ~16 files per
 * PCI function; a number in the directory's map is no object for the garbage collector to move.
 */
export type FileId = number;
export interface TreeLink {
  readonly t: 'link';
  readonly target: string;
}
/** A symbolic link: an object, or (in a tree read from a tar: 40,000 of them) just its target. */
export type TreeNode = TreeDir | TreeFile | FileId | TreeLink | string;

export const isDir = (n: TreeNode | undefined): n is TreeDir =>
  typeof n === 'object' && n.t === 'dir';
export const isLink = (n: TreeNode | undefined): n is TreeLink | string =>
  typeof n === 'string' || (typeof n === 'object' && n.t === 'link');
export const linkTarget = (n: TreeLink | string): string => (typeof n === 'string' ? n : n.target);
export const nodeKind = (n: TreeNode): 'dir' | 'file' | 'link' =>
  typeof n === 'number' ? 'file' : typeof n === 'string' ? 'link' : n.t;

/** A whole file from its held bytes: the stored bytes, or a zero-padded copy when trimmed. */
function expand(h: HeldBytes): Uint8Array {
  if (h.bytes.length === h.size) return h.bytes;
  const out = new Uint8Array(h.size);
  out.set(h.bytes);
  return out;
}

const fileHeld = (f: TreeFile): HeldBytes => ({
  bytes: f.buf.subarray(f.off, f.off + f.len),
  size: f.size,
});

/** The bytes of a tree file (a fresh zero-padded copy when its tail was trimmed). */
export const fileBytes = (f: TreeFile): Uint8Array => expand(fileHeld(f));

/** The stored bytes and size of a file of the tree under `root`, whichever way it is held. */
function nodeHeld(root: TreeDir, f: TreeFile | FileId): HeldBytes {
  if (typeof f !== 'number') return fileHeld(f);
  if (root.files === undefined) throw new Error(`file ${f} of a tree without a file table`);
  return root.files.held(f);
}

/** The bytes of a file of the tree under `root`, whichever way it is held. */
export const nodeBytes = (root: TreeDir, f: TreeFile | FileId): Uint8Array =>
  expand(nodeHeld(root, f));

/** The files of a tree as columns (arena, offset, stored length, size), by FileId. */
export class FileTable {
  readonly #arenas: Uint8Array[] = [];
  // (Offsets, lengths and sizes are at most an arena: 16 MiB, the largest read of one file.)
  #cols = new Int32Array(0);
  #n = 0;

  /** A file of `len` bytes at `off` in `arena`, zeros after them up to `size`. */
  add(arena: Uint8Array, off: number, len: number, size: number): FileId {
    const arenas = this.#arenas;
    if (arenas.length === 0 || arenas[arenas.length - 1] !== arena) arenas.push(arena);
    const i = this.#n * 4;
    if (i === this.#cols.length) {
      const bigger = new Int32Array(Math.max(4096, i * 2));
      bigger.set(this.#cols);
      this.#cols = bigger;
    }
    const c = this.#cols;
    c[i] = arenas.length - 1;
    c[i + 1] = off;
    c[i + 2] = len;
    c[i + 3] = size;
    return this.#n++;
  }

  bytes(id: FileId): Uint8Array {
    return expand(this.held(id));
  }

  /** The stored bytes of a file (a view, no copy) and its size. */
  held(id: FileId): HeldBytes {
    const i = id * 4;
    const c = this.#cols;
    const off = c[i + 1]!;
    return { bytes: this.#arenas[c[i]!]!.subarray(off, off + c[i + 2]!), size: c[i + 3]! };
  }
}

export const newDir = (): TreeDir => ({ t: 'dir', kids: new Map() });

/** What a pax extended header says of the next entry (an empty path or linkpath says nothing). */
export interface PaxFields {
  path?: string;
  linkpath?: string;
  size?: number;
}

const paxText = new TextDecoder();

/**
 * The records of a pax extended header, `LEN KEY=VALUE\n` with LEN counting bytes, up to the end
 * or a NUL. Only path, linkpath and size matter; a malformed record or a size that is not plain
 * decimal is `bad(message)` (`at`: the header's offset in the archive, for the message).
 */
export function paxFields(b: Uint8Array, at: number, bad: (msg: string) => Error): PaxFields {
  const out: PaxFields = {};
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
      throw bad(`bad pax record at byte ${at + 512 + i}`);
    const rec = paxText.decode(b.subarray(j + 1, i + len - 1));
    const eq = rec.indexOf('=');
    if (eq <= 0) throw bad(`bad pax record at byte ${at + 512 + i}`);
    const key = rec.slice(0, eq);
    const value = rec.slice(eq + 1);
    if (key === 'path' && value !== '') out.path = value;
    else if (key === 'linkpath' && value !== '') out.linkpath = value;
    else if (key === 'size') {
      if (!/^\d{1,15}$/.test(value))
        throw bad(`bad pax size '${value.slice(0, 40)}' at byte ${at}`);
      out.size = Number(value);
    }
    i += len;
  }
  return out;
}

/** Put `node` at `path` (normalised), creating parent directories; a directory keeps its children. */
export function insert(root: TreeDir, path: string, given: TarNode | TreeNode): void {
  const node: TreeNode =
    typeof given === 'object' && given.t === 'file' && 'data' in given
      ? { t: 'file', buf: given.data, off: 0, len: given.data.length, size: given.data.length }
      : (given as TreeNode);
  const slash = path.lastIndexOf('/');
  const dirPath = slash < 0 ? '' : path.slice(0, slash);
  let cur = root;
  if (dirPath !== '') {
    for (const c of dirPath.split('/')) {
      let next = cur.kids.get(c);
      if (!isDir(next)) {
        next = newDir();
        cur.kids.set(c, next);
      }
      cur = next;
    }
  }
  const last = slash < 0 ? path : path.slice(slash + 1);
  if (isDir(node)) {
    if (!isDir(cur.kids.get(last))) cur.kids.set(last, newDir());
  } else cur.kids.set(last, node);
}

/** Every path of the tree (for tests and listings), depth first, sorted. */
export function paths(dir: TreeDir, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of [...dir.kids.keys()].sort()) {
    const p = prefix === '' ? name : `${prefix}/${name}`;
    out.push(p);
    const n = dir.kids.get(name)!;
    if (isDir(n)) out.push(...paths(n, p));
  }
  return out;
}

/**
 * The node at `path`, following symlinks on the way (and at the end when `follow`): relative
 * targets from the link's directory, absolute ones from the root, `..` stopping at the root.
 * More than MAX_SYMLINKS links → E_PARSE 'symlink loop'.
 */
export function walk(
  root: TreeDir,
  path: string,
  follow: boolean,
  label: string,
): TreeNode | undefined {
  const todo = comps(path).reverse();
  const trail: TreeDir[] = [];
  let cur = root;
  let links = 0;
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === '..') {
      cur = trail.pop() ?? root;
      continue;
    }
    const next = cur.kids.get(c);
    if (next === undefined) return undefined;
    const last = todo.length === 0;
    if (isLink(next) && (!last || follow)) {
      if (++links > MAX_SYMLINKS) {
        throw new PeerdmaError('E_PARSE', `symlink loop (more than ${MAX_SYMLINKS} links)`, {
          file: label,
          field: path,
        });
      }
      const target = linkTarget(next);
      if (target.startsWith('/')) {
        cur = root;
        trail.length = 0;
      }
      const parts = comps(target);
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
      continue;
    }
    if (isDir(next)) {
      trail.push(cur);
      cur = next;
      continue;
    }
    return last ? next : undefined;
  }
  return cur;
}

const comps = (p: string): string[] => p.split('/').filter((c) => c !== '' && c !== '.');

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

/** A tar header's octal number field (NUL/space padded); -1 when it holds anything else. */
export function tarOctal(b: Uint8Array, o: number, n: number): number {
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

/** A tar header's base-256 number field (GNU, high bit set); -1 for a negative value. */
export function tarBase256(b: Uint8Array, o: number, n: number): number {
  if (b[o]! & 0x40) return -1;
  let v = b[o]! & 0x3f;
  for (let i = o + 1; i < o + n; i++) v = v * 256 + b[i]!;
  return v;
}

/** How many directory paths a tree VirtualFs remembers (the 10,000-function snapshot: 20,028). */
const DIR_PATHS = 1 << 16;

/** A VirtualFs over an in-memory tree (a tar read into memory, a test's map, a dropped file). */
export function treeVfs(root: TreeDir, label: string): VirtualFs {
  // The loader reads many attributes of one directory in a row, and comes back to a directory
  // (a function's, its parent bridge's, an IOMMU group's) many times: the tree never changes
  // under a VirtualFs, so each directory path is walked (symlinks followed) once.
  let memoPath: string | null = null;
  let memoDir: TreeDir | undefined;
  const dirs = new Map<string, TreeDir | null>();
  const node = (p: string, follow: boolean): TreeNode | undefined => {
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (name === '' || name === '.' || name === '..') return walk(root, p, follow, label);
    const dirPath = slash < 0 ? '' : p.slice(0, slash);
    if (dirPath !== memoPath) {
      let d = dirs.get(dirPath);
      if (d === undefined) {
        const n = dirPath === '' ? root : walk(root, dirPath, true, label);
        d = isDir(n) ? n : null;
        if (dirs.size >= DIR_PATHS) dirs.clear();
        dirs.set(dirPath, d);
      }
      memoPath = dirPath;
      memoDir = d ?? undefined;
    }
    const n = memoDir?.kids.get(name);
    return follow && isLink(n) ? walk(root, p, true, label) : n;
  };
  const vfs: VirtualFs = {
    label,
    kind: (p) => (p === '' ? 'dir' : kindOf(node(p, false))),
    list: (p) => namesOf(p === '' ? root : node(p, true)),
    readlink: (p) => targetOf(node(p, false)),
    read: (p) => bytesOf(root, node(p, true)),
    readHeld: (p) => heldOf(root, node(p, true)),
    at(p) {
      const n = p === '' ? root : node(p, true);
      return isDir(n) ? new TreeView(root, n, p, vfs) : undefined;
    },
  };
  return vfs;
}

const kindOf = (n: TreeNode | undefined) => (n === undefined ? undefined : nodeKind(n));
const targetOf = (n: TreeNode | undefined) => (isLink(n) ? linkTarget(n) : undefined);

function namesOf(n: TreeNode | undefined): readonly string[] | undefined {
  if (!isDir(n)) return undefined;
  n.sorted ??= [...n.kids.keys()].sort();
  return n.sorted;
}

function bytesOf(root: TreeDir, n: TreeNode | undefined): Uint8Array | undefined {
  return n === undefined || isDir(n) || isLink(n) ? undefined : nodeBytes(root, n);
}

function heldOf(root: TreeDir, n: TreeNode | undefined): HeldBytes | undefined {
  return n === undefined || isDir(n) || isLink(n) ? undefined : nodeHeld(root, n);
}

/**
 * One directory of a tree as a VirtualFs (`VirtualFs.at`): a plain name (no `/`, not `.` or `..`)
 * is one lookup in the directory's map, a link followed from the full path as the whole tree's
 * VirtualFs does; any other path is asked of the whole tree's.
 */
class TreeView implements VirtualFs {
  readonly label: string;
  readonly #root: TreeDir;
  readonly #dir: TreeDir;
  readonly #path: string;
  readonly #top: VirtualFs;

  constructor(root: TreeDir, dir: TreeDir, path: string, top: VirtualFs) {
    this.label = top.label;
    this.#root = root;
    this.#dir = dir;
    this.#path = path;
    this.#top = top;
  }

  #full(p: string): string {
    return this.#path === '' ? p : p === '' ? this.#path : `${this.#path}/${p}`;
  }

  /** The entry `p` names when it is plain (else null), with a final link followed if asked. */
  #node(p: string, follow: boolean): TreeNode | undefined | null {
    if (p === '' || p === '.' || p === '..' || p.includes('/')) return null;
    const n = this.#dir.kids.get(p);
    return follow && isLink(n) ? walk(this.#root, this.#full(p), true, this.label) : n;
  }

  kind(p: string) {
    const n = this.#node(p, false);
    return n === null ? this.#top.kind(this.#full(p)) : kindOf(n);
  }

  list(p: string) {
    const n = this.#node(p, true);
    return n === null ? this.#top.list(this.#full(p)) : namesOf(n);
  }

  readlink(p: string) {
    const n = this.#node(p, false);
    return n === null ? this.#top.readlink(this.#full(p)) : targetOf(n);
  }

  read(p: string) {
    const n = this.#node(p, true);
    return n === null ? this.#top.read(this.#full(p)) : bytesOf(this.#root, n);
  }

  readHeld(p: string) {
    const n = this.#node(p, true);
    return n === null ? this.#top.readHeld!(this.#full(p)) : heldOf(this.#root, n);
  }

  at(p: string): VirtualFs | undefined {
    const n = this.#node(p, true);
    if (n === null) return this.#top.at!(this.#full(p));
    return isDir(n) ? new TreeView(this.#root, n, this.#full(p), this.#top) : undefined;
  }
}
