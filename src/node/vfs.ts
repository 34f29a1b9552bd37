/**
 * VirtualFs adapters: a real directory (live /sys or an unpacked capture) and a .tar.gz held in
 * memory. The pure sysfs loader reads only through these.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { baseName } from '../ingest/sysfs/paths.js';
import type { VirtualFs } from '../ingest/types.js';
import { TAR_LIMITS, type TarLimits, TarReader } from './vfs-tar.js';
import {
  fileBytes,
  insert,
  newDir,
  normalise,
  paths,
  type TarNode,
  type TreeDir,
  type TreeNode,
  walk,
} from './vfs-tree.js';

export { TAR_LIMITS } from './vfs-tar.js';
export type { TarNode } from './vfs-tree.js';

/** Files that touch the device or map its memory: never read (resourceN, resourceN_wc, rom). */
export const FORBIDDEN_FILE = /^(resource\d+(_wc)?|rom|remove|rescan|reset|reset_method)$/;
/** config beyond 4096 bytes does not exist; other attributes fit a page, /proc files a few MiB. */
const READ_LIMIT = (name: string) => (name === 'config' ? 4096 : 16 * 1024 * 1024);

/** A directory on the real filesystem. Unreadable files (EIO, EACCES on live /sys) read as undefined. */
export function dirVfs(root: string): VirtualFs {
  const abs = (p: string) => (p === '' ? root : join(root, p));
  return {
    label: root,
    kind(p) {
      try {
        const st = lstatSync(abs(p));
        if (st.isSymbolicLink()) return 'link';
        if (st.isDirectory()) return 'dir';
        return 'file';
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
      const name = baseName(p);
      if (FORBIDDEN_FILE.test(name)) return undefined;
      return readCapped(abs(p), READ_LIMIT(name));
    },
  };
}

function readCapped(path: string, limit: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const buf = Buffer.allocUnsafe(Math.min(65536, limit - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks, total);
  } catch {
    return undefined; // EIO, EISDIR, EINVAL: sysfs files that cannot be read
  } finally {
    closeSync(fd);
  }
}

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
