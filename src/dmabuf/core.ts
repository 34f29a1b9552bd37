import { type KResult, kerr, ok, unwrap } from '../core/errno.js';
import { RULE, type RuleId } from '../core/rule-ids.js';
import type { LogLine, ViolationLog } from '../core/violations.js';
import { DIRECTION_NAMES } from '../dma/types.js';
import type { FenceSystem } from '../fence/system.js';
import type { FileTable } from '../proc/files.js';
import type { Process } from '../proc/process.js';
import type { FileOps, Vma } from '../proc/types.js';
import { O } from '../proc/types.js';
import { attachImpl, detachImpl } from './attach.js';
import {
  beginCpuAccess,
  endCpuAccess,
  kernelMmap,
  vmap,
  vmapUnlocked,
  vunmap,
  vunmapUnlocked,
} from './cpu.js';
import type { MangleStash } from './debug.js';
import { exportImpl } from './export.js';
import {
  assertMappingUsable,
  mapAttachment,
  mapAttachmentUnlocked,
  moveNotify,
  pin,
  unmapAttachment,
  unmapAttachmentUnlocked,
  unpin,
} from './map.js';
import type { DmaBuf, DmaBufAttachment, MappingRecord } from './objects.js';
import type { DmaBufConfig, DmaBufRules } from './rules.js';
import type {
  DmaBufAttachOps,
  DmaBufExportInfo,
  DmaDataDirection,
  DmaDevice,
  IosysMap,
  SgTable,
} from './types.js';
import { dmaBufFileOps } from './uapi.js';

/** What the dma-buf core needs from its Kernel. */
export interface DmaBufEnv {
  readonly rules: DmaBufRules;
  readonly config: DmaBufConfig;
  readonly violations: ViolationLog;
  readonly files: FileTable;
  readonly fences: FenceSystem;
  readonly pageSize: number;
  printk(level: LogLine['level'], text: string): void;
}

/** A mapping left behind by a detach that did not unmap first (spec §1.5.5): a leak. */
export interface LeakedMapping {
  readonly attach: DmaBufAttachment;
  readonly mapping: MappingRecord;
}

/**
 * The dma-buf core of one Kernel (drivers/dma-buf/dma-buf.c): the global buffer list, the inode
 * counter, and every `dma_buf_*` entry point. Errors are `KResult`s; WARNs go to the ViolationLog;
 * BUGs throw KernelBug. Method names follow the kernel function names without the `dma_buf_` prefix.
 */
export class DmaBufCore {
  /** The global dma-buf list (debugfs/BPF iterator order: export order). */
  readonly list: DmaBuf[] = [];
  /** Mappings leaked by detach-without-unmap (kept so the leak stays visible). */
  readonly leaks: LeakedMapping[] = [];
  /** Attachments still attached when their buffer was released (spec §7.8): leaked. */
  readonly orphans: DmaBufAttachment[] = [];
  /** Attachments detached while still pinned through dma_buf_pin: their pins leak. */
  readonly pinLeaks: DmaBufAttachment[] = [];
  /** File operations of every dma-buf file of this core. */
  readonly fops: FileOps = dmaBufFileOps(this);
  /** @internal CPU views hidden by CONFIG_DMABUF_DEBUG's XOR mangling, restored at unmap. */
  readonly mangled: MangleStash = new Map();
  /** @internal next inode number. */
  nextIno = 1;

  constructor(readonly env: DmaBufEnv) {}

  // ── Export, fds, references (spec §1.2–1.4) ──────────────────────────────────────────────
  /** dma_buf_export: validate ops, create the file. The caller owns the one file reference. */
  export(info: DmaBufExportInfo): KResult<DmaBuf> {
    return exportImpl(this, info);
  }

  /** dma_buf_fd: install the caller's reference as a new fd of `proc` (O_CLOEXEC honoured). */
  fd(dmabuf: DmaBuf | null, proc: Process, flags = 0): KResult<number> {
    if (!dmabuf || this.useAfterFree(dmabuf, 'dma_buf_fd'))
      return kerr('EINVAL', 'dma_buf_fd: no buffer');
    return proc.installFd(dmabuf.file, flags & O.CLOEXEC);
  }

