/** DMA-BUF objects as the kernel reports them (debugfs bufinfo, fdinfo, sysfs stats). */

/** One object of /sys/kernel/debug/dma_buf/bufinfo. */
export interface BufinfoObject {
  /** Line of the object's row in the file (1-based). */
  readonly line: number;
  readonly size: bigint;
  /** The dma-buf file's f_flags and f_mode, as printed (hex). */
  readonly flags: number;
  readonly mode: number;
  /** file_count(): references to the dma-buf file. */
  readonly count: number;
  readonly exporter: string;
  /** The inode number (v5.3+; null in older formats). */
  readonly ino: number | null;
  /** DMA_BUF_SET_NAME's name; null when none (or the format has no name column). */
  readonly name: string | null;
  /** Fence lines, as printed (without the leading tab). */
  readonly fences: readonly string[];
  /** dev_name() of each attached device: a BDF for PCI devices. */
  readonly attached: readonly string[];
}

/** Which print format a bufinfo file used (src/buffers/bufinfo.ts says which kernels print it). */
export type BufinfoFormat = 'exp_name' | 'exp_name+ino' | 'exp_name+ino+name';

export interface Bufinfo {
  readonly format: BufinfoFormat;
  readonly objects: readonly BufinfoObject[];
  /** The closing `Total N objects, M bytes` line. */
  readonly total: { readonly objects: number; readonly bytes: bigint } | null;
}

/** The dma-buf part of /proc/<pid>/fdinfo/<fd> (dma_buf_show_fdinfo + the generic lines). */
export interface DmaBufFdinfo {
  readonly size: bigint;
  readonly count: number;
  readonly exporter: string;
  readonly name: string | null;
  /** The generic `ino:` line (v5.14+); null before. */
  readonly ino: number | null;
  /** The fd's open flags (octal in fdinfo). */
  readonly flags: number | null;
}

/** A process holding a dma-buf fd. */
export interface BufferHolder {
  readonly pid: number;
  readonly fd: number;
  readonly comm: string | null;
  readonly info: DmaBufFdinfo;
}

/** /sys/kernel/dmabuf/buffers/<ino>/ (CONFIG_DMABUF_SYSFS_STATS, v5.13+). */
export interface SysfsBuffer {
  readonly ino: number;
  readonly exporter: string | null;
  readonly size: bigint | null;
}

/** p2pmem/ of a PCI function with a registered P2P DMA provider (pci_p2pdma_add_resource). */
export interface P2pmem {
  readonly bdf: string;
  readonly size: bigint | null;
  readonly available: bigint | null;
  readonly published: boolean | null;
}
