import { type KResult, kerr, ok } from '../../core/errno.js';
import type { Bar, PciFunction } from '../../pci/types.js';
import { minBig } from '../../util/bigint.js';
import { hex } from '../../util/hex.js';
import type { PhysAddressSpace } from '../bus.js';
import { SparseMemory } from '../memory.js';
import { MmioRegisterFile } from '../mmio.js';
import { DramAllocator, SZ_2M } from './allocator.js';
import {
  type DramBarProps,
  insideBar,
  validateExportNoMmu,
  validateExportPack,
} from './export-validate.js';
import {
  HL_MEM_FLAG,
  HL_MEM_OP,
  type HlExportAlignment,
  type HlExportForm,
  type HlMemArgs,
  type HlMemOut,
} from './uapi.js';
import { DeviceVm, type VaMapping } from './vm.js';

/**
 * A habanalabs-style accelerator: HBM behind a 64-bit prefetchable BAR, a 2 MiB-page allocator,
 * device-virtual mappings and the memory ioctl. The dma-buf export itself goes through an
 * `AccelExportSink` (the exporter in ./exporter.ts), so this file needs no dma-buf core.
 */
export type DeviceState = 'operational' | 'in reset' | 'disabled';

/** What an export hands to the dma-buf side: the window of device memory it covers. */
export interface AccelExport {
  readonly device: AccelDevice;
  /** Device physical pages of the exported allocation (one "page" for non-VM devices). */
  readonly pages: readonly bigint[];
  readonly pageSize: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly fileFlags: number;
  /** Undo the export bookkeeping (export_cnt, dmabuf_export_cnt); called by dma-buf release. */
  readonly release: () => void;
}

/** Installs the dma-buf and its fd; returns the fd. On failure it must have called `release`. */
export type AccelExportSink = (exp: AccelExport) => KResult<number>;

export interface AccelOptions {
  readonly dramVirtualMemory?: boolean;
  /** Bytes at the start of HBM the driver keeps for itself (default 32 MiB). */
  readonly reservedBytes?: bigint;
  readonly dramBase?: bigint;
  readonly sysPageSize?: bigint;
  /** Which EXPORT_DMABUF_FD the driver has (default `address`, the ≈ v6.2+ form). */
  readonly exportForm?: HlExportForm;
  /** EXPORT_DMABUF_FD size/offset rules of the kernel (default: the newest, `page-multiple`). */
  readonly exportAlignment?: HlExportAlignment;
}

export const DOORBELL_REGS = { RING_TAIL: 0x0n, IRQ_STATUS: 0x8n } as const;

export class AccelDevice {
  readonly fn: PciFunction;
  readonly hbmBar: Bar;
  readonly mmioBar: Bar | undefined;
  readonly props: DramBarProps;
  readonly hbm: SparseMemory;
  readonly regs: MmioRegisterFile | undefined;
  readonly alloc: DramAllocator;
  readonly vm: DeviceVm;
  readonly exportForm: HlExportForm;
  state: DeviceState = 'operational';
  dmabufExportCnt = 0;

  constructor(fn: PciFunction, opts: AccelOptions = {}) {
    const bar = pickHbmBar(fn);
    if (!bar) throw new RangeError(`${fn.bdf}: no 64-bit prefetchable memory BAR to expose HBM`);
    this.fn = fn;
    this.hbmBar = bar;
    this.exportForm = opts.exportForm ?? 'address';
    const others = fn.bars.filter((b) => b.space === 'mem' && b !== bar && b.size >= 0x1000n);
    // Doorbells live in a non-prefetchable register BAR when there is one.
    this.mmioBar = others.find((b) => !b.prefetchable) ?? others[0];
    const dramBase = opts.dramBase ?? 0x10_0000_0000n;
    const hbmSize = fn.deviceMemory ?? bar.size;
    const reserved = opts.reservedBytes ?? 16n * SZ_2M;
    this.props = {
      dramBase,
      dramUserBase: dramBase + reserved,
      dramEnd: dramBase + hbmSize,
      dramPciBarStart: bar.start,
      dramPciBarSize: bar.size,
      dramVirtualMemory: opts.dramVirtualMemory ?? true,
      pageSize: opts.sysPageSize ?? 4096n,
      exportAlignment: opts.exportAlignment ?? 'page-multiple',
    };
    this.hbm = new SparseMemory(`${fn.bdf} HBM`, hbmSize);
    this.alloc = new DramAllocator(this.props);
    this.vm = new DeviceVm(this.alloc);
    if (this.mmioBar) {
      this.regs = new MmioRegisterFile(`${fn.bdf} MMIO`, this.mmioBar.size);
    } else {
      this.regs = undefined;
    }
  }

  get name(): string {
    return this.fn.name ?? this.fn.bdf;
  }

  /** Claim the HBM BAR (and the MMIO BAR) in the physical address map. */
  attachToBus(bus: PhysAddressSpace): void {
    const hbm = this.hbm;
    bus.claim({
      start: this.hbmBar.start,
      size: minBig(this.hbmBar.size, hbm.size),
      kind: 'bar',
      owner: this.fn.bdf,
      target: {
        name: `${this.name} BAR${this.hbmBar.index} (HBM)`,
        read: (off, len) => hbm.read(off, len),
        write: (off, data) => hbm.write(off, data),
      },
    });
    const regs = this.regs;
    if (regs && this.mmioBar) {
      bus.claim({
        start: this.mmioBar.start,
        size: this.mmioBar.size,
        kind: 'bar',
        owner: this.fn.bdf,
        target: {
          name: `${this.name} BAR${this.mmioBar.index} (MMIO)`,
          read: (off, len) => le(regs.read(off), len),
          write: (off, data, writer) => {
            regs.write(off, fromLe(data), writer);
          },
        },
      });
    }
  }

