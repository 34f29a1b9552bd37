import { type KResult, kerr, ok } from '../../core/errno.js';
import { hex } from '../../util/hex.js';
import type { DramRange } from './allocator.js';
import type { HlExportAlignment } from './uapi.js';

/**
 * habanalabs EXPORT_DMABUF_FD validation (spec §5.1.2, ≈ v6.7+ address form), as pure functions
 * over the ASIC properties. They run before anything touches the dma-buf core.
 */
export interface DramBarProps extends DramRange {
  /** CPU physical start of the DRAM BAR (`hdev->dram_pci_bar_start`). */
  readonly dramPciBarStart: bigint;
  readonly dramPciBarSize: bigint;
  /** Gaudi2-class: user addresses are device virtual addresses (`dram_supports_virtual_memory`). */
  readonly dramVirtualMemory: boolean;
  readonly pageSize: bigint;
  /** The kernel's EXPORT_DMABUF_FD size/offset rules (uapi.ts `hlExportAlignmentFor`); default newest. */
  readonly exportAlignment?: HlExportAlignment;
}

export interface ExportRequest {
  readonly addr: bigint;
  readonly size: bigint;
  readonly offset: bigint;
}

/** Alignment and size checks shared by both device kinds (step 5 / 4.1). */
export function validateExportCommon(p: DramBarProps, r: ExportRequest): KResult<void> {
  if ((p.exportAlignment ?? 'page-multiple') === 'min-page') {
    // Before 0b75cb5b240f (v6.11): aligned address, size of at least a page; nothing else.
    if (r.addr % p.pageSize !== 0n) {
      return kerr(
        'EINVAL',
        `exported device memory address ${hex(r.addr)} should be aligned to ${hex(p.pageSize)}`,
      );
    }
    if (r.size < p.pageSize) {
      return kerr(
        'EINVAL',
        `exported device memory size ${r.size} should be equal to or greater than ${p.pageSize}`,
      );
    }
    return ok(undefined);
  }
  if (r.addr % p.pageSize !== 0n) {
    return kerr(
      'EINVAL',
      `exported device memory address ${hex(r.addr)} should be aligned to PAGE_SIZE ${hex(p.pageSize)}`,
    );
  }
  if (r.size === 0n || r.size % p.pageSize !== 0n) {
    return kerr(
      'EINVAL',
      `exported device memory size ${r.size} should be a multiple of PAGE_SIZE ${p.pageSize}`,
    );
  }
  if (r.offset % p.pageSize !== 0n) {
    return kerr(
      'EINVAL',
      `exported device memory offset ${r.offset} should be a multiple of PAGE_SIZE ${p.pageSize}`,
    );
  }
  return ok(undefined);
}

/** BAR CPU address of a device physical address. */
export const barAddress = (p: DramBarProps, devAddr: bigint): bigint =>
  p.dramPciBarStart + (devAddr - p.dramBase);

const U64 = (1n << 64n) - 1n;

export function insideBar(p: DramBarProps, devAddr: bigint, len: bigint): boolean {
  const start = barAddress(p, devAddr);
  const end = start + len;
  return start >= p.dramPciBarStart && end <= p.dramPciBarStart + p.dramPciBarSize && end <= U64;
}

/** Device without DRAM virtual memory: `addr` is device physical; offset must be 0 (steps 1, 4). */
export function validateExportNoMmu(p: DramBarProps, r: ExportRequest): KResult<void> {
  if (r.offset !== 0n)
    return kerr('EINVAL', 'offset is not allowed in device without virtual memory');
  const common = validateExportCommon(p, r);
  if (!common.ok) return common;
  const end = r.addr + r.size;
  if (r.addr < p.dramUserBase || end > p.dramEnd || end > U64) {
    return kerr(
      'EINVAL',
      `DRAM memory range ${hex(r.addr)} (+${hex(r.size)}) is outside of DRAM boundaries`,
    );
  }
  if (!insideBar(p, r.addr, r.size)) {
    return kerr(
      'EINVAL',
      `DRAM memory range ${hex(r.addr)} (+${hex(r.size)}) is outside of PCI BAR boundaries`,
    );
  }
  return ok(undefined);
}

/** The pack a DRAM-VM export resolves to (pages of one allocation). */
export interface PackView {
  readonly pages: readonly bigint[];
  readonly pageSize: bigint;
  readonly totalSize: bigint;
}

/** Device with DRAM virtual memory, after the mapping lookup (steps 3.5 – 3.7). */
export function validateExportPack(
  p: DramBarProps,
  r: ExportRequest,
  pack: PackView,
): KResult<void> {
  const common = validateExportCommon(p, r);
  if (!common.ok) return common;
  if (r.offset + r.size > pack.totalSize) {
    return kerr(
      'EINVAL',
      `offset ${hex(r.offset)} and size ${hex(r.size)} exceed total map size ${hex(pack.totalSize)}`,
    );
  }
  for (const page of pack.pages) {
    if (!insideBar(p, page, pack.pageSize)) {
      return kerr(
        'EINVAL',
        `DRAM memory range ${hex(page)} (+${hex(pack.pageSize)}) is outside of PCI BAR boundaries`,
      );
    }
  }
  return ok(undefined);
}
