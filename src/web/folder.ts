/**
 * A sysfs capture folder opened in the browser (dropped from a file manager, or picked with
 * `<input webkitdirectory>`): its files become the same in-memory tree a dropped `.tar.gz`
 * becomes, read by the same sysfs loader.
 *
 * Browsers hand over regular files only: every symbolic link of the folder is skipped (Chromium
 * neither lists nor follows them). What the links said is restored where the files still say it —
 * `sys/bus/pci/devices` is walked from `sys/devices` by the loader itself, and each function's
 * `driver` link comes back from its `uevent` (`DRIVER=`) — and what is lost for good (IOMMU group
 * membership, SR-IOV `physfn`/`virtfn`) is said in one warning naming the `.tar.gz` that keeps it.
 */
import { type LoadWarning, PeerdmaError } from '../errors/index.js';
import { loadSysfs } from '../ingest/sysfs/index.js';
import type { LoadResult } from '../ingest/types.js';
import { insert, newDir, normalise, type TreeDir, treeVfs } from '../node/vfs-tree.js';
import { BROWSER_TAR_LIMITS } from './tar.js';

/** One file of a folder, by its path inside the folder (`webkitRelativePath`, or the entry's). */
export interface FolderFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const utf8 = new TextDecoder('utf-8');

/** The folder as a tree; `driver` links restored from `uevent`. Over the tar limits: E_TOO_LARGE. */
export function folderTree(files: readonly FolderFile[], label: string): TreeDir {
  const root = newDir();
  if (files.length > BROWSER_TAR_LIMITS.entries)
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `folder has more than ${BROWSER_TAR_LIMITS.entries} files`,
      { file: label },
    );
  let total = 0;
  for (const f of files) {
    total += f.bytes.length;
    if (total > BROWSER_TAR_LIMITS.bytes)
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `folder holds more than ${BROWSER_TAR_LIMITS.bytes} bytes`,
        { file: label },
      );
    const path = normalise(f.path);
    if (path !== '') insert(root, path, { t: 'file', data: f.bytes });
  }
  restoreDrivers(root, []);
  return root;
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
  if (uevent?.t === 'file' && !dir.kids.has('driver') && dir.kids.has('config')) {
    const name = ueventDriver(
      utf8.decode(uevent.buf.subarray(uevent.off, uevent.off + uevent.len)),
    );
    const sys = at.lastIndexOf('sys');
    if (name !== null && sys >= 0) {
      const up = '../'.repeat(at.length - sys);
      dir.kids.set('driver', { t: 'link', target: `${up}sys/bus/pci/drivers/${name}` });
    }
  }
  for (const [name, kid] of dir.kids) if (kid.t === 'dir') restoreDrivers(kid, [...at, name]);
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

/** Load a capture folder as `--from DIR` would, minus what its symbolic links said. */
export function loadFolder(files: readonly FolderFile[], label: string): LoadResult {
  if (files.length === 0) throw new PeerdmaError('E_USAGE', 'the folder is empty', { file: label });
  const r = loadSysfs(treeVfs(folderTree(files, label), label), { label });
  return { fabric: r.fabric, warnings: [folderWarning(label), ...r.warnings] };
}
