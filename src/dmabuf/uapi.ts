import { type KResult, kerr, ok } from '../core/errno.js';
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from '../dma/types.js';
import { resvExportSyncFile, resvImportSyncFile, resvPollReady } from '../fence/dmabuf-sync.js';
import type { Process } from '../proc/process.js';
import {
  EPOLL,
  type FdinfoLine,
  type File,
  type FileOps,
  O,
  SEEK,
  type Vma,
} from '../proc/types.js';
import { hex } from '../util/hex.js';
import type { DmaBufCore } from './core.js';
import { beginCpuAccess, endCpuAccess, userMmap } from './cpu.js';
import { releaseImpl } from './export.js';
import type { DmaBuf } from './objects.js';
import { syncFileFile, syncFileOf } from './syncfile.js';
import type { DmaDataDirection } from './types.js';

/** _IOC(dir, 'b', nr, size) with x86-64 encoding: dir<<30 | size<<16 | type<<8 | nr. */
const ioc = (dir: number, nr: number, size: number): number =>
  ((dir << 30) | (size << 16) | (0x62 << 8) | nr) >>> 0;
const W = 1;
const RW = 3;

/** dma-buf ioctl numbers (include/uapi/linux/dma-buf.h, spec §1.14). */
export const DMA_BUF_IOCTL = {
  SYNC: ioc(W, 0, 8),
  /** _IOW('b', 1, const char *): 64-bit pointer size. Same number as SET_NAME_B. */
  SET_NAME: ioc(W, 1, 8),
  SET_NAME_A: ioc(W, 1, 4),
  SET_NAME_B: ioc(W, 1, 8),
  EXPORT_SYNC_FILE: ioc(RW, 2, 8),
  IMPORT_SYNC_FILE: ioc(W, 3, 8),
} as const;

export const DMA_BUF_SYNC = {
  READ: 1,
  WRITE: 2,
  RW: 3,
  START: 0,
  END: 4,
  VALID_FLAGS_MASK: 7,
} as const;
/** DMA_BUF_NAME_LEN: names are shorter than this many bytes. */
export const DMA_BUF_NAME_LEN = 32;

/** Payloads (what copy_from_user would read); `undefined` models a bad user pointer (-EFAULT). */
export interface DmaBufSyncArg {
  flags: bigint | number;
}
export interface DmaBufSetNameArg {
  name: string;
}
export interface DmaBufSyncFileArg {
  flags: number;
  /** EXPORT: written back by the kernel; IMPORT: the sync_file fd. */
  fd: number;
}

const bufOf = (f: File): DmaBuf => f.priv as DmaBuf;

function syncIoctl(core: DmaBufCore, b: DmaBuf, arg: DmaBufSyncArg | undefined): KResult<number> {
  if (arg === undefined) return kerr('EFAULT', 'DMA_BUF_IOCTL_SYNC: bad address');
  const flags = BigInt(arg.flags);
  if ((flags & ~BigInt(DMA_BUF_SYNC.VALID_FLAGS_MASK)) !== 0n)
    return kerr('EINVAL', `DMA_BUF_IOCTL_SYNC: invalid flags ${hex(flags)}`);
  const rw = Number(flags & 3n);
  const dir: DmaDataDirection | null =
    rw === 3 ? DMA_BIDIRECTIONAL : rw === 1 ? DMA_FROM_DEVICE : rw === 2 ? DMA_TO_DEVICE : null;
  if (dir === null) return kerr('EINVAL', 'DMA_BUF_IOCTL_SYNC: neither READ nor WRITE');
  const r =
    (flags & BigInt(DMA_BUF_SYNC.END)) !== 0n
      ? endCpuAccess(core, b, dir)
      : beginCpuAccess(core, b, dir);
  return r.ok ? ok(0) : r;
}

function setName(core: DmaBufCore, b: DmaBuf, arg: DmaBufSetNameArg | undefined): KResult<number> {
  if (arg === undefined || typeof arg.name !== 'string')
    return kerr('EFAULT', 'DMA_BUF_SET_NAME: bad address');
  if (new TextEncoder().encode(arg.name).length >= DMA_BUF_NAME_LEN) {
    return kerr('EINVAL', `DMA_BUF_SET_NAME: name longer than ${DMA_BUF_NAME_LEN - 1} bytes`);
  }
  if (core.env.rules.setNameBusyWhenAttached && b.attachments.length > 0) {
    return kerr(
      'EBUSY',
      'DMA_BUF_SET_NAME: name can only be changed before the buffer is shared with a device',
    );
  }
  b.name = arg.name;
  return ok(0);
}

const badSyncFlags = (flags: number): boolean =>
  (flags & ~DMA_BUF_SYNC.RW) !== 0 || (flags & DMA_BUF_SYNC.RW) === 0;

