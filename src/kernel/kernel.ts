import { SimClock } from '../core/clock.js';
import { type LogLine, ViolationLog } from '../core/violations.js';
import { DmaBufCore } from '../dmabuf/core.js';
import {
  type DmaBufConfig,
  type DmaBufRules,
  dmabufRulesFor,
  type KernelVersion,
} from '../dmabuf/rules.js';
import { type DmaDevice, pciDevice, platformDevice } from '../dmabuf/types.js';
import { FenceSystem } from '../fence/system.js';
import { FabricBuilder } from '../pci/builder.js';
import type { Fabric } from '../pci/fabric.js';
import { FileTable } from '../proc/files.js';
import type { Process } from '../proc/process.js';
import { ProcessTable } from '../proc/procs.js';
import { DEFAULT_RULE_SET, parseRuleSet } from './rules.js';

/** IOMMU configuration (placeholder until src/iommu's model lands): the boot-time DMA mode. */
export type IommuMode = 'none' | 'passthrough' | 'strict' | 'lazy';
export interface IommuConfig {
  readonly mode: IommuMode;
}

export interface KernelOptions {
  /** The machine; default: an empty fabric. */
  readonly fabric?: Fabric;
  /** `linux-<major>.<minor>`; default `linux-6.19`. */
  readonly ruleSet?: string;
  /** Default `{ mode: 'strict' }`. */
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
 * the dma-buf core, the fence system, simulated time, the violation log and the kernel log.
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

  constructor(opts: KernelOptions = {}) {
    this.fabric = opts.fabric ?? new FabricBuilder().build();
    this.ruleSet = opts.ruleSet ?? DEFAULT_RULE_SET;
    this.version = parseRuleSet(this.ruleSet);
    this.iommu = opts.iommu ?? { mode: 'strict' };
    this.pageSize = opts.pageSize ?? 4096;
    this.violations = new ViolationLog({ strict: opts.strict ?? false });
    this.fences = new FenceSystem({
      clock: this.clock,
      log: this.violations,
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
   * dma-bufs, attachments, mappings, pins, vmaps, held locks, live fences/resvs/sync_files/timers
   * and whatever the registered probes report. Empty when back to the initial state.
   */
  checkPristine(): string[] {
    const out = [...this.procs.openFdList()];
    for (const f of this.files.live)
      out.push(`file ${f.id} (${f.fops.kind}, ino ${f.ino}) count ${f.count}`);
    out.push(...this.dmabuf.leakReport());
    const live = this.fences.liveObjects();
    for (const [k, v] of Object.entries(live)) if (v !== 0) out.push(`fence layer: ${v} live ${k}`);
    for (const [name, probe] of this.#probes) for (const s of probe()) out.push(`${name}: ${s}`);
    return out;
  }
}
