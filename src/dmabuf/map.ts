import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { DIRECTION_NAMES, DMA_BIDIRECTIONAL } from '../dma/types.js';
import { DMA_RESV_USAGE, MAX_SCHEDULE_TIMEOUT } from '../fence/types.js';
import type { DmaBufCore } from './core.js';
import { applyDebug, undoDebug } from './debug.js';
import type { DmaBuf, DmaBufAttachment, MappingRecord } from './objects.js';
import type { DmaDataDirection, SgTable } from './types.js';

const KERNEL = DMA_RESV_USAGE.KERNEL;
const U32 = 1n << 32n;
const dn = (d: DmaDataDirection): string => DIRECTION_NAMES[d] ?? String(d);

/**
 * The lock rule for map/unmap (spec §1.7.3, §1.11): every importer since 6.2. Before 6.2 a dynamic
 * importer asserted first, and a dynamic exporter only after the cached-table shortcut (`phase`).
 */
function assertMapLock(
  core: DmaBufCore,
  a: DmaBufAttachment,
  fn: string,
  phase: 'entry' | 'exporter',
): void {
  const all = core.env.rules.lockAllImporters;
  const need = phase === 'entry' ? all || a.isDynamic : !all && !a.isDynamic && a.dmabuf.isDynamic;
  if (need) core.assertHeld(a.dmabuf, fn);
}

/** Pin-on-map (spec §1.7.4): dynamic exporter and (static attachment or no MOVE_NOTIFY). */
const pinOnMap = (core: DmaBufCore, a: DmaBufAttachment): boolean =>
  a.dmabuf.isDynamic && (!a.isDynamic || !core.env.config.moveNotify);

/**
 * @internal __map_dma_buf: call ops.map_dma_buf (NULL → -ENOMEM), check the segments, let a static
 * importer wait (interruptibly) for KERNEL fences — unmapping again if that fails — then apply
 * CONFIG_DMABUF_DEBUG. The caller undoes any pin on error.
 */
export function exporterMap(
  core: DmaBufCore,
  a: DmaBufAttachment,
  dir: DmaDataDirection,
): KResult<{ sgt: SgTable; exporterSgt: SgTable }> {
  const r = a.dmabuf.ops.map_dma_buf(a, dir);
  if (r === null)
    return kerr('ENOMEM', `dma_buf_map_attachment: exporter ${a.dmabuf.expName} returned NULL`);
  if (!r.ok) return r;
  const exporterSgt = r.value;
  if (!a.isDynamic && core.env.rules.staticMapWaitsKernelFences) {
    const w = a.dmabuf.resv.waitTimeout(KERNEL, true, MAX_SCHEDULE_TIMEOUT);
    if (!w.ok) {
      a.dmabuf.ops.unmap_dma_buf(a, exporterSgt, dir);
      return w;
    }
  }
  const { config, pageSize } = core.env;
  const ps = BigInt(pageSize);
  if (
    !a.peer2peer &&
    (exporterSgt.dma.some((d) => d.busAddr) || exporterSgt.cpu.some((c) => c.p2pProvider))
  ) {
    core.check(
      RULE.spec7_11,
      `${a.dmabuf.expName}: peer-to-peer addresses handed to ${a.dev.name}, which has peer2peer == false`,
    );
  }
  for (const seg of exporterSgt.dma) {
    if (seg.len >= U32) {
      core.check(
        RULE.spec7_24,
        `${a.dev.name}: sg entry of ${seg.len} bytes does not fit sg_dma_len (32-bit)`,
      );
    }
    if (config.dmaApiDebug && (seg.dmaAddr % ps !== 0n || seg.len % ps !== 0n)) {
      core.env.printk(
        'debug',
        `dma_buf_map_attachment: addr ${seg.dmaAddr.toString(16)} or len ${seg.len.toString(16)} is not page aligned!`,
      );
    }
  }
  return ok({ sgt: applyDebug(core.env, core.mangled, exporterSgt), exporterSgt });
}

/** @internal undo the debug transformation and call ops.unmap_dma_buf. */
export function exporterUnmap(
  core: DmaBufCore,
  a: DmaBufAttachment,
  rec: MappingRecord,
  dir = rec.dir,
): void {
  undoDebug(core.mangled, rec.exporterSgt);
  a.dmabuf.ops.unmap_dma_buf(a, rec.exporterSgt, dir);
}