function exportSyncFile(
  core: DmaBufCore,
  b: DmaBuf,
  arg: DmaBufSyncFileArg | undefined,
  proc: Process,
): KResult<number> {
  if (arg === undefined) return kerr('EFAULT', 'DMA_BUF_IOCTL_EXPORT_SYNC_FILE: bad address');
  if (badSyncFlags(arg.flags))
    return kerr('EINVAL', `DMA_BUF_IOCTL_EXPORT_SYNC_FILE: invalid flags ${arg.flags}`);
  const fd = proc.getUnusedFd(O.CLOEXEC);
  if (!fd.ok) return fd;
  const sf = resvExportSyncFile(b.resv, arg.flags);
  if (!sf.ok) {
    proc.putUnusedFd(fd.value);
    return sf;
  }
  arg.fd = fd.value;
  proc.fdInstall(fd.value, syncFileFile(core.env.files, sf.value));
  return ok(0);
}

function importSyncFile(
  core: DmaBufCore,
  b: DmaBuf,
  arg: DmaBufSyncFileArg | undefined,
  proc: Process,
): KResult<number> {
  if (arg === undefined) return kerr('EFAULT', 'DMA_BUF_IOCTL_IMPORT_SYNC_FILE: bad address');
  if (badSyncFlags(arg.flags))
    return kerr('EINVAL', `DMA_BUF_IOCTL_IMPORT_SYNC_FILE: invalid flags ${arg.flags}`);
  const f = proc.fget(arg.fd);
  if (!f.ok)
    return kerr('EINVAL', `DMA_BUF_IOCTL_IMPORT_SYNC_FILE: fd ${arg.fd} is not a sync_file`);
  try {
    const r = resvImportSyncFile(b.resv, syncFileOf(f.value), arg.flags);
    return r.ok ? ok(0) : r;
  } finally {
    core.env.files.put(f.value);
  }
}

/** The file operations of dma-buf files of `core` (release, llseek, poll, ioctl, mmap, fdinfo). */
export function dmaBufFileOps(core: DmaBufCore): FileOps {
  return {
    kind: 'dmabuf',
    release: (f) => releaseImpl(core, bufOf(f)),
    llseek(f, offset, whence) {
      if (whence !== SEEK.END && whence !== SEEK.SET)
        return kerr('EINVAL', 'dma-buf llseek: only SEEK_SET and SEEK_END');
      if (offset !== 0n) return kerr('EINVAL', 'dma-buf llseek: offset must be 0');
      return ok(whence === SEEK.END ? bufOf(f).size : 0n);
    },
    poll(f, events) {
      const b = bufOf(f);
      if (b.released) return EPOLL.ERR;
      const files = core.env.files;
      return resvPollReady(b.poll, b.resv, events, {
        get: () => files.get(f),
        put: () => files.put(f),
      });
    },
    ioctl(f, cmd, arg, proc) {
      const b = bufOf(f);
      switch (cmd) {
        case DMA_BUF_IOCTL.SYNC:
          return syncIoctl(core, b, arg as DmaBufSyncArg | undefined);
        case DMA_BUF_IOCTL.SET_NAME_A:
        case DMA_BUF_IOCTL.SET_NAME_B:
          return setName(core, b, arg as DmaBufSetNameArg | undefined);
      }
      if (core.env.rules.syncFileIoctls && cmd === DMA_BUF_IOCTL.EXPORT_SYNC_FILE) {
        return exportSyncFile(core, b, arg as DmaBufSyncFileArg | undefined, proc);
      }
      if (core.env.rules.syncFileIoctls && cmd === DMA_BUF_IOCTL.IMPORT_SYNC_FILE) {
        return importSyncFile(core, b, arg as DmaBufSyncFileArg | undefined, proc);
      }
      return kerr('ENOTTY', `dma-buf ioctl ${hex(cmd)}: inappropriate ioctl`);
    },
    mmap: (f, vma: Vma) => userMmap(core, bufOf(f), vma),
    dname: (f) => dmaBufDentryName(bufOf(f)),
    showFdinfo(f): FdinfoLine[] {
      const b = bufOf(f);
      const lines = [
        { key: 'size', value: String(b.size) },
        { key: 'count', value: String(f.count) },
        { key: 'exp_name', value: b.expName },
      ];
      if (b.name !== null) lines.push({ key: 'name', value: b.name });
      return lines;
    },
  };
}

/** The dentry name (`/proc/<pid>/fd/<n>` link target): `/dmabuf:<name>`. */
export const dmaBufDentryName = (b: DmaBuf): string => `/dmabuf:${b.name ?? ''}`;
