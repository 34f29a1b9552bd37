/**
 * A pure in-memory tar reader for the browser: the whole unpacked stream (ustar, pax `x` records,
 * GNU `L`/`K` long names) becomes the tree of `src/node/vfs-tree.ts` and a `VirtualFs` over it, so a
 * snapshot dropped on the page is read by the same sysfs loader as `--from FILE.tar.gz`. The node
 * adapter streams (snapshots can unpack to hundreds of MB); the browser gets the bytes at once.
 */
import { PeerdmaError } from '../errors/index.js';
import {
  tarBase256 as base256,
  insert,
  newDir,
  nodeKind,
  normalise,
  tarOctal as octal,
  paxFields,
  type TreeDir,
  walk,
} from '../node/vfs-tree.js';

export interface TarLimits {
  readonly bytes: number;
  readonly entries: number;
}

/** As the node reader: 1 GiB unpacked, 2 M entries. */
export const BROWSER_TAR_LIMITS: TarLimits = { bytes: 1024 * 1024 * 1024, entries: 2_000_000 };

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function cstr(b: Uint8Array, o: number, n: number): string {
  let e = o;
  let high = 0;
  while (e < o + n && b[e] !== 0) high |= b[e++]!;
  return (high & 0x80 ? utf8 : latin1).decode(b.subarray(o, e));
}

/** Read an unpacked tar stream into a tree. Bad checksums and truncation are E_PARSE. */
export function readTar(
  buf: Uint8Array,
  label: string,
  limits: TarLimits = BROWSER_TAR_LIMITS,
): TreeDir {
  const root = newDir();
  const bad = (msg: string) =>
    new PeerdmaError('E_PARSE', `not a readable tar archive: ${msg}`, { file: label });
  let off = 0;
  let total = 0;
  let count = 0;
  let pending: { path?: string; linkpath?: string; size?: number } = {};
  while (off + 512 <= buf.length) {
    let zero = true;
    for (let i = off; i < off + 512; i++) {
      if (buf[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return root;
    let sum = 0;
    for (let i = off; i < off + 512; i++) sum += i >= off + 148 && i < off + 156 ? 32 : buf[i]!;
    if (octal(buf, off + 148, 8) !== sum) throw bad(`bad header checksum at byte ${off}`);
    const name = cstr(buf, off, 100);
    const ustar = buf[off + 257] === 0x75 && buf[off + 258] === 0x73 && buf[off + 259] === 0x74;
    const prefix = ustar ? cstr(buf, off + 345, 155) : '';
    const rawSize =
      buf[off + 124]! & 0x80 ? base256(buf, off + 124, 12) : octal(buf, off + 124, 12);
    if (rawSize < 0) throw bad(`bad size at byte ${off}`);
    const type = String.fromCharCode(buf[off + 156]!);
    const size = type === 'x' || type === 'L' || type === 'K' ? rawSize : (pending.size ?? rawSize);
    const bodyAt = off + 512;
    if (bodyAt + size > buf.length)
      throw bad(`truncated: the entry at byte ${off} runs past the end`);
    const body = buf.subarray(bodyAt, bodyAt + size);
    off = bodyAt + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pending = { ...pending, ...paxFields(body, bodyAt - 512, bad) };
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L' || type === 'K') {
      const v = cstr(body, 0, body.length);
      pending = type === 'L' ? { ...pending, path: v } : { ...pending, linkpath: v };
      continue;
    }
    const fullPath = pending.path ?? (prefix.length > 0 ? `${prefix}/${name}` : name);
    const linkpath = pending.linkpath ?? cstr(buf, bodyAt - 512 + 157, 100);
    pending = {};
    if (++count > limits.entries)
      throw new PeerdmaError('E_TOO_LARGE', `archive has more than ${limits.entries} entries`, {
        file: label,
      });
    total += size;
    if (total > limits.bytes)
      throw new PeerdmaError('E_TOO_LARGE', `archive unpacks to more than ${limits.bytes} bytes`, {
        file: label,
      });
    const path = normalise(fullPath);
    if (path === '') continue;
    if (type === '5' || ((type === '0' || type === '\0') && fullPath.endsWith('/')))
      insert(root, path, { t: 'dir' });
    else if (type === '2') insert(root, path, { t: 'link', target: linkpath });
    else if (type === '1') {
      const target = walk(root, normalise(linkpath), false, label);
      if (target !== undefined && nodeKind(target) === 'file') insert(root, path, target);
    } else if (type === '0' || type === '\0' || type === '7')
      insert(root, path, { t: 'file', data: body.slice() });
  }
  if (off < buf.length || off === 0) throw bad(`truncated at byte ${off}`);
  return root;
}

/** A VirtualFs over a tree read by `readTar` (the same in-memory tree view the CLI's tar loader uses). */
export { treeVfs } from '../node/vfs-tree.js';
