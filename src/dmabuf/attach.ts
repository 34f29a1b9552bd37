import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { DIRECTION_NAMES, DMA_BIDIRECTIONAL, DMA_NONE } from '../dma/types.js';
import type { DmaBufCore } from './core.js';
import { exporterMap, exporterUnmap } from './map.js';
import { type DmaBuf, DmaBufAttachment } from './objects.js';
import type { DmaBufAttachOps, DmaDevice } from './types.js';

/** dma_buf_dynamic_attach (spec §1.5); `importerOps === null` is dma_buf_attach. */
export function attachImpl(
  core: DmaBufCore,
  dmabuf: DmaBuf | null,
  dev: DmaDevice | null,
  importerOps: DmaBufAttachOps | null,
  importerPriv: unknown,
): KResult<DmaBufAttachment> {
  const { violations, rules } = core.env;
  if (!dmabuf || !dev) {
    violations.report('WARN', RULE.dmabufAttachNull, 'dma_buf_dynamic_attach: NULL dmabuf or dev');
    return kerr('EINVAL', 'dma_buf_attach: NULL dmabuf or dev');
  }
  if (importerOps && !importerOps.move_notify) {
    violations.report(
      'WARN',
      RULE.spec7_9,
      'dma_buf_dynamic_attach: importer_ops without move_notify',
    );
    return kerr(
      'EINVAL',
      `dma_buf_dynamic_attach: ${dev.name} supplied importer_ops without move_notify`,
    );
  }
  if (core.isLocked(dmabuf)) core.deadlock(dmabuf, 'dma_buf_dynamic_attach');
  const attach = new DmaBufAttachment(dmabuf, dev, importerOps, importerPriv);
  if (dmabuf.ops.attach) {
    const r = dmabuf.ops.attach(dmabuf, attach);
    if (!r.ok) return r;
    if (attach.peer2peer && !importerOps?.allow_peer2peer) {
      core.check(
        RULE.spec7_10,
        `${dmabuf.expName}: attach set peer2peer for ${dev.name}, which did not allow it`,
      );
      attach.peer2peer = false;
    }
  }
  core.withLock(dmabuf, () => {
    dmabuf.attachments.push(attach);
    attach.attached = true;
  });
  if (rules.mapAtAttach && attach.isDynamic !== dmabuf.isDynamic) {
    // 6.1 takes the lock here only for a dynamic exporter (a static one maps unlocked).
    const r = dmabuf.isDynamic
      ? core.withLock(dmabuf, () => mapAtAttach(core, attach))
      : mapAtAttach(core, attach);
    if (!r.ok) {
      detachImpl(core, dmabuf, attach);
      return r;
    }
  }
  return ok(attach);
}

/** ≤ v6.14: map (pinning a dynamic exporter first) with DMA_BIDIRECTIONAL and cache it. */
function mapAtAttach(core: DmaBufCore, attach: DmaBufAttachment): KResult<void> {
  const b = attach.dmabuf;
  if (b.isDynamic) {
    const p = b.ops.pin!(attach);
    if (!p.ok) return p;
  }
  const m = exporterMap(core, attach, DMA_BIDIRECTIONAL);
  if (!m.ok) {
    if (b.isDynamic) b.ops.unpin!(attach);
    return m;
  }
  attach.sgt = m.value.sgt;
  attach.dir = DMA_BIDIRECTIONAL;
  attach.mappings.push({
    ...m.value,
    dir: DMA_BIDIRECTIONAL,
    pinnedOnMap: b.isDynamic,
    stale: false,
  });
  return ok(undefined);
}

/** dma_buf_detach (spec §1.5). */
export function detachImpl(
  core: DmaBufCore,
  dmabuf: DmaBuf | null,
  attach: DmaBufAttachment | null,
): void {
  const { violations } = core.env;
  if (!dmabuf || !attach || attach.dmabuf !== dmabuf || !attach.attached) {
    violations.report(
      'WARN',
      RULE.spec7_13,
      'dma_buf_detach: attachment does not belong to this buffer',
    );
    return;
  }
  if (core.isLocked(dmabuf)) core.deadlock(dmabuf, 'dma_buf_detach');
  core.withLock(dmabuf, () => {
    dmabuf.attachments.splice(dmabuf.attachments.indexOf(attach), 1);
    attach.attached = false;
    const cached = attach.sgt;
    if (cached) {
      const i = attach.mappings.findIndex((m) => m.sgt === cached);
      const rec = attach.mappings[i];
      if (rec) {
        attach.mappings.splice(i, 1);
        exporterUnmap(core, attach, rec);
        if (rec.pinnedOnMap) dmabuf.ops.unpin?.(attach);
      }
      attach.sgt = null;
      attach.dir = DMA_NONE;
    }
  });
  dmabuf.ops.detach?.(dmabuf, attach);
  for (const m of attach.mappings.splice(0)) {
    core.check(
      RULE.dmabufDetachMappingLeak,
      `dma_buf_detach: ${attach.dev.name} detached with a ${DIRECTION_NAMES[m.dir]} mapping outstanding`,
    );
    core.leaks.push({ attach, mapping: m });
  }
  if (attach.pinCount > 0) {
    core.pinLeaks.push(attach);
    core.check(
      RULE.dmabufDetachPinLeak,
      `dma_buf_detach: ${attach.dev.name} detached while pinned ${attach.pinCount}×`,
    );
  }
}