  /** dma_buf_get: a new reference from an fd; -EBADF for no file, -EINVAL for a non-dma-buf file. */
  get(proc: Process, fd: number): KResult<DmaBuf> {
    const f = proc.fget(fd);
    if (!f.ok) return f;
    if (f.value.fops.kind !== 'dmabuf') {
      this.env.files.put(f.value);
      return kerr('EINVAL', `dma_buf_get: fd ${fd} is not a dma-buf`);
    }
    const b = f.value.priv as DmaBuf;
    this.warnIfHeld(b, 'dma_buf_get');
    return ok(b);
  }

  /** dma_buf_put: drop one reference; null → WARN, no-op. The last one releases the buffer. */
  put(dmabuf: DmaBuf | null): void {
    if (!dmabuf) {
      this.env.violations.report('WARN', RULE.spec7_6, 'dma_buf_put: NULL dmabuf');
      return;
    }
    if (this.useAfterFree(dmabuf, 'dma_buf_put')) return;
    this.warnIfHeld(dmabuf, 'dma_buf_put');
    this.env.files.put(dmabuf.file);
  }

  /** get_dma_buf: one more file reference. */
  getDmaBuf(dmabuf: DmaBuf): void {
    if (this.useAfterFree(dmabuf, 'get_dma_buf')) return;
    this.env.files.get(dmabuf.file);
  }

  // ── Attachments (spec §1.5) ──────────────────────────────────────────────────────────────
  /** dma_buf_attach: a static attachment (never peer2peer). */
  attach(dmabuf: DmaBuf | null, dev: DmaDevice | null): KResult<DmaBufAttachment> {
    if (dmabuf && this.useAfterFree(dmabuf, 'dma_buf_attach'))
      return kerr('EINVAL', 'dma_buf_attach: freed buffer');
    return attachImpl(this, dmabuf, dev, null, null);
  }

  /** dma_buf_dynamic_attach: `importerOps` must carry `move_notify`. */
  dynamicAttach(
    dmabuf: DmaBuf | null,
    dev: DmaDevice | null,
    importerOps: DmaBufAttachOps | null,
    importerPriv: unknown = null,
  ): KResult<DmaBufAttachment> {
    if (dmabuf && this.useAfterFree(dmabuf, 'dma_buf_dynamic_attach')) {
      return kerr('EINVAL', 'dma_buf_dynamic_attach: freed buffer');
    }
    return attachImpl(this, dmabuf, dev, importerOps, importerPriv);
  }

  /** dma_buf_detach. A foreign or null attachment → WARN, no-op. */
  detach(dmabuf: DmaBuf | null, attach: DmaBufAttachment | null): void {
    detachImpl(this, dmabuf, attach);
  }

  // ── Pin, map, invalidate (spec §1.6, 1.7, 1.10) — resv lock held by the caller ───────────
  pin(attach: DmaBufAttachment | null): KResult<void> {
    return pin(this, attach);
  }
  unpin(attach: DmaBufAttachment | null): void {
    unpin(this, attach);
  }
  mapAttachment(attach: DmaBufAttachment | null, dir: DmaDataDirection): KResult<SgTable> {
    return mapAttachment(this, attach, dir);
  }
  unmapAttachment(
    attach: DmaBufAttachment | null,
    sgt: SgTable | null,
    dir: DmaDataDirection,
  ): void {
    unmapAttachment(this, attach, sgt, dir);
  }
  /** Takes and drops the reservation lock itself. */
  mapAttachmentUnlocked(attach: DmaBufAttachment | null, dir: DmaDataDirection): KResult<SgTable> {
    return mapAttachmentUnlocked(this, attach, dir);
  }
  unmapAttachmentUnlocked(
    attach: DmaBufAttachment | null,
    sgt: SgTable | null,
    dir: DmaDataDirection,
  ): void {
    unmapAttachmentUnlocked(this, attach, sgt, dir);
  }
  /** dma_buf_move_notify (exporter, lock held). `except`: model option to skip the attachment that caused the move. */
  moveNotify(dmabuf: DmaBuf, except?: DmaBufAttachment): void {
    if (this.useAfterFree(dmabuf, 'dma_buf_move_notify')) return;
    moveNotify(this, dmabuf, except);
  }
  /** Checking mode: an importer is about to start DMA with `sgt` (spec §7.21, §7.27). */
  assertMappingUsable(attach: DmaBufAttachment, sgt: SgTable): boolean {
    return assertMappingUsable(this, attach, sgt);
  }

