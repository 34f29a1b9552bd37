import type { KResult } from '../core/errno.js';
import {
  type DmaDirection,
  type DmaDevice as DmaParams,
  dmaDevice,
  type SgTable,
} from '../dma/types.js';
import type { DmaResv } from '../fence/resv.js';
import type { PciFunction } from '../pci/types.js';
import type { File, Vma } from '../proc/types.js';
import type { DmaBuf, DmaBufAttachment } from './objects.js';

/** enum dma_data_direction: src/dma's numeric values (DMA_BIDIRECTIONAL 0, TO_DEVICE 1, FROM_DEVICE 2, NONE 3). */
export type DmaDataDirection = DmaDirection;

/**
 * The importing device of an attachment: a PCI function, or a non-PCI (platform) device. Passed
 * to the exporter's `attach`; exporters consult the P2P verdict themselves (as habanalabs does with
 * pci_p2pdma_distance) when `pci` is set, and map for `dma` through src/dma.
 */
export interface DmaDevice {
  /** dev_name(): the BDF for PCI functions (`0000:3b:00.0`), a platform name otherwise. */
  readonly name: string;
  readonly pci: PciFunction | null;
  /** DMA parameters for src/dma (mask, max segment size); null for devices the DMA layer cannot map for. */
  readonly dma: DmaParams | null;
}

/** A PCI importer device; `opts` are its DMA parameters (defaults as src/dma's `dmaDevice`). */
export function pciDevice(
  fn: PciFunction,
  opts: { dmaMask?: bigint | null; maxSegSize?: bigint; segBoundary?: bigint } = {},
): DmaDevice {
  return { name: fn.bdf, pci: fn, dma: dmaDevice(fn, opts) };
}

/** A non-PCI device (e.g. a platform display engine): never a P2P client. */
export const platformDevice = (name: string): DmaDevice => ({ name, pci: null, dma: null });

/**
 * The table `map_dma_buf` returns: src/dma's SgTable (`cpu`: exporter-private CPU view, may be
 * empty; `dma`: the segments the importer may use, spec §7.22).
 */
export type { SgTable };

/** struct iosys_map: a kernel virtual address that is either system memory or I/O memory. */
export interface IosysMap {
  readonly vaddr: bigint | null;
  readonly isIomem: boolean;
}

/** A kernel module that owns an exporter (`owner` in exp_info). `going` modules refuse new refs. */
export interface KModule {
  readonly name: string;
  state: 'live' | 'going';
  refcount: number;
}

/**
 * Exporter callbacks (struct dma_buf_ops). Required: `map_dma_buf`, `unmap_dma_buf`, `release`.
 * Presence of `pin` makes the exporter *dynamic*; `pin`/`unpin` come as a pair (spec §1.2).
 * Locked (called with the reservation lock held; must not take it): pin, unpin, map_dma_buf,
 * unmap_dma_buf, vmap, vunmap. Unlocked (may take it): attach, detach, release, begin/end_cpu_access, mmap.
 */
export interface DmaBufOps {
  /** May clear `attach.peer2peer` or refuse (e.g. -EOPNOTSUPP, -EBUSY). */
  attach?(dmabuf: DmaBuf, attach: DmaBufAttachment): KResult<void>;
  detach?(dmabuf: DmaBuf, attach: DmaBufAttachment): void;
  pin?(attach: DmaBufAttachment): KResult<void>;
  unpin?(attach: DmaBufAttachment): void;
  /** The mapping for `attach.dev`; `null` is converted to -ENOMEM by the core. */
  map_dma_buf(attach: DmaBufAttachment, dir: DmaDataDirection): KResult<SgTable> | null;
  unmap_dma_buf(attach: DmaBufAttachment, sgt: SgTable, dir: DmaDataDirection): void;
  release(dmabuf: DmaBuf): void;
  mmap?(dmabuf: DmaBuf, vma: Vma): KResult<void>;
  vmap?(dmabuf: DmaBuf): KResult<IosysMap>;
  vunmap?(dmabuf: DmaBuf, map: IosysMap): void;
  begin_cpu_access?(dmabuf: DmaBuf, dir: DmaDataDirection): KResult<void>;
  end_cpu_access?(dmabuf: DmaBuf, dir: DmaDataDirection): KResult<void>;
  /** Only honoured by rule sets before linux-6.15; not allowed together with `pin`. */
  cache_sgt_mapping?: boolean;
}

/** Importer callbacks (struct dma_buf_attach_ops); presence makes an attachment dynamic. */
export interface DmaBufAttachOps {
  /** The importer can handle peer-to-peer (BAR/bus) addresses. */
  readonly allow_peer2peer: boolean;
  /** Required for dynamic importers; called with the reservation lock held. */
  readonly move_notify?: (attach: DmaBufAttachment) => void;
}

/** struct dma_buf_export_info. */
export interface DmaBufExportInfo {
  /** Defaults to the owner's name, else `'unknown'`. */
  readonly expName?: string;
  readonly owner?: KModule;
  readonly ops: DmaBufOps | null;
  readonly size: bigint;
  /** File flags for the new file (exporters pass O_RDWR | O_CLOEXEC); only access mode and O_NONBLOCK are kept. Default 0 (O_RDONLY), as an unset field is in the kernel. */
  readonly flags?: number;
  /** An external reservation object shared with the exporter's own object. */
  readonly resv?: DmaResv;
  /** Exporter private data; must be non-null (spec §1.2.1). */
  readonly priv: unknown;
}

/** How a dma-buf file looks to user space and the fd layer. */
export type DmaBufFile = File;
