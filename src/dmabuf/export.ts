import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { DmaResv } from '../fence/resv.js';
import { O } from '../proc/types.js';
import type { DmaBufCore } from './core.js';
import { DmaBuf } from './objects.js';
import type { DmaBufExportInfo } from './types.js';

/** OPEN_FMODE: access mode bits O_RDONLY/O_WRONLY/O_RDWR → FMODE_READ(1)/FMODE_WRITE(2). */
const openFmode = (flags: number): number => (flags + 1) & O.ACCMODE;

/** dma_buf_export (spec §1.2), checks in the kernel's order. */
export function exportImpl(core: DmaBufCore, info: DmaBufExportInfo): KResult<DmaBuf> {
  const { violations, fences, files } = core.env;
  const ops = info.ops;
  if (info.priv == null || !ops || !ops.map_dma_buf || !ops.unmap_dma_buf || !ops.release) {
    violations.report(
      'WARN',
      RULE.spec7_1,
      'dma_buf_export: priv, ops, ops->map_dma_buf, ops->unmap_dma_buf and ops->release are required',
    );
    return kerr('EINVAL', 'dma_buf_export: missing priv or a required op');
  }
  if (core.env.rules.sgtCaching && ops.cache_sgt_mapping && (ops.pin || ops.unpin)) {
    violations.report(
      'WARN',
      RULE.spec7_2,
      'dma_buf_export: a dynamic exporter may not set cache_sgt_mapping',
    );
    return kerr('EINVAL', 'dma_buf_export: cache_sgt_mapping with pin');
  }
  if ((ops.pin === undefined) !== (ops.unpin === undefined)) {
    violations.report(
      'WARN',
      RULE.spec7_2,
      'dma_buf_export: ops->pin and ops->unpin must come as a pair',
    );
    return kerr('EINVAL', 'dma_buf_export: pin without unpin (or the reverse)');
  }
  if (info.resv?.isLocked) {
    core.check(RULE.spec7_16, 'dma_buf_export called with the reservation lock held');
  }
  const owner = info.owner ?? null;
  if (owner) {
    if (owner.state !== 'live')
      return kerr('ENOENT', `dma_buf_export: module ${owner.name} is going away`);
    owner.refcount++;
  }
  const ino = core.nextIno++;
  const external = info.resv != null;
  const resv = info.resv ?? new DmaResv(fences);
  const buf = new DmaBuf(
    ino,
    info.size,
    ops,
    info.expName ?? owner?.name ?? 'unknown',
    owner,
    info.priv,
    resv,
    !external,
  );
  const flags = (info.flags ?? 0) & (O.ACCMODE | O.NONBLOCK);
  buf.file = files.alloc({
    fops: core.fops,
    priv: buf,
    ino,
    fs: 'dmabuf',
    flags,
    mode: openFmode(flags),
    size: info.size,
  });
  core.list.push(buf);
  return ok(buf);
}

/** The release of a dma-buf file: the last reference went away (spec §1.4). */
export function releaseImpl(core: DmaBufCore, buf: DmaBuf): void {
  const { violations } = core.env;
  const i = core.list.indexOf(buf);
  if (i >= 0) core.list.splice(i, 1);
  if (buf.vmappingCounter !== 0) {
    violations.bug(
      RULE.spec7_7,
      `dma_buf_release: buffer ${buf.ino} released with ${buf.vmappingCounter} vmap(s) outstanding`,
    );
  }
  if (buf.poll.in.active || buf.poll.out.active) {
    violations.bug(
      RULE.spec7_7,
      `dma_buf_release: buffer ${buf.ino} released with an active poll callback`,
    );
  }
  buf.ops.release(buf);
  if (buf.ownsResv) buf.resv.fini();
  if (buf.attachments.length > 0) {
    violations.report(
      'WARN',
      RULE.spec7_8,
      `dma_buf_release: buffer ${buf.ino} released with ${buf.attachments.length} attachment(s) still attached`,
    );
    core.orphans.push(...buf.attachments);
  }
  if (buf.owner) buf.owner.refcount--;
  buf.name = null;
  buf.released = true;
}
