import { type KernelVersion, versionAtLeast } from '../../dmabuf/rules.js';

/**
 * habanalabs memory-ioctl vocabulary (include/uapi/drm/habanalabs_accel.h, spec §5.1.1), by value.
 */
export const HL_MEM_OP = {
  ALLOC: 0,
  FREE: 1,
  MAP: 2,
  UNMAP: 3,
  MAP_BLOCK: 4,
  EXPORT_DMABUF_FD: 5,
  TS_ALLOC: 6,
} as const;
export type HlMemOp = (typeof HL_MEM_OP)[keyof typeof HL_MEM_OP];

/** Memory flags of ALLOC/MAP (not of EXPORT, whose `flags` are file flags). */
export const HL_MEM_FLAG = {
  CONTIGUOUS: 0x1,
  SHARED: 0x2,
  USERPTR: 0x4,
  FORCE_HINT: 0x8,
  PREFETCH: 0x40,
} as const;

/** File flags the export op passes to dma_buf_export and dma_buf_fd (x86-64 values). */
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_ACCMODE = 0o3;
export const O_CLOEXEC = 0o2000000;

/**
 * Which EXPORT_DMABUF_FD the kernel has (spec §0.2, §5.1.1): none before v5.16 (unknown opcode,
 * -ENOTTY); v5.16 – v6.1 the handle form (`handle`, `mem_size`; the whole allocation is exported);
 * from ≈ v6.2 the address form (`addr`, `mem_size`, `offset`).
 */
export type HlExportForm = 'none' | 'handle' | 'address';

export const hlExportFormFor = (v: KernelVersion): HlExportForm =>
  versionAtLeast(v, 6, 2) ? 'address' : versionAtLeast(v, 5, 16) ? 'handle' : 'none';

/**
 * EXPORT_DMABUF_FD size/offset rules: from v6.11 (0b75cb5b240f "accel/habanalabs: export dma-buf
 * only if size/offset multiples of PAGE_SIZE"; stable 6.6.y and 6.10.y from Aug 2024) the size must
 * be a non-zero multiple of PAGE_SIZE and the offset a multiple of PAGE_SIZE (`page-multiple`);
 * before, only `size >= PAGE_SIZE` (`min-page`). The address is PAGE_SIZE-aligned in both.
 */
export type HlExportAlignment = 'page-multiple' | 'min-page';

export const hlExportAlignmentFor = (v: KernelVersion): HlExportAlignment =>
  versionAtLeast(v, 6, 11) ? 'page-multiple' : 'min-page';

export type HlMemArgs =
  | { readonly op: typeof HL_MEM_OP.ALLOC; readonly size: bigint; readonly flags: number }
  | { readonly op: typeof HL_MEM_OP.FREE; readonly handle: bigint }
  | { readonly op: typeof HL_MEM_OP.MAP; readonly handle: bigint; readonly flags: number }
  | { readonly op: typeof HL_MEM_OP.UNMAP; readonly deviceVirtAddr: bigint }
  | {
      readonly op: typeof HL_MEM_OP.EXPORT_DMABUF_FD;
      readonly addr: bigint;
      readonly memSize: bigint;
      readonly offset: bigint;
      /** File flags (O_RDWR, O_CLOEXEC), not memory flags. */
      readonly flags: number;
    }
  | {
      /** v5.16 – v6.1 layout: the first u64 is the DRAM allocation handle; no offset. */
      readonly op: typeof HL_MEM_OP.EXPORT_DMABUF_FD;
      readonly handle: bigint;
      readonly memSize: bigint;
      readonly flags: number;
    };

/** The `out` union after the ioctl (the whole argument is zeroed first, then one field set). */
export interface HlMemOut {
  readonly handle?: bigint;
  readonly deviceVirtAddr?: bigint;
  readonly fd?: number;
}
