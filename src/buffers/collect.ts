/**
 * What a machine says about its DMA-BUF objects, read through a VirtualFs (a live `/`, or a
 * snapshot): debugfs bufinfo, every process's dma-buf fds with their fdinfo, the sysfs statistics,
 * and p2pmem per PCI function. What could not be read is a stated fact (`notes`), not an error.
 */
import type { VirtualFs } from '../ingest/types.js';
import { parseBufinfo } from './bufinfo.js';
import { parseFdinfo } from './fdinfo.js';
import type { BufferHolder, Bufinfo, P2pmem, SysfsBuffer } from './types.js';

export const BUFINFO_PATH = 'sys/kernel/debug/dma_buf/bufinfo';
export const SYSFS_BUFFERS = 'sys/kernel/dmabuf/buffers';
/** `/proc/<pid>/fd/N` of a dma-buf: `/dmabuf:<name>` (v5.3+, dmabuffs) or `anon_inode:dmabuf`. */
export const DMABUF_LINK_RE = /^(?:\/dmabuf:|anon_inode:dmabuf)/;

export interface CollectedBuffers {
  readonly bufinfo: Bufinfo | null;
  /** Why bufinfo is missing, when it is. */
  readonly bufinfoMissing: string | null;
  readonly holders: readonly BufferHolder[];
  /** Processes whose fds could not be listed (not ours, not root). */
  readonly unreadableProcesses: number;
  readonly sysfs: readonly SysfsBuffer[] | null;
  readonly p2pmem: readonly P2pmem[];
  readonly notes: readonly string[];
}

const text = (vfs: VirtualFs, p: string): string | undefined => {
  const b = vfs.read(p);
  return b === undefined ? undefined : new TextDecoder().decode(b);
};
const join = (root: string, p: string) => (root === '' ? p : `${root}/${p}`);

export function collectBuffers(vfs: VirtualFs, root = ''): CollectedBuffers {
  const notes: string[] = [];
  const at = (p: string) => join(root, p);
  // debugfs
  const infoText = text(vfs, at(BUFINFO_PATH));
  let bufinfo: Bufinfo | null = null;
  let bufinfoMissing: string | null = null;
  if (infoText !== undefined) bufinfo = parseBufinfo(infoText, `${vfs.label}: /${BUFINFO_PATH}`);
  else {
    const debug = vfs.list(at('sys/kernel/debug'));
    bufinfoMissing =
      debug === undefined
        ? '/sys/kernel/debug is not readable (debugfs is root-only) or not mounted: no attachments, no objects without an fd'
        : debug.length === 0
          ? 'debugfs is not mounted on /sys/kernel/debug: no attachments, no objects without an fd'
          : '/sys/kernel/debug/dma_buf/bufinfo is absent or unreadable (CONFIG_DEBUG_FS off, or not root)';
    notes.push(bufinfoMissing);
  }
  // processes
  const holders: BufferHolder[] = [];
  let unreadableProcesses = 0;
  const pids = (vfs.list(at('proc')) ?? [])
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b));
  for (const pid of pids) {
    const fds = vfs.list(at(`proc/${pid}/fd`));
    if (fds === undefined) {
      unreadableProcesses++;
      continue;
    }
    let comm: string | null | undefined;
    for (const fd of [...fds]
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(a) - Number(b))) {
      const target = vfs.readlink(at(`proc/${pid}/fd/${fd}`));
      if (target === undefined || !DMABUF_LINK_RE.test(target)) continue;
      const path = at(`proc/${pid}/fdinfo/${fd}`);
      const fi = text(vfs, path);
      if (fi === undefined) continue;
      const info = parseFdinfo(fi, `${vfs.label}: /${path}`);
      if (info === null) continue;
      comm ??= text(vfs, at(`proc/${pid}/comm`))?.trim() ?? null;
      holders.push({ pid: Number(pid), fd: Number(fd), comm, info });
    }
  }
  if (unreadableProcesses > 0)
    notes.push(
      `${unreadableProcesses} processes' fds are not readable (not root): their dma-buf fds are not listed`,
    );
  // sysfs statistics
  const inos = vfs.list(at(SYSFS_BUFFERS));
  const sysfs =
    inos === undefined
      ? null
      : inos
          .filter((n) => /^\d+$/.test(n))
          .map((n) => {
            const size = text(vfs, at(`${SYSFS_BUFFERS}/${n}/size`))?.trim();
            return {
              ino: Number(n),
              exporter: text(vfs, at(`${SYSFS_BUFFERS}/${n}/exporter_name`))?.trim() ?? null,
              size: size !== undefined && /^\d+$/.test(size) ? BigInt(size) : null,
            };
          })
          .sort((a, b) => a.ino - b.ino);
  // p2pmem
  const p2pmem: P2pmem[] = [];
  for (const bdf of vfs.list(at('sys/bus/pci/devices')) ?? []) {
    const dir = at(`sys/bus/pci/devices/${bdf}/p2pmem`);
    if (vfs.list(dir) === undefined) continue;
    const num = (f: string) => {
      const t = text(vfs, `${dir}/${f}`)?.trim();
      return t !== undefined && /^\d+$/.test(t) ? BigInt(t) : null;
    };
    const pub = text(vfs, `${dir}/published`)?.trim();
    p2pmem.push({
      bdf,
      size: num('size'),
      available: num('available'),
      published: pub === undefined ? null : pub === '1',
    });
  }
  return { bufinfo, bufinfoMissing, holders, unreadableProcesses, sysfs, p2pmem, notes };
}
