import { SimClock } from '../core/clock.js';
import { type LogLine, type ProtocolViolation, ViolationLog } from '../core/violations.js';
import { DmaApi } from '../dma/api.js';
import type { MapType as DmaMapType } from '../dma/types.js';
import { DmaBufCore } from '../dmabuf/core.js';
import {
  type DmaBufConfig,
  type DmaBufRules,
  dmabufRulesFor,
  type KernelVersion,
} from '../dmabuf/rules.js';
import { type DmaDevice, pciDevice, platformDevice } from '../dmabuf/types.js';
import { FenceSystem } from '../fence/system.js';
import { Iommu, type IommuConfig } from '../iommu/iommu.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { FabricBuilder } from '../pci/builder.js';
import type { Fabric } from '../pci/fabric.js';
import { FileTable } from '../proc/files.js';
import type { Process } from '../proc/process.js';
import { ProcessTable } from '../proc/procs.js';
import { DEFAULT_RULE_SET, fenceRulesFor, modelledVersion, p2pRuleSetFor } from './rules.js';

export type { IommuConfig } from '../iommu/iommu.js';
export type { IommuMode } from '../iommu/types.js';

export interface KernelOptions {
  /** The machine; default: an empty fabric. */
  readonly fabric?: Fabric;
  /** `linux-<major>.<minor>`; default `linux-6.19`. */
  readonly ruleSet?: string;
  /** Default `{ mode: 'strict' }` (flush queue, page sizes, untrusted devices: src/iommu). */
  readonly iommu?: IommuConfig;
  /** Throw on the first WARN-class violation (tests). Default false. */
  readonly strict?: boolean;
  /** Flag misuse the kernel does not detect as CHECK violations. Default true. */
  readonly checks?: boolean;
  /** CONFIG_DMABUF_MOVE_NOTIFY. Default false (the kernel's default). */
  readonly moveNotify?: boolean;
  /** CONFIG_DMABUF_DEBUG. Default false. */
  readonly dmabufDebug?: boolean;
  /** CONFIG_DMA_API_DEBUG. Default false. */
  readonly dmaApiDebug?: boolean;
  /** CONFIG_DEBUG_MUTEXES (resv reservations shrink at unlock). Default true. */
  readonly debugMutexes?: boolean;
  /** PAGE_SIZE. Default 4096. */
  readonly pageSize?: number;
}

/** A leak probe: returns one string per thing still alive that should not be. */
export type LeakProbe = () => string[];

/**
 * One simulated machine's kernel: fabric, rule set, IOMMU configuration, processes and files,
 * the dma-buf core, the fence system, simulated time, the violation log and the kernel log, and
 * (created on first use) the machine's IOMMU, its P2PDMA verdicts and the DMA API over both, so
 * every layer and driver on this Kernel shares one instance of each.
 * All state lives here (no module globals), so two Kernels can run side by side.
 */
export class Kernel {
  readonly fabric: Fabric;
  readonly ruleSet: string;
  readonly version: KernelVersion;
  readonly iommu: IommuConfig;
  readonly pageSize: number;
  readonly clock = new SimClock();
  readonly violations: ViolationLog;
  /** The kernel log (dmesg) as data. */
  readonly log: LogLine[] = [];
  /** Fences, reservation objects, sync_files; also the fence-context allocator. */
  readonly fences: FenceSystem;
  readonly files: FileTable;
  readonly procs: ProcessTable;
  readonly dmabuf: DmaBufCore;
  readonly dmabufRules: DmaBufRules;
  readonly dmabufConfig: DmaBufConfig;
  readonly #probes = new Map<string, LeakProbe>();
  readonly #services = new Map<string, unknown>();
  #iommuUnit: Iommu | undefined;
  #p2pdma: P2pdma | undefined;
  #dma: DmaApi | undefined;

  constructor(opts: KernelOptions = {}) {
    this.fabric = opts.fabric ?? new FabricBuilder().build();
    this.ruleSet = opts.ruleSet ?? DEFAULT_RULE_SET;
    this.version = modelledVersion(this.ruleSet);
    this.iommu = opts.iommu ?? { mode: 'strict' };
    this.pageSize = opts.pageSize ?? 4096;
    this.violations = new ViolationLog({
      strict: opts.strict ?? false,
      onReport: (v) => this.#dmesgViolation(v),
      onBug: (rule, message) => this.printk('err', `kernel BUG: ${message} [${rule}]`),
    });
    this.fences = new FenceSystem({
      clock: this.clock,
      log: this.violations,
      ...fenceRulesFor(this.version),
      ...(opts.debugMutexes === undefined ? {} : { debugMutexes: opts.debugMutexes }),
    });
    this.files = new FileTable(this.violations);
    this.procs = new ProcessTable(this.files, this.pageSize);
    this.dmabufRules = dmabufRulesFor(this.ruleSet, this.version);
    this.dmabufConfig = {
      moveNotify: opts.moveNotify ?? false,
      dmabufDebug: opts.dmabufDebug ?? false,
      dmaApiDebug: opts.dmaApiDebug ?? false,
      checks: opts.checks ?? true,
    };
    this.dmabuf = new DmaBufCore({
      rules: this.dmabufRules,
      config: this.dmabufConfig,
      violations: this.violations,
      files: this.files,
      fences: this.fences,
      pageSize: this.pageSize,
      printk: (level, text) => this.printk(level, text),
    });
  }

  /** Append a line to the kernel log. */
  printk(level: LogLine['level'], text: string): void {
    this.log.push({ level, text });
  }

