import { PeerdmaError } from '../../errors/index.js';
import type { VirtualFs } from '../types.js';

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
  const target = fs.readlink(link);
  if (target !== undefined && !target.startsWith('/')) {
    const out = splitPath(dirName(link));
    for (const c of splitPath(target)) {
      if (c === '..') out.pop();
      else out.push(c);
    }
    const lexical = out.join('/');
    if (fs.kind(lexical) === 'dir') return lexical;
  }
  return resolvePath(fs, link);
}
