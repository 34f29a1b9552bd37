import type { SimClock } from '../core/clock.js';
import { type KResult, ok } from '../core/errno.js';
import type { LogLine, ViolationLog } from '../core/violations.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { type Access, IommuDomain } from './domain.js';
import { type GroupInfo, iommuGroups } from './groups.js';
import { DEFAULT_IOTLB_ENTRIES, Iotlb } from './iotlb.js';
import { IovaAllocator } from './iova.js';
import { IoPageTable } from './pagetable.js';
import {
  type CostSink,
  DEFAULT_PAGE_SIZES,
  type FlushQueueParams,
  FQ_PERCPU,
  type IommuMode,
  type IommuSnapshot,
  zeroPerPageSize,
} from './types.js';

export interface IommuConfig {
  readonly mode: IommuMode;
  /** Flush-queue parameters for lazy mode (default FQ_PERCPU: 256 entries, 10 ms). */
  readonly flushQueue?: FlushQueueParams;
  /**
   * Whether the IOMMU driver can defer IOTLB flushes (default true). Without it lazy mode
   * silently degrades to strict (spec §4.5.4).
   */
  readonly deferredFlush?: boolean;
  readonly pageSizes?: readonly bigint[];
  readonly iotlbEntries?: number;
  /** BDFs of untrusted (external-facing) devices: always a strict DMA domain (spec §4.5.4). */
  readonly untrusted?: readonly string[];
  /** Input address width of the domains' aperture (default 48 bits). */
  readonly addressBits?: number;
  /** `iommu.forcedac=1`: skip the below-4-GiB first attempt for PCI devices. */
  readonly forceDac?: boolean;
  /** Extra reserved IOVA regions besides BARs, bridge windows and the x86 MSI window. */
  readonly reserved?: readonly { readonly start: bigint; readonly size: bigint }[];
}

/** x86 interrupt (MSI) window, reserved in every DMA domain. */
export const MSI_WINDOW = { start: 0xfee0_0000n, size: 0x10_0000n } as const;

/**
 * The IOMMU of one machine: groups, one DMA domain per group (created on first use), one IOTLB.
 * Devices in `none` or `passthrough` mode use the direct path (no domain). Owned by a Kernel
 * instance; no module state.
 */
export class Iommu {
  readonly fabric: Fabric;
  readonly config: IommuConfig;
  readonly iotlb: Iotlb;
  readonly log: LogLine[] = [];
  readonly #groups: Map<string, GroupInfo>;
  readonly #domains = new Map<number, IommuDomain>();
  readonly #untrusted: ReadonlySet<string>;
  readonly #dac = new Set<string>();
  readonly #clock: SimClock | undefined;
  readonly #violations: ViolationLog | undefined;
  #sink: CostSink | undefined;

  constructor(
    fabric: Fabric,
    config: IommuConfig,
    opts: { clock?: SimClock; violations?: ViolationLog } = {},
  ) {
    this.fabric = fabric;
    this.config = config;
    this.iotlb = new Iotlb(config.iotlbEntries ?? DEFAULT_IOTLB_ENTRIES);
    this.#groups = iommuGroups(fabric);
    this.#untrusted = new Set(config.untrusted ?? []);
    this.#clock = opts.clock;
    this.#violations = opts.violations;
  }

  group(f: PciFunction): GroupInfo | undefined {
    return this.#groups.get(f.bdf);
  }