  /**
   * What the kernel prints for a recorded violation. CHECK violations are the model's own checking
   * mode (the real kernel is silent), so they stay out of dmesg.
   */
  #dmesgViolation(v: ProtocolViolation): void {
    const head: Record<ProtocolViolation['kind'], string | null> = {
      WARN: 'WARNING:',
      WARN_ONCE: 'WARNING:',
      LOCKDEP: 'WARNING: lockdep:',
      MIGHT_SLEEP: 'BUG: sleeping function called from invalid context:',
      CHECK: null,
    };
    const h = head[v.kind];
    if (h !== null)
      this.printk(v.kind === 'MIGHT_SLEEP' ? 'err' : 'warn', `${h} ${v.message} [${v.rule}]`);
  }

  /** The machine's IOMMU in this Kernel's mode (groups, DMA domains, IOTLB, flush queues). */
  get iommuUnit(): Iommu {
    this.#iommuUnit ??= new Iommu(this.fabric, this.iommu, {
      clock: this.clock,
      violations: this.violations,
    });
    return this.#iommuUnit;
  }

  /** The P2PDMA verdicts for this Kernel's release (its fold of the p2pdma history). */
  get p2pdma(): P2pdma {
    if (this.#p2pdma === undefined) {
      this.#p2pdma = new P2pdma(this.fabric, p2pRuleSetFor(this.ruleSet));
      for (const line of this.#p2pdma.kernelLog) this.printk('info', line);
    }
    return this.#p2pdma;
  }

  /** The DMA API (dma_map_resource, dma_map_sg, IOVA API) over this Kernel's IOMMU and P2PDMA. */
  get dma(): DmaApi {
    if (this.#dma === undefined) {
      const p2p = this.p2pdma;
      this.#dma = new DmaApi({
        iommu: this.iommuUnit,
        violations: this.violations,
        mapType: (provider, client): DmaMapType => {
          const t = p2p.mapType(provider, client);
          return typeof t === 'string' ? t : 'UNKNOWN';
        },
      });
    }
    return this.#dma;
  }

  /**
   * Let deferred work finish, as the kernel does at quiescence: expire every pending lazy-IOMMU
   * flush-queue timer (the IOVAs it holds are freed). Simulated time does not move.
   */
  quiesce(): void {
    this.#iommuUnit?.flushAll();
  }

  /**
   * Work the kernel has queued and will finish by itself (not leaks): unmapped IOVA ranges waiting
   * in a lazy-mode flush queue for their IOTLB invalidation.
   */
  deferredWork(): string[] {
    const pending = this.#iommuUnit?.snapshot().fqPending ?? 0;
    return pending > 0 ? [`iommu: ${pending} unmapped IOVA range(s) in the lazy flush queue`] : [];
  }

  /** dma_fence_context_alloc(n). */
  fenceContextAlloc(n = 1): bigint {
    return this.fences.contextAlloc(n);
  }

  /** A new process (pid from 1000 up). */
  spawn(name: string, opts: { rlimitNofile?: number } = {}): Process {
    return this.procs.spawn(name, opts);
  }

  /** The importer device for a fabric function (BDF, suffix or spec name), with DMA parameters. */
  pciDevice(query: string, opts: Parameters<typeof pciDevice>[1] = {}): DmaDevice {
    return pciDevice(this.fabric.resolve(query), opts);
  }

  /** A non-PCI device. */
  platformDevice(name: string): DmaDevice {
    return platformDevice(name);
  }

  /**
   * Per-Kernel state of another layer (IOMMU domains, p2pdma caches, driver instances): created on
   * first use by `create`, then returned as is. Keeps every layer's state inside this Kernel.
   */
  service<T>(name: string, create: (k: Kernel) => T): T {
    if (!this.#services.has(name)) this.#services.set(name, create(this));
    return this.#services.get(name) as T;
  }

  /** Later layers (IOVAs, device memory) add their own leak checks to `checkPristine`. */
  registerLeakProbe(name: string, probe: LeakProbe): void {
    this.#probes.set(name, probe);
  }

  /**
   * Everything that keeps this Kernel from its initial state: open fds and VMAs, live files,
   * dma-bufs, attachments, mappings, pins, vmaps, held locks, live fences/resvs/sync_files/timers,
   * IOVAs and IOMMU PTEs still mapped, and whatever the registered probes report. Empty when back
   * to the initial state. IOVA ranges waiting in a lazy flush queue are not leaks (the queue's
   * timer frees them with no further call): they are listed by `deferredWork()` instead, and
   * `quiesce()` drains them.
   */
  checkPristine(): string[] {
    const out = [...this.procs.openFdList()];
    for (const f of this.files.live)
      out.push(`file ${f.id} (${f.fops.kind}, ino ${f.ino}) count ${f.count}`);
    out.push(...this.dmabuf.leakReport());
    const live = this.fences.liveObjects();
    for (const [k, v] of Object.entries(live)) if (v !== 0) out.push(`fence layer: ${v} live ${k}`);
    if (this.#iommuUnit !== undefined) {
      const s = this.#iommuUnit.snapshot();
      const ranges = s.inUseRanges;
      const leaf = s.ptes['4K'] + s.ptes['2M'] + s.ptes['1G'];
      if (ranges > 0 || leaf > 0)
        out.push(`iommu: ${ranges} IOVA range(s) allocated, ${leaf} PTE(s) still mapped`);
    }
    for (const [name, probe] of this.#probes) for (const s of probe()) out.push(`${name}: ${s}`);
    return out;
  }
}