/**
 * The pin calls' checks: a NULL attachment is a WARN (false: stop), a static one a WARN (spec7.14),
 * and the reservation lock must be held.
 */
function pinArgsOk(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  fn: string,
): a is DmaBufAttachment {
  const { violations } = core.env;
  if (!a) {
    violations.report('WARN', RULE.dmabufPinNull, `${fn}: NULL attachment`);
    return false;
  }
  if (!a.isDynamic)
    violations.report('WARN', RULE.spec7_14, `${fn}: ${a.dev.name} is a static attachment`);
  core.assertHeld(a.dmabuf, fn);
  return true;
}

export function pin(core: DmaBufCore, a: DmaBufAttachment | null): KResult<void> {
  if (!pinArgsOk(core, a, 'dma_buf_pin')) return kerr('EINVAL', 'dma_buf_pin: NULL attachment');
  const r = a.dmabuf.ops.pin ? a.dmabuf.ops.pin(a) : ok(undefined);
  if (r.ok) a.pinCount++;
  return r;
}

export function unpin(core: DmaBufCore, a: DmaBufAttachment | null): void {
  if (!pinArgsOk(core, a, 'dma_buf_unpin')) return;
  if (a.pinCount === 0) {
    core.check(RULE.dmabufUnpinUnbalanced, `dma_buf_unpin: ${a.dev.name} is not pinned`);
    return;
  }
  a.dmabuf.ops.unpin?.(a);
  a.pinCount--;
}

/** dma_buf_map_attachment (spec §1.7, with the ≤ v6.14 caching when the rule set has it). */
export function mapAttachment(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  dir: DmaDataDirection,
): KResult<SgTable> {
  const { violations, rules } = core.env;
  if (!a?.dmabuf || !a.attached) {
    violations.report('WARN', RULE.spec7_18, 'dma_buf_map_attachment: invalid attachment');
    return kerr('EINVAL', 'dma_buf_map_attachment: invalid attachment');
  }
  const b = a.dmabuf;
  assertMapLock(core, a, 'dma_buf_map_attachment', 'entry');
  if (rules.sgtCaching && a.sgt) {
    if (a.dir !== dir && a.dir !== DMA_BIDIRECTIONAL) {
      return kerr(
        'EBUSY',
        `dma_buf_map_attachment: cached mapping is ${dn(a.dir)}, asked for ${dn(dir)}`,
      );
    }
    return ok(a.sgt);
  }
  assertMapLock(core, a, 'dma_buf_map_attachment', 'exporter');
  if (a.mappings.some((m) => m.stale)) {
    core.check(
      RULE.spec7_27,
      `${a.dev.name}: re-mapping after move_notify without unmapping the old mapping`,
    );
  }
  const pinned = pinOnMap(core, a);
  if (pinned) {
    const p = b.ops.pin!(a);
    if (!p.ok) {
      if (p.errno === 'EBUSY') {
        violations.report(
          'WARN_ONCE',
          RULE.spec7_19,
          `dma_buf_map_attachment: exporter ${b.expName} refused pin with -EBUSY`,
        );
      }
      return p;
    }
  }
  const m = exporterMap(core, a, dir);
  if (!m.ok) {
    if (pinned) b.ops.unpin!(a);
    return m;
  }
  const rec: MappingRecord = { ...m.value, dir, pinnedOnMap: pinned, stale: false };
  if (rules.sgtCaching && b.ops.cache_sgt_mapping) {
    a.sgt = rec.sgt;
    a.dir = dir;
  }
  a.mappings.push(rec);
  return ok(rec.sgt);
}

/** The unmap calls' NULL check: a NULL attachment or table is a WARN (spec7.18) and a no-op. */
function unmapArgsOk(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  sgt: SgTable | null,
  fn: string,
): a is DmaBufAttachment {
  if (a?.dmabuf && sgt) return true;
  core.env.violations.report('WARN', RULE.spec7_18, `${fn}: NULL attachment or table`);
  return false;
}

