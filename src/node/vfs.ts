/**
 * VirtualFs adapters: a real directory (live /sys or an unpacked capture) and a .tar.gz held in
 * memory. The pure sysfs loader reads only through these.
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { baseName } from '../ingest/sysfs/paths.js';
import type { VirtualFs } from '../ingest/types.js';
import { TAR_LIMITS, type TarLimits, TarReader } from './vfs-tar.js';
import {
  ATTR_LIMIT,
  fileBytes,
  insert,
  newDir,
  normalise,
  paths,
  readLimit,
  type TarNode,
  type TreeDir,
  type TreeNode,
  walk,
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

/**
 * A directory on the real filesystem. Only regular files are opened (a stat first, then an
 * O_NONBLOCK open), at most `readLimit` bytes are read, through one reusable buffer. Unreadable,
 * non-regular and forbidden files read as undefined.
 */
export function dirVfs(root: string): DirVfs {
  const abs = (p: string) => (p === '' ? root : join(root, p));
  let scratch = Buffer.allocUnsafe(ATTR_LIMIT);
  const readRegular = (path: string, limit: number): Uint8Array | undefined => {
    let fd: number;
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) return undefined;
    } catch {
      return undefined; // EACCES, ENOTDIR, ELOOP
    }
    try {
      fd = openSync(path, OPEN_READ);
    } catch {
      return undefined;
    }
    try {
      let total = 0;
      while (total < limit) {
        if (total === scratch.length) {
          const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 4, limit));
          scratch.copy(bigger, 0, 0, total);
          scratch = bigger;
        }
        const n = readSync(fd, scratch, total, Math.min(scratch.length, limit) - total, null);
        if (n === 0) break;
        total += n;
      }
      return new Uint8Array(scratch.subarray(0, total)); // one allocation, of the size read
    } catch {
      return undefined; // EIO, EINVAL, EAGAIN: sysfs files that cannot be read
    } finally {
      closeSync(fd);
    }
  };
  return {
    label: root,
    kind(p) {
      try {
        const st = lstatSync(abs(p));
        if (st.isSymbolicLink()) return 'link';
        if (st.isDirectory()) return 'dir';
        return st.isFile() ? 'file' : undefined;
      } catch {
        return undefined;
      }
    },
    list(p) {
      try {
        return readdirSync(abs(p)).sort();
      } catch {
        return undefined;
      }
    },
    readlink(p) {
      try {
        return readlinkSync(abs(p));
      } catch {
        return undefined;
      }
    },
    read(p) {
      if (FORBIDDEN_FILE.test(baseName(p))) return undefined;
      return readRegular(abs(p), readLimit(p));
    },
    size(p) {
      try {
        const st = statSync(abs(p), { throwIfNoEntry: false });
        return st?.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

const OPEN_READ = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

/** Hold a .tar.gz in memory as a VirtualFs (symlinks kept; nothing is written to disk). */
export async function tarVfs(bytes: Uint8Array, label: string): Promise<VirtualFs> {
  const reader = new TarReader(label);
  await new Promise<void>((resolve, reject) => {
    const gz = createGunzip({ chunkSize: 256 * 1024 });
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      gz.destroy();
      reject(e);
    };
    gz.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        reader.push(chunk);
      } catch (e) {
        fail(e);
      }
    });
    gz.on('error', (e) =>
      fail(new PeerdmaError('E_PARSE', `not a readable .tar.gz: ${e.message}`, { file: label })),
    );
    gz.on('end', () => {
      if (!failed) resolve();
    });
    gz.end(bytes);
  });
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
  // The loader reads many attributes of one directory in a row: remember the last directory.
  let memoPath: string | null = null;
  let memoDir: TreeDir | undefined;
  const node = (p: string, follow: boolean): TreeNode | undefined => {
    const slash = p.lastIndexOf('/');
    const name = p.slice(slash + 1);
    if (name === '' || name === '.' || name === '..') return walk(root, p, follow, label);
    const dirPath = slash < 0 ? '' : p.slice(0, slash);
    if (dirPath !== memoPath) {
      const d = dirPath === '' ? root : walk(root, dirPath, true, label);
      memoPath = dirPath;
      memoDir = d?.t === 'dir' ? d : undefined;
    }
    const n = memoDir?.kids.get(name);
    return n?.t === 'link' && follow ? walk(root, p, true, label) : n;
  };
  return {
    label,
    kind: (p) => (p === '' ? 'dir' : node(p, false)?.t),
    list(p) {
      const n = p === '' ? root : node(p, true);
      if (n?.t !== 'dir') return undefined;
      n.sorted ??= [...n.kids.keys()].sort();
      return n.sorted;
    },
    readlink(p) {
      const n = node(p, false);
      return n?.t === 'link' ? n.target : undefined;
    },
    read(p) {
      const n = node(p, true);
      return n?.t === 'file' ? fileBytes(n) : undefined;
    },
  };
}