  /** All groups, by id. */
  groups(): GroupInfo[] {
    return [...new Set(this.#groups.values())].sort((a, b) => a.id - b.id);
  }

  isUntrusted(f: PciFunction): boolean {
    return this.#untrusted.has(f.bdf);
  }

  /**
   * The mode that applies to `f`: untrusted devices (and their whole group) are forced strict
   * unless there is no IOMMU; lazy without deferred-flush support is strict.
   */
  modeOf(f: PciFunction): IommuMode {
    if (this.config.mode === 'none') return 'none';
    const g = this.group(f);
    const anyUntrusted = g ? g.members.some((m) => this.#untrusted.has(m)) : this.isUntrusted(f);
    if (anyUntrusted) return 'strict';
    if (this.config.mode === 'lazy' && this.config.deferredFlush === false) return 'strict';
    return this.config.mode;
  }

  /** True when `f`'s DMA goes through a DMA domain (dma-iommu), false for the direct path. */
  translating(f: PciFunction): boolean {
    const m = this.modeOf(f);
    return m === 'strict' || m === 'lazy';
  }

  /** The DMA domain of `f`'s group (null on the direct path). */
  domainOf(f: PciFunction): IommuDomain | null {
    if (!this.translating(f)) return null;
    const gid = this.group(f)?.id ?? -1;
    let d = this.#domains.get(gid);
    if (d === undefined) {
      d = this.#newDomain(gid, this.modeOf(f) === 'lazy' ? 'DMA-FQ' : 'DMA');
      this.#domains.set(gid, d);
    }
    return d;
  }

  /** Route every domain's counters (existing and future) into `sink` (undefined: stop). */
  setSink(sink: CostSink | undefined): void {
    this.#sink = sink;
    for (const d of this.#domains.values()) d.sink = sink ?? { count: () => {} };
  }

  /**
   * Below-4-GiB first attempt (single-address-cycle optimisation) still active for `f`?
   * Cleared for good after the first failure, with the notice the kernel prints.
   */
  sacFirst(f: PciFunction): boolean {
    return !this.config.forceDac && !this.#dac.has(f.bdf);
  }

  disableSac(f: PciFunction, bits: number): void {
    if (this.#dac.has(f.bdf)) return;
    this.#dac.add(f.bdf);
    this.log.push({ level: 'notice', text: `pci ${f.bdf}: Using ${bits}-bit DMA addresses` });
  }

  /** What address a DMA by `f` at `addr` reaches in CPU-physical space (identity when direct). */
  translate(f: PciFunction, addr: bigint, access: Access): KResult<bigint> {
    const d = this.domainOf(f);
    return d === null ? ok(addr) : d.translate(addr, access);
  }

  /** Drain every flush queue (as if all timers fired). */
  flushAll(): void {
    for (const d of this.#domains.values()) d.flush();
  }

  snapshot(): IommuSnapshot {
    const ptes = zeroPerPageSize();
    let iovaRanges = 0;
    let iovaBytes = 0n;
    let tablePages = 0;
    let fqPending = 0;
    let fqPendingBytes = 0n;
    for (const d of this.#domains.values()) {
      const c = d.pt.counts;
      ptes['4K'] += c['4K'];
      ptes['2M'] += c['2M'];
      ptes['1G'] += c['1G'];
      const st = d.iova.stats;
      iovaRanges += st.ranges;
      iovaBytes += st.bytes;
      tablePages += d.pt.tablePages;
      fqPending += d.pending;
      fqPendingBytes += d.pendingBytes;
    }
    return {
      iovaRanges,
      iovaBytes,
      inUseRanges: iovaRanges - fqPending,
      inUseBytes: iovaBytes - fqPendingBytes,
      ptes,
      tablePages,
      iotlbEntries: this.iotlb.size,
      fqPending,
      fqPendingBytes,
    };
  }

  #newDomain(id: number, type: 'DMA' | 'DMA-FQ'): IommuDomain {
    const iova = new IovaAllocator();
    for (const f of this.fabric.functions) {
      for (const b of f.bars) if (b.space === 'mem') iova.reserve(b.start, b.size);
      for (const w of f.windows) if (w.space !== 'io') iova.reserve(w.start, w.size);
    }
    iova.reserve(MSI_WINDOW.start, MSI_WINDOW.size);
    for (const r of this.config.reserved ?? []) iova.reserve(r.start, r.size);
    const d = new IommuDomain({
      id,
      type,
      iova,
      pt: new IoPageTable(this.config.pageSizes ?? DEFAULT_PAGE_SIZES),
      iotlb: this.iotlb,
      fq: this.config.flushQueue ?? FQ_PERCPU,
      apertureEnd: (1n << BigInt(this.config.addressBits ?? 48)) - 1n,
      ...(this.#clock !== undefined ? { clock: this.#clock } : {}),
      ...(this.#violations !== undefined ? { violations: this.#violations } : {}),
    });
    if (this.#sink !== undefined) d.sink = this.#sink;
    return d;
  }
}
