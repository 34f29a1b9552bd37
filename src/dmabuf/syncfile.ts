import type { KResult } from '../core/errno.js';
import type { SyncFile } from '../fence/sync-file.js';
import type { FileTable } from '../proc/files.js';
import type { Process } from '../proc/process.js';
import type { File, FileOps } from '../proc/types.js';

/** The one anon inode every anon_inode file shares (sync_file is an anon_inode file). */
export const ANON_INODE_INO = 1;

/** File ops of sync_file fds: release drops the fence; poll reports EPOLLIN once signalled. */
export const SYNC_FILE_FOPS: FileOps = {
  kind: 'sync_file',
  release: (f) => (f.priv as SyncFile).release(),
  poll: (f) => (f.priv as SyncFile).poll(),
};

/** A file around `sf` (one reference, owning `sf`): anon_inode "sync_file", O_RDONLY. */
export function syncFileFile(files: FileTable, sf: SyncFile): File {
  return files.alloc({
    fops: SYNC_FILE_FOPS,
    priv: sf,
    ino: ANON_INODE_INO,
    fs: 'anon_inode',
    flags: 0,
    mode: 1,
  });
}

/** Install `sf` as a new fd of `proc` (sync_file_fd_install-like). On error `sf` is released. */
export function installSyncFile(
  files: FileTable,
  proc: Process,
  sf: SyncFile,
  flags = 0,
): KResult<number> {
  const f = syncFileFile(files, sf);
  const r = proc.installFd(f, flags);
  if (!r.ok) files.put(f);
  return r;
}

/** sync_file_fdget: the SyncFile behind `file`, or null when it is not a sync_file. */
export const syncFileOf = (file: File): SyncFile | null =>
  file.fops === SYNC_FILE_FOPS ? (file.priv as SyncFile) : null;
