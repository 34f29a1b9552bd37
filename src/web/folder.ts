/**
 * A sysfs capture folder opened in the browser (dropped from a file manager, or picked with
 * `<input webkitdirectory>`): its files become the same in-memory tree a dropped `.tar.gz`
 * becomes, read by the same sysfs loader.
 *
 * Browsers hand files over, never symbolic links: a link is skipped, or followed into a copy of
 * what it points at. Either way what sysfs says with links is restored where the files still say
 * it — `sys/bus/pci/devices` is dropped (empty, or copies of the function directories) so the
 * loader walks `sys/devices` itself, and each function's `driver` link comes back from its
 * `uevent` (`DRIVER=`) — and what is lost for good (IOMMU group membership, SR-IOV
 * `physfn`/`virtfn`) is said in one warning naming the `.tar.gz` that keeps it.
 */
import { type LoadWarning, PeerdmaError } from '../errors/index.js';
import { loadSysfs } from '../ingest/sysfs/index.js';
import type { LoadResult } from '../ingest/types.js';
import {
  fileBytes,
  insert,
  isDir,
  isLink,
  newDir,
  normalise,
  type TreeDir,
  treeVfs,
} from '../node/vfs-tree.js';
import { BROWSER_TAR_LIMITS } from './tar.js';

/** One file of a folder, by its path inside the folder (`webkitRelativePath`, or the entry's). */
export interface FolderFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const utf8 = new TextDecoder('utf-8');

/**
 * A folder of `count` files holding `bytes` bytes, against the browser's tar limits: over them,
 * E_TOO_LARGE — checked before the files are read, and again as the tree is built.
 */
export function checkFolderLimits(count: number, bytes: number, label: string): void {
  if (count > BROWSER_TAR_LIMITS.entries)
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `folder has more than ${BROWSER_TAR_LIMITS.entries} files`,
      { file: label },
    );
  if (bytes > BROWSER_TAR_LIMITS.bytes)
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `folder holds more than ${BROWSER_TAR_LIMITS.bytes} bytes`,
      { file: label },
    );
}

/** The folder as a tree; `driver` links restored from `uevent`. Over the tar limits: E_TOO_LARGE. */
export function folderTree(files: readonly FolderFile[], label: string): TreeDir {
  const root = newDir();
  checkFolderLimits(files.length, 0, label);
  let total = 0;
  for (const f of files) {
    total += f.bytes.length;
    checkFolderLimits(files.length, total, label);
    const path = normalise(f.path);
    if (path !== '') insert(root, path, { t: 'file', data: f.bytes });
  }
  // The bus list at the top or one folder down (where the sysfs loader looks for `sys/`).
  dropBusList(root);
  for (const kid of root.kids.values()) if (isDir(kid)) dropBusList(kid);
  restoreDrivers(root, []);
  return root;
}

/** Remove `sys/bus/pci/devices` below `dir`: without its links it can only mislead. */
function dropBusList(dir: TreeDir): void {
  let cur: TreeDir = dir;
  for (const c of ['sys', 'bus', 'pci']) {
    const next = cur.kids.get(c);
    if (!isDir(next)) return;
    cur = next;
  }
  cur.kids.delete('devices');
}

/** `DRIVER=name` of a uevent file, or null. */
export function ueventDriver(text: string): string | null {
  const m = /^DRIVER=([^\s/]+)$/m.exec(text);
  return m ? m[1]! : null;
}

/**
 * Each device directory with a `uevent` naming its driver and no `driver` entry gets the link
 * sysfs has there, `…/sys/bus/pci/drivers/NAME`, relative from the directory.
 */
function restoreDrivers(dir: TreeDir, at: readonly string[]): void {
  const uevent = dir.kids.get('uevent');
  if (
    typeof uevent === 'object' &&
    uevent.t === 'file' &&
    !isLink(dir.kids.get('driver')) &&
    dir.kids.has('config')
  ) {
    const name = ueventDriver(utf8.decode(fileBytes(uevent)));
    const sys = at.lastIndexOf('sys');
    if (name !== null && sys >= 0) {
      const up = '../'.repeat(at.length - sys);
      dir.kids.set('driver', { t: 'link', target: `${up}sys/bus/pci/drivers/${name}` });
    }
  }
  for (const [name, kid] of dir.kids) if (isDir(kid)) restoreDrivers(kid, [...at, name]);
}

/** The warning every folder load carries: what the browser's copy of it cannot say. */
export function folderWarning(label: string): LoadWarning {
  return {
    code: 'folder-no-symlinks',
    message:
      'a folder opened in the browser loses its symbolic links: functions are found by walking sys/devices and drivers come from uevent, but IOMMU group membership and SR-IOV physfn links are unknown; drop the capture as a .tar.gz (peerdma snapshot) to keep them',
    location: { file: label },
  };
}

/** A file below a folder, by its path from the folder's parent (the folder's own name first). */
export interface FolderEntry<F> {
  readonly path: string;
  readonly file: F;
}

/**
 * The part of the File and Directory Entries API a dropped folder is read through
 * (`DataTransferItem.webkitGetAsEntry()`: FileSystemFileEntry / FileSystemDirectoryEntry).
 */
export interface DroppedEntry<F> {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  file?(ok: (f: F) => void, fail: (e: unknown) => void): void;
  createReader?(): {
    readEntries(ok: (batch: DroppedEntry<F>[]) => void, fail: (e: unknown) => void): void;
  };
}

/**
 * Every file below a dropped entry. A directory reader hands its entries over in batches (100 at
 * a time in Chromium) until an empty one, so it is read to the end; subfolders are read in parallel.
 */
export async function directoryEntries<F>(
  entry: DroppedEntry<F>,
  prefix = '',
): Promise<FolderEntry<F>[]> {
  const path = `${prefix}${entry.name}`;
  if (entry.isFile && entry.file) {
    const file = await new Promise<F>((ok, fail) => entry.file!(ok, fail));
    return [{ path, file }];
  }
  if (!entry.isDirectory || !entry.createReader) return [];
  const reader = entry.createReader();
  const out: FolderEntry<F>[] = [];
  for (;;) {
    const batch = await new Promise<DroppedEntry<F>[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const got of await Promise.all(batch.map((e) => directoryEntries(e, `${path}/`))))
      out.push(...got);
  }
  return out;
}

/** Load a capture folder as `--from DIR` would, minus what its symbolic links said. */
export function loadFolder(files: readonly FolderFile[], label: string): LoadResult {
  if (files.length === 0) throw new PeerdmaError('E_USAGE', 'the folder is empty', { file: label });
  const r = loadSysfs(treeVfs(folderTree(files, label), label), { label });
  return { fabric: r.fabric, warnings: [folderWarning(label), ...r.warnings] };
}
