import { DMA_NONE } from '../dma/types.js';
import { DmaBufPollState } from '../fence/dmabuf-sync.js';
import type { DmaResv } from '../fence/resv.js';
import type { File } from '../proc/types.js';
import type {
  DmaBufAttachOps,
  DmaBufOps,
  DmaDataDirection,
  DmaDevice,
  IosysMap,
  KModule,
  SgTable,
} from './types.js';

/** struct dma_buf: one exported buffer. Created only by `DmaBufCore.export`. */
export class DmaBuf {
  readonly attachments: DmaBufAttachment[] = [];
  vmappingCounter = 0;
  vmapPtr: IosysMap = { vaddr: null, isIomem: false };
  name: string | null = null;
  /** cb_in / cb_out poll callback slots (src/fence). */
  readonly poll = new DmaBufPollState();
  /** Set by `release`; any later use is a use-after-free. */
  released = false;
  /** Model bookkeeping: the backing file (set right after creation). */
  file!: File;

  constructor(
    /** Inode number: unique per Kernel, the buffer's id in debugfs/fdinfo. */
    readonly ino: number,
    readonly size: bigint,
    readonly ops: DmaBufOps,
    readonly expName: string,
    readonly owner: KModule | null,
    readonly priv: unknown,
    readonly resv: DmaResv,
    /** True when `resv` is embedded (finalised at release), false when the exporter supplied it. */
    readonly ownsResv: boolean,
  ) {}

  /** dma_buf_is_dynamic: the exporter has pin/unpin. */
  get isDynamic(): boolean {
    return this.ops.pin !== undefined;
  }
}

/** One outstanding mapping of an attachment (model bookkeeping for leak and misuse checks). */
export interface MappingRecord {
  /** The table handed to the importer (after debug transformation). */
  readonly sgt: SgTable;
  /** The exporter's table (differs from `sgt` under the ≈v7.0 debug wrapper). */
  readonly exporterSgt: SgTable;
  readonly dir: DmaDataDirection;
  /** The core pinned for this mapping (pin-on-map) and must unpin at unmap. */
  readonly pinnedOnMap: boolean;
  /** A move_notify arrived after this mapping was made: it must not be used for new DMA. */
  stale: boolean;
}

/** struct dma_buf_attachment. Created only by `DmaBufCore.attach`/`dynamicAttach`. */
export class DmaBufAttachment {
  /** Set from importer_ops.allow_peer2peer (false for static); the exporter's attach may clear it. */
  peer2peer: boolean;
  /** Exporter private data for this attachment. */
  priv: unknown = null;
  /** ≤ v6.14: the cached mapping and its direction. */
  sgt: SgTable | null = null;
  dir: DmaDataDirection = DMA_NONE;
  /** Model bookkeeping: pins taken through dma_buf_pin (not pin-on-map). */
  pinCount = 0;
  /** Model bookkeeping: live mappings (including a cached one). */
  readonly mappings: MappingRecord[] = [];
  /** Model bookkeeping: false once detached. */
  attached = false;

  constructor(
    readonly dmabuf: DmaBuf,
    readonly dev: DmaDevice,
    readonly importerOps: DmaBufAttachOps | null,
    readonly importerPriv: unknown,
  ) {
    this.peer2peer = importerOps ? importerOps.allow_peer2peer : false;
  }

  /** dma_buf_attachment_is_dynamic. */
  get isDynamic(): boolean {
    return this.importerOps !== null;
  }
}

export type { DmaDevice };