  // ── CPU access (spec §1.9) ───────────────────────────────────────────────────────────────
  beginCpuAccess(dmabuf: DmaBuf | null, dir: DmaDataDirection): KResult<void> {
    if (dmabuf && this.useAfterFree(dmabuf, 'dma_buf_begin_cpu_access'))
      return kerr('EINVAL', 'freed buffer');
    return beginCpuAccess(this, dmabuf, dir);
  }
  endCpuAccess(dmabuf: DmaBuf | null, dir: DmaDataDirection): KResult<void> {
    return endCpuAccess(this, dmabuf, dir);
  }
  vmap(dmabuf: DmaBuf | null): KResult<IosysMap> {
    if (dmabuf && this.useAfterFree(dmabuf, 'dma_buf_vmap')) return kerr('EINVAL', 'freed buffer');
    return vmap(this, dmabuf);
  }
  vunmap(dmabuf: DmaBuf | null, map: IosysMap): void {
    vunmap(this, dmabuf, map);
  }
  vmapUnlocked(dmabuf: DmaBuf | null): KResult<IosysMap> {
    return vmapUnlocked(this, dmabuf);
  }
  vunmapUnlocked(dmabuf: DmaBuf | null, map: IosysMap): void {
    vunmapUnlocked(this, dmabuf, map);
  }
  /** dma_buf_mmap: forward an importer's VMA to the buffer at page offset `pgoff`. */
  mmap(dmabuf: DmaBuf | null, vma: Vma | null, pgoff: bigint): KResult<void> {
    return kernelMmap(this, dmabuf, vma, pgoff);
  }

  // ── Locking helpers (spec §1.11) ─────────────────────────────────────────────────────────
  /** dma_resv_lock on the buffer's reservation object. Taking it twice self-deadlocks (BUG). */
  lock(dmabuf: DmaBuf): void {
    if (dmabuf.resv.isLocked) this.deadlock(dmabuf, 'dma_resv_lock');
    unwrap(dmabuf.resv.lock(null));
  }
  unlock(dmabuf: DmaBuf): void {
    dmabuf.resv.unlock();
  }
  isLocked(dmabuf: DmaBuf): boolean {
    return dmabuf.resv.isLocked;
  }
  /** Run `fn` with the lock held (taking it), unlocking on every path. */
  withLock<T>(dmabuf: DmaBuf, fn: () => T): T {
    this.lock(dmabuf);
    try {
      return fn();
    } finally {
      this.unlock(dmabuf);
    }
  }

  /** @internal lockdep assertion (spec §7.15): a LOCKDEP violation when the lock is not held. */
  assertHeld(dmabuf: DmaBuf, fn: string): void {
    if (!this.isLocked(dmabuf)) {
      this.env.violations.report(
        'LOCKDEP',
        RULE.spec7_15,
        `${fn}: dma_resv_assert_held failed (buffer ${dmabuf.ino})`,
      );
    }
  }

  /**
   * @internal a must-not-hold entry point that does not itself lock (get, put, export, mmap, CPU
   * access): the kernel notices nothing until something deeper locks, so the model flags a CHECK.
   */
  warnIfHeld(dmabuf: DmaBuf, fn: string): void {
    if (this.isLocked(dmabuf)) {
      this.check(
        RULE.spec7_16,
        `${fn} called with the reservation lock of buffer ${dmabuf.ino} held`,
      );
    }
  }

