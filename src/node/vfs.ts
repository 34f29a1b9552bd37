/**
 * VirtualFs adapters: a real directory (live /sys or an unpacked capture) and a .tar.gz held in
 * memory. The pure sysfs loader reads only through these.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { baseName, dirName, resolvePath } from '../ingest/sysfs/paths.js';
import type { VirtualFs } from '../ingest/types.js';
import { TAR_LIMITS, type TarLimits, type TarNode, TarReader } from './vfs-tar.js';

export { TAR_LIMITS, type TarNode } from './vfs-tar.js';

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
    const gz = createGunzip({ chunkSize: 1 << 20 });
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
    gz.on('error', (e) => fail(new PeerdmaError('E_PARSE', `not a readable .tar.gz: ${e.message}`, { file: label })));
    gz.on('end', () => {
      if (!failed) resolve();
    });
    gz.end(bytes);
  });
  return memoryVfs(reader.end(), label);
}

/** Parse an already unpacked tar stream (tests, small inputs). */
export function parseTar(buf: Buffer, label: string, limits: TarLimits = TAR_LIMITS): Map<string, TarNode> {
  const reader = new TarReader(label, limits);
  reader.push(buf);
  return reader.end();
}

/** A VirtualFs over a path → node map; parent directories are implied. */
export function memoryVfs(nodes: Map<string, TarNode>, label: string): VirtualFs {
  const children = new Map<string, Set<string>>();
  for (const path of [...nodes.keys()]) {
    let p = path;
    while (p !== '') {
      const parent = dirName(p);
      let set = children.get(parent);
      if (set === undefined) {
        set = new Set();
        children.set(parent, set);
      }
      const fresh = !set.has(baseName(p));
      set.add(baseName(p));
      if (parent !== '' && !nodes.has(parent)) nodes.set(parent, { t: 'dir' });
      if (!fresh) break;
      p = parent;
    }
  }
  const sorted = new Map<string, readonly string[]>();
  const fs: VirtualFs = {
    label,
    kind(p) {
      const n = lookup(p, false);
      return n === undefined ? undefined : n.t;
    },
    list(p) {
      const real = p === '' ? '' : resolvePath(fs, p);
      if (real === undefined) return undefined;
      if (real !== '' && nodes.get(real)?.t !== 'dir') return undefined;
      let names = sorted.get(real);
      if (names === undefined) {
        names = [...(children.get(real) ?? [])].sort();
        sorted.set(real, names);
      }
      return names;
    },
    readlink(p) {
      const n = lookup(p, false);
      return n?.t === 'link' ? n.target : undefined;
    },
    read(p) {
      const n = lookup(p, true);
      return n?.t === 'file' ? n.data : undefined;
    },
  };
  function lookup(p: string, follow: boolean): TarNode | undefined {
    const direct = nodes.get(p);
    if (direct !== undefined && (direct.t !== 'link' || !follow)) return direct;
    if (follow) {
      const real = resolvePath(fs, p);
      return real === undefined ? undefined : nodes.get(real);
    }
    const parent = dirName(p);
    const realParent = parent === '' ? '' : resolvePath(fs, parent);
    if (realParent === undefined) return undefined;
    return nodes.get(realParent === '' ? baseName(p) : `${realParent}/${baseName(p)}`);
  }
  return fs;
}