  /** Device physical address → offset in the HBM store (the BAR maps HBM from dramBase). */
  hbmOffset(devAddr: bigint): bigint {
    return devAddr - this.props.dramBase;
  }

  /** HL_IOCTL_MEMORY. The whole argument is zeroed and one out field set (spec §5.1.1). */
  memIoctl(args: HlMemArgs, sink: AccelExportSink): KResult<HlMemOut> {
    if (this.state !== 'operational') {
      return kerr('EBUSY', `Device is ${this.state}. Can't execute MEMORY IOCTL`);
    }
    switch (args.op) {
      case HL_MEM_OP.ALLOC: {
        const r = this.alloc.alloc(args.size, (args.flags & HL_MEM_FLAG.CONTIGUOUS) !== 0);
        return r.ok ? ok({ handle: r.value.handle }) : r;
      }
      case HL_MEM_OP.FREE: {
        const r = this.alloc.free(args.handle);
        if (!r.ok) return r;
        for (const p of r.value.pages) this.hbm.fill(this.hbmOffset(p), r.value.pageSize, 0);
        return ok({});
      }
      case HL_MEM_OP.MAP: {
        const r = this.vm.map(args.handle);
        return r.ok ? ok({ deviceVirtAddr: r.value.vaddr }) : r;
      }
      case HL_MEM_OP.UNMAP: {
        const r = this.vm.unmap(args.deviceVirtAddr);
        return r.ok ? ok({}) : r;
      }
      case HL_MEM_OP.EXPORT_DMABUF_FD: {
        if (this.exportForm === 'none') return kerr('ENOTTY', 'Unknown opcode for memory IOCTL');
        // Both layouts start with one u64: the address (≈ v6.2+) or the handle (v5.16 – v6.1).
        const first = 'handle' in args ? args.handle : args.addr;
        const offset = 'offset' in args ? args.offset : 0n;
        const r =
          this.exportForm === 'handle' && this.props.dramVirtualMemory
            ? this.exportDmabufFromHandle(first, args.flags, sink)
            : this.exportDmabuf(first, args.memSize, offset, args.flags, sink);
        return r.ok ? ok({ fd: r.value }) : r;
      }
    }
  }

  /**
   * The memory-ioctl arguments user space built against this kernel's header: the address form
   * (`va`, offset 0) or, on v5.16 – v6.1 kernels, the handle form (the whole allocation).
   */
  exportArgs(handle: bigint, va: bigint, memSize: bigint, flags: number): HlMemArgs {
    const op = HL_MEM_OP.EXPORT_DMABUF_FD;
    return this.exportForm === 'handle'
      ? { op, handle, memSize, flags }
      : { op, addr: va, memSize, offset: 0n, flags };
  }

  /**
   * export_dmabuf_from_handle (v5.16 – v6.1, spec §5.1.2 rule 5): the handle names a DRAM page
   * pack, whose exporting_cnt blocks FREE until release; every page must lie inside the BAR, and
   * the whole pack is exported (mem_size is not used).
   */
  exportDmabufFromHandle(handle: bigint, flags: number, sink: AccelExportSink): KResult<number> {
    const pack = handle >> 32n === 0n ? this.alloc.get(handle) : undefined;
    if (!pack) return kerr('EINVAL', `no match for handle ${hex(handle)}`);
    for (const page of pack.pages) {
      if (!insideBar(this.props, page, pack.pageSize)) {
        return kerr('EINVAL', `DRAM memory range ${hex(page)} is outside of PCI BAR boundaries`);
      }
    }
    pack.exportingCnt++;
    this.dmabufExportCnt++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      pack.exportingCnt--;
      this.dmabufExportCnt--;
    };
    return sink({
      device: this,
      pages: pack.pages,
      pageSize: pack.pageSize,
      offset: 0n,
      size: pack.totalSize,
      fileFlags: flags,
      release,
    });
  }

  /** export_dmabuf_from_addr: validate, then hand the window to the sink (fd installed last). */
  exportDmabuf(
    addr: bigint,
    size: bigint,
    offset: bigint,
    flags: number,
    sink: AccelExportSink,
  ): KResult<number> {
    const req = { addr, size, offset };
    let mapping: VaMapping | undefined;
    let pages: readonly bigint[];
    let pageSize: bigint;
    if (this.props.dramVirtualMemory) {
      const got = this.vm.exportGet(addr);
      if (!got.ok) return got;
      mapping = got.value.mapping;
      const v = validateExportPack(this.props, req, got.value.pack);
      if (!v.ok) {
        this.vm.exportPut(mapping);
        return v;
      }
      pages = got.value.pack.pages;
      pageSize = got.value.pack.pageSize;
    } else {
      const v = validateExportNoMmu(this.props, req);
      if (!v.ok) return v;
      pages = [addr];
      pageSize = size;
    }
    this.dmabufExportCnt++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (mapping) this.vm.exportPut(mapping);
      this.dmabufExportCnt--;
    };
    return sink({ device: this, pages, pageSize, offset, size, fileFlags: flags, release });
  }

  /** Live device-memory allocations (for the pristine check). */
  get liveAllocations(): number {
    return this.alloc.liveAllocations;
  }
}

/** The largest 64-bit prefetchable memory BAR (where HBM/VRAM is exposed). */
export function pickHbmBar(fn: PciFunction): Bar | undefined {
  const cands = fn.bars.filter((b) => b.space === 'mem' && b.is64 && b.prefetchable);
  return cands.sort((a, b) => (a.size > b.size ? -1 : a.size < b.size ? 1 : a.index - b.index))[0];
}

export function le(value: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

export function fromLe(data: Uint8Array): bigint {
  let v = 0n;
  for (let i = data.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]!);
  return v;
}
