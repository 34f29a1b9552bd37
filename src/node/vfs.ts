/**
 * VirtualFs adapters: a real directory (live /sys or an unpacked capture) and a .tar.gz held in
 * memory. The pure sysfs loader reads only through these.
 */
import {
  closeSync,
  type Dirent,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { PeerdmaError } from '../errors/index.js';
import { textOf } from '../ingest/sysfs/paths.js';
import type { HeldBytes, VirtualFs } from '../ingest/types.js';
import { openReadFlags } from './files.js';
import { GunzipError, gunzipPieces } from './gunzip.js';
import { TAR_LIMITS, type TarLimits, TarReader } from './vfs-tar.js';
import {
  ATTR_LIMIT,
  insert,
  limitIn,
  newDir,
  normalise,
  PROC_FILE,
  PROC_LIMIT,
  paths,
  readLimit,
  type TarNode,
  type TreeDir,
  treeVfs,
  zeroTailStart,
} from './vfs-tree.js';

export { TAR_LIMITS } from './vfs-tar.js';
export { ATTR_LIMIT, PROC_LIMIT, readLimit, type TarNode } from './vfs-tree.js';

/** Files that touch the device or map its memory: never read (resourceN, resourceN_wc, rom). */
export const FORBIDDEN_FILE = /^(resource\d+(_wc)?|rom|remove|rescan|reset|reset_method)$/;

/** A directory VirtualFs that can also say how big a file claims to be (for `snapshot`). */
export interface DirVfs extends VirtualFs {
  /** `st_size` of a regular file (following symlinks), undefined for anything else. */
  size(path: string): number | undefined;
}

/** What a directory entry is, from its listing (d_type), without a stat per entry. */
type Entry = 'file' | 'dir' | 'link' | 'other';

/** A directory's entries as readdir gave them (a few dozen: searched, not hashed). */
type Listing = readonly Dirent[];

/** The type of `name` in a listing: the entry's d_type, asked only of the entry found. */
const lookup = (l: Listing, name: string): Entry | undefined => {
  for (let i = 0; i < l.length; i++) {
    const d = l[i]!;
    if (d.name !== name) continue;
    return d.isFile() ? 'file' : d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'link' : 'other';
  }
  return undefined;
};

/** A path path.join would change: a `.` or `..` part, an empty part, a leading or trailing `/`. */
const ODD_PATH = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$/;
/** A PCI function's directory name, `dddd:bb:dd.f`. */
const FUNCTION_DIR = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
/** How many directory listings a `dirVfs` remembers: the loader reads one directory at a time. */
const LISTINGS = 8;
/** A PCI function directory has a few dozen entries; a directory of thousands is not one. */
const BIG_DIR = 512;

/**
 * A directory on the real filesystem, read with as few system calls as the loader's pattern
 * allows. A directory is listed (names and types from d_type, no stat per entry) when `list` asks
 * for it (the listing then answers the lookups in it too), on the third lookup in it in a row, or
 * on the first file read in a PCI function's directory (where a dozen
 * attributes are asked and half of them are missing), so a missing attribute there costs no
 * system call and a present one costs open, read and close; a one-off lookup (an IOMMU group's
 * `type`, a bus link's target) is a single stat instead of a listing. A subdirectory its parent's
 * listing does not show is not listed at all. Only what the listing or stat calls a regular file
 * is opened, O_NONBLOCK and without a controlling terminal, so a FIFO or a device — at an
 * attribute path or swapped in meanwhile — neither blocks nor is read past `readLimit`. Reads go
 * through one reusable buffer and end at the first short read (sysfs and regular files return
 * everything at once; /proc files are read to EOF). Unreadable, non-regular and forbidden files
 * read as undefined.
 */
export function dirVfs(root: string): DirVfs {
  // Loader paths are already normal (no `.`, `..`, `//`): joined as text, not by path.join.
  const base = join(root, '/');
  const abs = (p: string) => (p === '' ? root : ODD_PATH.test(p) ? join(root, p) : base + p);
  let scratch = new Uint8Array(ATTR_LIMIT);
  const listings = new Map<string, Listing | null>();
  /**
   * Directories too big to list for one entry (sys/bus/pci/devices): asked by stat instead. The
   * value is the names `listing` read, until the `list` call that asked takes them (then null).
   */
  const big = new Map<string, string[] | null>();
  const listing = (dir: string): Listing | null => {
    let m = listings.get(dir);
    if (m !== undefined) return m;
    if (big.has(dir)) return null;
    try {
      const ents = readdirSync(abs(dir), { withFileTypes: true });
      if (ents.length > BIG_DIR) {
        big.set(
          dir,
          ents.map((d) => d.name),
        );
        return null;
      }
      m = ents;
    } catch {
      m = null; // not a directory, or not listable (EACCES): fall back to a stat per path
    }
    if (listings.size >= LISTINGS) listings.delete(listings.keys().next().value!);
    listings.set(dir, m);
    return m;
  };
  /** The directory of the previous lookups answered without a listing, and how many in a row. */
  let probed: string | null = null;
  let probes = 0;
  /**
   * The entry at `p` from its directory's listing; null when no listing can say. `eager`: list
   * the directory now if it is not listed yet; otherwise list it on the third lookup in a row
   * (a listing costs open, fstat, two getdents and close: more than two stats).
   */
  const entry = (p: string, eager = false): Entry | undefined | null => {
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (name === '' || name === '.' || name === '..') return null;
    const dir = slash < 0 ? '' : p.slice(0, slash);
    if (!eager && !listings.has(dir)) {
      if (dir !== probed) {
        probed = dir;
        probes = 1;
        return null;
      }
      if (++probes < 3) return null;
    }
    const m = listing(dir);
    return m === null ? null : lookup(m, name);
  };
  /** The entry at `p` only when its directory is listed already (never lists). */
  const listed = (p: string): Entry | undefined | null => {
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (name === '' || name === '.' || name === '..') return null;
    const m = listings.get(slash < 0 ? '' : p.slice(0, slash));
    return m === undefined || m === null ? null : lookup(m, name);
  };
  const statKind = (path: string, follow: boolean): Entry | undefined => {
    try {
      const st = follow
        ? statSync(path, { throwIfNoEntry: false })
        : lstatSync(path, { throwIfNoEntry: false });
      if (st === undefined) return undefined;
      return st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'dir'
          : st.isSymbolicLink()
            ? 'link'
            : 'other';
    } catch {
      return undefined; // EACCES, ENOTDIR, ELOOP
    }
  };
  /**
   * Read the regular file at `path` into `scratch`: how many bytes, or -1 when it cannot be read.
   * Reads stop at the first short one (sysfs and regular files answer in one) unless `toEof`.
   */
  const fill = (path: string, limit: number, toEof: boolean): number => {
    let fd: number;
    try {
      fd = openSync(path, openReadFlags());
    } catch {
      return -1;
    }
    try {
      let total = 0;
      while (total < limit) {
        if (total === scratch.length) {
          const bigger = new Uint8Array(Math.min(scratch.length * 4, limit));
          bigger.set(scratch.subarray(0, total));
          scratch = bigger;
        }
        const want = Math.min(scratch.length, limit) - total;
        const n = readSync(fd, scratch, total, want, null);
        total += n;
        if (n === 0 || (n < want && !toEof)) break;
      }
      return total;
    } catch {
      return -1; // EIO, EINVAL, EAGAIN: sysfs files that cannot be read
    } finally {
      closeSync(fd);
    }
  };
  /**
   * The file at `path` whose entry its directory's listing gave as `e` (null: no listing could
   * say; a link is followed by a stat), read into `scratch`: its length, or -1 when it is no
   * regular file or cannot be read.
   */
  const readFile = (path: string, e: Entry | undefined | null, limit: number): number => {
    if (e === null || e === 'link') e = statKind(path, true);
    return e === 'file' ? fill(path, limit, limit === PROC_LIMIT) : -1;
  };
  /** The `n` bytes read, in one allocation of their size. */
  const bytes = (n: number): Uint8Array | undefined => (n < 0 ? undefined : scratch.slice(0, n));
  /** The `n` bytes read as text (`textOf`), decoded where they were read. */
  const text = (n: number): string | undefined =>
    n < 0 ? undefined : textOf(scratch.subarray(0, n));
  /** `scratch` as 32-bit words, to find the trailing zeros of a config a word at a time. */
  let words = new Uint32Array(scratch.buffer, 0, scratch.length >>> 2);
  /** The `n` bytes read without their trailing zeros (a 4096-byte config is mostly zeros). */
  const held = (n: number): HeldBytes | undefined => {
    if (n < 0) return undefined;
    if (words.buffer !== scratch.buffer)
      words = new Uint32Array(scratch.buffer, 0, scratch.length >>> 2);
    const end = zeroTailStart(scratch, words, 0, n);
    return { bytes: scratch.slice(0, end), size: n };
  };
  /** `read(p)` into `scratch`. */
  const readPath = (p: string): number => {
    const slash = p.lastIndexOf('/');
    if (FORBIDDEN_FILE.test(p.slice(slash + 1))) return -1;
    // A file read in a PCI function's directory starts a dozen lookups there: list it now.
    const e = entry(p, FUNCTION_DIR.test(p.slice(p.lastIndexOf('/', slash - 1) + 1, slash)));
    return readFile(abs(p), e, readLimit(p));
  };
  /**
   * A PCI function's directory as a VirtualFs of its own (`at`): listed at its first lookup, each
   * name then answered from that listing and opened by one path built from a prefix made once.
   * Names that are not one plain component go to the full path. Other directories have no view
   * (undefined: `inDir` prefixes their paths).
   */
  const at = (dir: string): VirtualFs | undefined => {
    if (ODD_PATH.test(dir) || !FUNCTION_DIR.test(dir.slice(dir.lastIndexOf('/') + 1))) {
      return undefined;
    }
    const pre = `${dir}/`;
    const absPre = base + pre;
    const proc = PROC_FILE.test(pre);
    let m: Listing | null | undefined;
    /** The entry `name` (one plain component) from this directory's listing; null: none. */
    const own = (name: string): Entry | undefined | null => {
      if (m === undefined) m = listing(dir);
      return m === null ? null : lookup(m, name);
    };
    const plain = (n: string) => n.length > 0 && n !== '.' && n !== '..' && n.indexOf('/') < 0;
    const full = (n: string) => (n === '' ? dir : pre + n);
    const readName = (n: string): number =>
      FORBIDDEN_FILE.test(n) ? -1 : readFile(absPre + n, own(n), limitIn(proc, n));
    return {
      label: root,
      kind(n) {
        if (!plain(n)) return self.kind(full(n));
        let e = own(n);
        if (e === null) e = statKind(absPre + n, false);
        return e === 'other' ? undefined : e;
      },
      list: (n) => self.list(full(n)),
      readlink(n) {
        if (!plain(n)) return self.readlink(full(n));
        const e = own(n);
        if (e !== null && e !== 'link') return undefined;
        try {
          return readlinkSync(absPre + n);
        } catch {
          return undefined;
        }
      },
      read: (n) => (plain(n) ? bytes(readName(n)) : self.read(full(n))),
      readHeld: (n) => (plain(n) ? held(readName(n)) : self.readHeld(full(n))),
      readText: (n) => (plain(n) ? text(readName(n)) : self.readText(full(n))),
      at: (n) => self.at(full(n)),
    };
  };
  const self = {
    label: root,
    kind(p: string) {
      let e = p === '' ? 'dir' : entry(p);
      if (e === null) e = statKind(abs(p), false);
      return e === 'other' ? undefined : e;
    },
    list(p: string) {
      // A name its parent's listing shows as absent or as a file is no directory: no system call.
      const e = p === '' ? 'dir' : listed(p);
      if (e === undefined || e === 'file' || e === 'other') return undefined;
      // Listed once: the names answer this call and the types the lookups that follow in it.
      const m = listing(p);
      if (m !== null) return m.map((d) => d.name).sort();
      const names = big.get(p);
      if (names === undefined) return undefined; // not a directory, or not listable
      if (names !== null) {
        big.set(p, null);
        return names.sort();
      }
      try {
        return readdirSync(abs(p)).sort();
      } catch {
        return undefined;
      }
    },
    readlink(p: string) {
      const e = entry(p);
      if (e !== null && e !== 'link') return undefined;
      try {
        return readlinkSync(abs(p));
      } catch {
        return undefined;
      }
    },
    read: (p: string) => bytes(readPath(p)),
    readHeld: (p: string) => held(readPath(p)),
    readText: (p: string) => text(readPath(p)),
    at,
    size(p: string) {
      try {
        const st = statSync(abs(p), { throwIfNoEntry: false });
        return st?.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
  } satisfies DirVfs;
  return self;
}

/** Hold a .tar.gz in memory as a VirtualFs (symlinks kept; nothing is written to disk). */
export async function tarVfs(bytes: Uint8Array, label: string): Promise<VirtualFs> {
  const reader = new TarReader(label);
  try {
    await gunzipPieces(bytes, (piece) => reader.push(piece));
  } catch (e) {
    if (e instanceof GunzipError) {
      throw new PeerdmaError('E_PARSE', `not a readable .tar.gz: ${e.message}`, { file: label });
    }
    throw e;
  }
  return memoryVfs(reader.end(), label);
}

/** Parse an already unpacked tar stream (tests, small inputs); returns every path, sorted. */
export function parseTar(buf: Buffer, label: string, limits: TarLimits = TAR_LIMITS): string[] {
  const reader = new TarReader(label, limits);
  reader.push(buf);
  return paths(reader.end());
}

/** A VirtualFs over an in-memory tree (or a path → node map, for tests). */
export function memoryVfs(from: TreeDir | Map<string, TarNode>, label: string): VirtualFs {
  let root: TreeDir;
  if (from instanceof Map) {
    root = newDir();
    for (const [p, n] of from) insert(root, normalise(p), n);
  } else root = from;
  return treeVfs(root, label);
}

/** Every entry reachable from the top of `vfs` as a path → node map (the inverse of `memoryVfs`). */
export function flattenVfs(vfs: VirtualFs): Map<string, TarNode> {
  const out = new Map<string, TarNode>();
  const visit = (dir: string) => {
    for (const name of vfs.list(dir) ?? []) {
      const p = dir === '' ? name : `${dir}/${name}`;
      const k = vfs.kind(p);
      if (k === 'link') out.set(p, { t: 'link', target: vfs.readlink(p)! });
      else if (k === 'dir') {
        out.set(p, { t: 'dir' });
        visit(p);
      } else if (k === 'file') out.set(p, { t: 'file', data: vfs.read(p)! });
    }
  };
  visit('');
  return out;
}