  /** @internal a recursive lock attempt: lockdep report, then the task hangs (BUG, spec §7.16/17). */
  deadlock(dmabuf: DmaBuf, fn: string): never {
    this.env.violations.report(
      'LOCKDEP',
      RULE.spec7_16,
      `possible recursive locking detected: ${fn} on reservation lock of buffer ${dmabuf.ino} already held`,
    );
    return this.env.violations.bug(
      RULE.spec7_16,
      `${fn}: self-deadlock on the reservation lock of buffer ${dmabuf.ino}`,
    );
  }

  /**
   * @internal a buffer used after its release (spec §7.4: e.g. an exporter touching the object
   * after `dma_buf_fd` while user space already closed the fd). CHECK violation; true when freed.
   */
  useAfterFree(dmabuf: DmaBuf, fn: string): boolean {
    if (!dmabuf.released) return false;
    this.check(
      RULE.spec7_4,
      `${fn}: use-after-free of dma-buf ${dmabuf.ino} (released when its last file reference dropped)`,
    );
    return true;
  }

  /** @internal a CHECK violation (silent in the kernel) when checking mode is on. */
  check(rule: RuleId, message: string): void {
    if (this.env.config.checks) this.env.violations.report('CHECK', rule, message);
  }

  // ── Introspection ────────────────────────────────────────────────────────────────────────
  /** Everything still alive, as leak strings (empty when the core is back to its initial state). */
  leakReport(): string[] {
    const out: string[] = [];
    for (const b of this.list) {
      out.push(
        `dma-buf ${b.ino} (${b.expName}, ${b.size} bytes) alive, file count ${b.file.count}`,
      );
      for (const a of b.attachments) {
        out.push(`dma-buf ${b.ino}: attachment for ${a.dev.name} not detached`);
      }
      if (b.vmappingCounter > 0) out.push(`dma-buf ${b.ino}: vmap counter ${b.vmappingCounter}`);
      if (this.isLocked(b)) out.push(`dma-buf ${b.ino}: reservation lock held`);
    }
    for (const b of this.list) {
      for (const a of b.attachments) {
        for (const m of a.mappings)
          out.push(
            `dma-buf ${b.ino}: ${a.dev.name} mapping (${DIRECTION_NAMES[m.dir]}) not unmapped`,
          );
        if (a.pinCount > 0) out.push(`dma-buf ${b.ino}: ${a.dev.name} pinned ${a.pinCount}×`);
      }
    }
    for (const a of this.orphans) {
      out.push(`dma-buf ${a.dmabuf.ino}: attachment for ${a.dev.name} leaked past release`);
    }
    for (const a of this.pinLeaks) {
      out.push(`dma-buf ${a.dmabuf.ino}: ${a.dev.name} detached while pinned ${a.pinCount}×`);
    }
    for (const l of this.leaks) {
      out.push(`dma-buf ${l.attach.dmabuf.ino}: ${l.attach.dev.name} mapping leaked by detach`);
    }
    return out;
  }

  /**
   * Model-only cleanup of mappings leaked by detach-without-unmap: hands each back to the exporter
   * (what a fixed importer would have done before detaching). For tests of the leak itself.
   */
  reclaimLeaks(): number {
    const n = this.leaks.length + this.orphans.length + this.pinLeaks.length;
    this.orphans.splice(0);
    for (const a of this.pinLeaks.splice(0)) {
      this.withLock(a.dmabuf, () => {
        for (; a.pinCount > 0; a.pinCount--) a.dmabuf.ops.unpin?.(a);
      });
    }
    for (const { attach, mapping } of this.leaks.splice(0)) {
      const b = attach.dmabuf;
      this.withLock(b, () => {
        b.ops.unmap_dma_buf(attach, mapping.exporterSgt, mapping.dir);
        if (mapping.pinnedOnMap) b.ops.unpin?.(attach);
      });
    }
    return n;
  }
}
