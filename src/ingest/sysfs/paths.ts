import { PeerdmaError } from '../../errors/index.js';
import type { HeldBytes, VirtualFs } from '../types.js';

/** Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS); so do we. */
export const MAX_SYMLINKS = 40;

/** Join POSIX path parts, dropping empty parts (no normalisation of `..`). */
export function joinPath(...parts: readonly string[]): string {
  let out = '';
  for (const p of parts) {
    if (p.length === 0) continue;
    out = out.length === 0 ? p : `${out}/${p}`;
  }
  return out;
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Split a path into components, dropping empty and `.` parts. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((c) => c.length > 0 && c !== '.');
}

/** A path `splitPath` would change: an empty or `.` part, a leading or trailing `/`. */
const NOT_CANONICAL = /(^|\/)\.(\/|$)|\/\/|^\/|\/$/;

/** `splitPath(path).join('/')`: the path itself when it has no empty or `.` part. */
export function canonicalPath(path: string): string {
  return NOT_CANONICAL.test(path) ? splitPath(path).join('/') : path;
}

/**
 * The canonical path of `path` inside the tree: every symlink followed (relative targets against
 * the link's directory, absolute ones against the tree's root), `..` never climbing above the root.
 * Undefined when a component does not exist. More than MAX_SYMLINKS links → E_PARSE 'symlink loop'.
 */
export function resolvePath(
  fs: Pick<VirtualFs, 'kind' | 'readlink' | 'label'>,
  path: string,
): string | undefined {
  const todo = splitPath(path).reverse();
  let here = '';
  let links = 0;
  while (todo.length > 0) {
    const comp = todo.pop()!;
    if (comp === '..') {
      here = dirName(here);
      continue;
    }
    const parent = here;
    here = here === '' ? comp : `${here}/${comp}`;
    const kind = fs.kind(here);
    if (kind === undefined) return undefined;
    if (kind !== 'link') continue;
    if (++links > MAX_SYMLINKS) {
      throw new PeerdmaError('E_PARSE', `symlink loop (more than ${MAX_SYMLINKS} links)`, {
        file: fs.label,
        field: path,
      });
    }
    const target = fs.readlink(here) ?? '';
    here = target.startsWith('/') ? '' : parent;
    const parts = splitPath(target);
    for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
  }
  return here;
}

/**
 * Where the symlink at `link` leads. Fast path for sysfs's links (relative, into real
 * directories): the target joined to the link's directory, `..` applied as text, accepted when it
 * names a directory. Otherwise the full component-by-component resolution.
 */
export function followLink(
  fs: Pick<VirtualFs, 'kind' | 'readlink' | 'label'>,
  link: string,
): string | undefined {
  return followTarget(fs, link, fs.readlink(link));
}

/** `followLink` for a link whose target was read already (undefined: not a link). */
export function followTarget(
  fs: Pick<VirtualFs, 'kind' | 'readlink' | 'label'>,
  link: string,
  target: string | undefined,
): string | undefined {
  const lexical = lexicalTarget(link, target);
  if (lexical !== undefined && fs.kind(lexical) === 'dir') return lexical;
  return resolvePath(fs, link);
}

/**
 * Where a relative symlink target leads read as text: joined to the link's directory, `..`
 * dropping one part (never above the top), empty and `.` parts skipped. Undefined for an absolute
 * target or none.
 */
export function lexicalTarget(link: string, target: string | undefined): string | undefined {
  if (target === undefined || target.startsWith('/')) return undefined;
  let out = canonicalPath(dirName(link));
  // Parts in a row that are neither `..`, `.` nor empty are appended as one slice.
  let run = -1;
  let runEnd = -1;
  let from = 0;
  while (from <= target.length) {
    let to = target.indexOf('/', from);
    if (to < 0) to = target.length;
    const n = to - from;
    const up = n === 2 && target.charCodeAt(from) === 0x2e && target.charCodeAt(from + 1) === 0x2e;
    if (up || n === 0 || (n === 1 && target.charCodeAt(from) === 0x2e)) {
      if (run >= 0) {
        const c = target.slice(run, runEnd);
        out = out.length === 0 ? c : `${out}/${c}`;
        run = -1;
      }
      if (up) out = dirName(out);
    } else {
      if (run < 0) run = from;
      runEnd = to;
    }
    from = to + 1;
  }
  if (run >= 0) {
    const c = target.slice(run, runEnd);
    out = out.length === 0 ? c : `${out}/${c}`;
  }
  return out;
}

/**
 * The directory `dir` of `vfs` as a VirtualFs of its own (paths relative to it): `vfs.at` where
 * offered (no full path built per name), else a view that prefixes `dir/`. Same answers either way.
 */
export function inDir(vfs: VirtualFs, dir: string): VirtualFs {
  if (dir === '') return vfs;
  return vfs.at?.(dir) ?? prefixed(vfs, dir);
}

function prefixed(vfs: VirtualFs, dir: string): VirtualFs {
  const full = (p: string) => (p === '' ? dir : `${dir}/${p}`);
  return {
    label: vfs.label,
    kind: (p) => vfs.kind(full(p)),
    list: (p) => vfs.list(full(p)),
    readlink: (p) => vfs.readlink(full(p)),
    read: (p) => vfs.read(full(p)),
    readHeld: (p) => readHeld(vfs, full(p)),
    readText: (p) => readText(vfs, full(p)),
  };
}

/** A file's bytes as held and its size (`VirtualFs.readHeld`, else all of `read`). */
export function readHeld(vfs: VirtualFs, path: string): HeldBytes | undefined {
  if (vfs.readHeld !== undefined) return vfs.readHeld(path);
  const bytes = vfs.read(path);
  return bytes === undefined ? undefined : { bytes, size: bytes.length };
}

const decoder = new TextDecoder('utf-8');

/** A file's bytes as text: UTF-8, short ASCII (an attribute's) without the decoder. */
export function textOf(b: Uint8Array): string {
  if (b.length <= 64) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  return decoder.decode(b);
}

/** The file at `path` as text (`VirtualFs.readText`, else `textOf` its bytes). */
export function readText(vfs: VirtualFs, path: string): string | undefined {
  if (vfs.readText !== undefined) return vfs.readText(path);
  const b = vfs.read(path);
  return b === undefined ? undefined : textOf(b);
}