/** dma_buf_unmap_attachment (spec §1.7). */
export function unmapAttachment(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  sgt: SgTable | null,
  dir: DmaDataDirection,
): void {
  if (!unmapArgsOk(core, a, sgt, 'dma_buf_unmap_attachment')) return;
  assertMapLock(core, a, 'dma_buf_unmap_attachment', 'entry');
  if (core.env.rules.sgtCaching && a.sgt === sgt) return;
  assertMapLock(core, a, 'dma_buf_unmap_attachment', 'exporter');
  const i = a.mappings.findIndex((m) => m.sgt === sgt);
  const rec = a.mappings[i];
  if (!rec) {
    core.check(
      RULE.spec7_23,
      `dma_buf_unmap_attachment: ${a.dev.name} unmaps a table it did not map (or unmaps twice)`,
    );
    return;
  }
  if (rec.dir !== dir) {
    core.check(
      RULE.spec7_23,
      `dma_buf_unmap_attachment: ${a.dev.name} mapped ${dn(rec.dir)} but unmaps ${dn(dir)}`,
    );
  }
  a.mappings.splice(i, 1);
  exporterUnmap(core, a, rec, dir);
  if (rec.pinnedOnMap) a.dmabuf.ops.unpin!(a);
}

export function mapAttachmentUnlocked(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  dir: DmaDataDirection,
): KResult<SgTable> {
  if (!a?.dmabuf) {
    core.env.violations.report(
      'WARN',
      RULE.spec7_18,
      'dma_buf_map_attachment_unlocked: NULL attachment',
    );
    return kerr('EINVAL', 'dma_buf_map_attachment_unlocked: NULL attachment');
  }
  if (core.isLocked(a.dmabuf)) core.deadlock(a.dmabuf, 'dma_buf_map_attachment_unlocked');
  return core.withLock(a.dmabuf, () => mapAttachment(core, a, dir));
}

export function unmapAttachmentUnlocked(
  core: DmaBufCore,
  a: DmaBufAttachment | null,
  sgt: SgTable | null,
  dir: DmaDataDirection,
): void {
  if (!unmapArgsOk(core, a, sgt, 'dma_buf_unmap_attachment_unlocked')) return;
  if (core.isLocked(a.dmabuf)) core.deadlock(a.dmabuf, 'dma_buf_unmap_attachment_unlocked');
  core.withLock(a.dmabuf, () => unmapAttachment(core, a, sgt, dir));
}

/** dma_buf_move_notify (spec §1.10): every dynamic attachment (but `except`) is told. */
export function moveNotify(core: DmaBufCore, b: DmaBuf, except?: DmaBufAttachment): void {
  if (!core.isLocked(b)) {
    core.env.violations.report(
      'LOCKDEP',
      RULE.spec7_25,
      `dma_buf_move_notify: reservation lock of buffer ${b.ino} not held`,
    );
  }
  const pinned = b.attachments.some((a) => a.pinCount > 0 || a.mappings.some((m) => m.pinnedOnMap));
  if (pinned)
    core.check(
      RULE.spec7_26,
      `dma_buf_move_notify: buffer ${b.ino} is pinned; the exporter must not move it`,
    );
  for (const a of [...b.attachments]) {
    if (!a.importerOps || a === except) continue;
    for (const m of a.mappings) m.stale = true;
    a.importerOps.move_notify?.(a);
  }
}

/** Checking mode: may the importer start DMA with `sgt` now? (spec §7.21, §7.27) */
export function assertMappingUsable(core: DmaBufCore, a: DmaBufAttachment, sgt: SgTable): boolean {
  const rec = a.mappings.find((m) => m.sgt === sgt);
  if (!rec) {
    core.check(RULE.spec7_27, `${a.dev.name}: DMA with a table that is not (or no longer) mapped`);
    return false;
  }
  if (rec.stale) {
    core.check(RULE.spec7_27, `${a.dev.name}: new DMA on a mapping invalidated by move_notify`);
    return false;
  }
  if (a.isDynamic && !a.dmabuf.resv.testSignaled(KERNEL)) {
    core.check(
      RULE.spec7_21,
      `${a.dev.name}: dynamic importer starts DMA before the KERNEL fences signalled`,
    );
    return false;
  }
  return true;
}
