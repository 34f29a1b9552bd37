import type { KResult } from '../core/errno.js';
import type { Process } from './process.js';

/** open(2) flag bits (x86-64 values) that the model uses. */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  ACCMODE: 3,
  NONBLOCK: 0o4000,
  CLOEXEC: 0o2000000,
} as const;

/** lseek(2) whence values. */
export const SEEK = { SET: 0, CUR: 1, END: 2 } as const;
export type Whence = number;

/** poll(2) event bits. */
export const EPOLL = { IN: 0x001, OUT: 0x004, ERR: 0x008, HUP: 0x010 } as const;

/** Default RLIMIT_NOFILE soft limit of a new process. */
export const DEFAULT_RLIMIT_NOFILE = 1024;

/**
 * File operations of one kind of file (the kernel's `struct file_operations`), as a plain record.
 * Every callback is optional; a missing one answers as the VFS does (see Process methods).
 * `release` runs once, when the last reference (fd, get_file, VMA) is dropped.
 */
export interface FileOps {
  /** What kind of file this is: `dmabuf`, `sync_file`, … (checked by `dma_buf_get` and friends). */
  readonly kind: string;
  release?(file: File): void;
  /** Returns the new position. Missing → -ESPIPE. */
  llseek?(file: File, offset: bigint, whence: Whence): KResult<bigint>;
  /** Returns the ready event mask (EPOLL bits). Missing → IN|OUT (always ready). */
  poll?(file: File, events: number): number;
  /** `arg` is the user pointer's content; `undefined` models a bad pointer (-EFAULT). Missing → -ENOTTY. */
  ioctl?(file: File, cmd: number, arg: unknown, proc: Process): KResult<number>;
  /** Missing → -ENODEV. */
  mmap?(file: File, vma: Vma): KResult<void>;
  /** The `/proc/<pid>/fd/<n>` link target (d_dname), e.g. `/dmabuf:ring0`. Missing → `anon_inode:<kind>`. */
  dname?(file: File): string;
  /** Kind-specific fdinfo lines after the generic `pos/flags/mnt_id/ino` ones. */
  showFdinfo?(file: File): readonly FdinfoLine[];
}

/** One `key:\tvalue` line of /proc/<pid>/fdinfo/<fd>. */
export interface FdinfoLine {
  readonly key: string;
  readonly value: string;
}

/**
 * An open file: reference counted; `release` runs when the count drops to zero.
 * Create with `FileTable.alloc`; take references with `FileTable.get`, drop with `FileTable.put`.
 */
export interface File {
  /** Unique per FileTable, for identity in listings. */
  readonly id: number;
  readonly fops: FileOps;
  /** Inode number (dma-buf: the buffer's unique id; anon inodes share one). */
  readonly ino: number;
  /** Mount id of the pseudo filesystem the file lives on. */
  readonly mntId: number;
  /** f_flags: access mode and O_NONBLOCK (O_CLOEXEC is per fd, not per file). */
  flags: number;
  /** f_mode bits (FMODE_READ 1 | FMODE_WRITE 2). */
  mode: number;
  pos: bigint;
  /** Size shown in fdinfo/stat (inode size). */
  size: bigint;
  /** private_data: the object behind the file (a DmaBuf, a SyncFile, …). */
  readonly priv: unknown;
  /** Reference count (read-only view; change it through FileTable). */
  readonly count: number;
  /** True once released; any later use is a use-after-free. */
  readonly released: boolean;
}

/** A user mapping of a file (one VMA). Holds one file reference while it exists. */
export interface Vma {
  readonly id: number;
  /** The file the VMA maps (dma_buf_mmap may re-point it). */
  file: File;
  /** Offset into the file in pages. */
  pgoff: bigint;
  /** Length in pages. */
  readonly pages: bigint;
  readonly shared: boolean;
  readonly prot: { readonly read: boolean; readonly write: boolean };
}

/** fdinfo as data (`/proc/<pid>/fdinfo/<fd>`). */
export interface FdInfo {
  readonly pid: number;
  readonly fd: number;
  readonly pos: bigint;
  /** f_flags | O_CLOEXEC when the fd has close-on-exec, printed in octal by `renderFdinfo`. */
  readonly flags: number;
  readonly mntId: number;
  readonly ino: number;
  readonly kind: string;
  /** Kind-specific lines (dma-buf: size, count, exp_name, name). */
  readonly extra: readonly FdinfoLine[];
}
