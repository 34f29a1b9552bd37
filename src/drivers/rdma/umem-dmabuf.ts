import { type KResult, kerr, ok } from '../../core/errno.js';
import { DMA_BIDIRECTIONAL } from '../../dma/types.js';
import type { DmaBuf, DmaBufAttachment } from '../../dmabuf/objects.js';
import type { DmaBufAttachOps, SgTable } from '../../dmabuf/types.js';
import { DMA_RESV_USAGE, MAX_SCHEDULE_TIMEOUT } from '../../fence/types.js';
import type { PciFunction } from '../../pci/types.js';
import type { Process } from '../../proc/process.js';
import type { DriverEnv } from '../env.js';
import { type TrimmedView, trimToWindow } from './umem-trim.js';
import { validateUmemOverflow, validateUmemPages } from './verbs.js';

/**
 * ib_umem_dmabuf (drivers/infiniband/core/umem_dmabuf.c, spec §6.3–6.6): dynamic attach from the
 * RDMA device's DMA device, map pages under the resv lock (trim to the MR window, then wait for
 * KERNEL fences), the pinned variant, revoke and release. The exporter's table is not mutated:
 * the trimmed view is kept beside it (the kernel trims in place and undoes it at unmap).
 */
export interface UmemDmabuf {
  readonly dmabuf: DmaBuf;
  readonly attach: DmaBufAttachment;
  readonly offset: bigint;
  readonly length: bigint;
  readonly pinned: boolean;
  revoked: boolean;
  sgt: SgTable | null;
  view: TrimmedView | null;
  maps: number;
}

const BIDI = DMA_BIDIRECTIONAL;

/** ib_umem_dmabuf_get: `ops` must carry move_notify (checked before dma_buf_get). */
export function umemDmabufGet(
  env: DriverEnv,
  ibdev: PciFunction,
  proc: Process,
  offset: bigint,
  size: bigint,
  fd: number,
  ops: DmaBufAttachOps | null,
  pinned = false,
): KResult<UmemDmabuf> {
  const range = validateUmemOverflow(offset, size);
  if (!range.ok) return range;
  if (!ops?.move_notify)
    return kerr('EINVAL', 'ib_umem_dmabuf_get: importer ops without move_notify');
  const b = env.core.get(proc, fd);
  if (!b.ok) return b;
  const dmabuf = b.value;
  if (dmabuf.size < offset + size) {
    env.core.put(dmabuf);
    return kerr(
      'EINVAL',
      `dma-buf of ${dmabuf.size} bytes is smaller than offset ${offset} + length ${size}`,
    );
  }
  const pages = validateUmemPages(offset, size);
  if (!pages.ok) {
    env.core.put(dmabuf);
    return pages;
  }
  const umem: { -readonly [K in keyof UmemDmabuf]: UmemDmabuf[K] } = {
    dmabuf,
    attach: undefined as unknown as DmaBufAttachment,
    offset,
    length: size,
    pinned,
    revoked: false,
    sgt: null,
    view: null,
    maps: 0,
  };
  const a = env.core.dynamicAttach(dmabuf, env.dmaDevice(ibdev), ops, umem);
  if (!a.ok) {
    env.core.put(dmabuf);
    return a;
  }
  umem.attach = a.value;
  return ok(umem);
}

/** ib_umem_dmabuf_map_pages (resv lock held). */
export function umemMapPages(env: DriverEnv, u: UmemDmabuf): KResult<void> {
  if (u.revoked) return kerr('EINVAL', 'ib_umem_dmabuf_map_pages: revoked');
  if (!u.sgt) {
    const m = env.core.mapAttachment(u.attach, BIDI);
    if (!m.ok) return m;
    u.sgt = m.value;
    u.maps++;
    const segs = m.value.dma.map((e) => ({ dmaAddress: e.dmaAddr, dmaLength: e.len }));
    u.view = trimToWindow(segs, u.offset, u.length);
  }
  // Non-interruptible, no timeout, KERNEL usage (the exporter's move/clear fences).
  const w = u.dmabuf.resv.waitTimeout(DMA_RESV_USAGE.KERNEL, false, MAX_SCHEDULE_TIMEOUT);
  if (!w.ok) return w;
  return w.value === 0n
    ? kerr('ETIMEDOUT', 'ib_umem_dmabuf_map_pages: fence wait timed out')
    : ok(undefined);
}

/** ib_umem_dmabuf_unmap_pages (resv lock held). */
export function umemUnmapPages(env: DriverEnv, u: UmemDmabuf): void {
  if (!u.sgt) return;
  env.core.unmapAttachment(u.attach, u.sgt, BIDI);
  u.sgt = null;
  u.view = null;
}

/** ib_umem_dmabuf_get_pinned: warn-only move_notify, pin, map (spec §6.5). */
export function umemDmabufGetPinned(
  env: DriverEnv,
  ibdev: PciFunction,
  proc: Process,
  offset: bigint,
  size: bigint,
  fd: number,
): KResult<UmemDmabuf> {
  const ops: DmaBufAttachOps = {
    allow_peer2peer: env.driverAllowsP2p(ibdev),
    move_notify: (attach) => {
      env.core.env.printk('warn', 'Invalidate callback should not be called when memory is pinned');
      // Only a live mapping goes stale (the exporter may move while we pin, before we map).
      if ((attach.importerPriv as UmemDmabuf).sgt === null) return;
      env.findings.push({
        code: 'stale_pinned_mapping',
        path: [attach.dev.name],
        evidence: { exporter: attach.dmabuf.expName, ino: attach.dmabuf.ino },
        hint: 'a pinned importer keeps using its old mapping; use an ODP-capable (dynamic) MR',
      });
    },
  };
  const g = umemDmabufGet(env, ibdev, proc, offset, size, fd, ops, true);
  if (!g.ok) return g;
  const u = g.value;
  const r = env.core.withLock(u.dmabuf, () => {
    const p = env.core.pin(u.attach);
    if (!p.ok) return p;
    const m = umemMapPages(env, u);
    if (!m.ok) env.core.unpin(u.attach);
    return m;
  });
  if (!r.ok) {
    env.core.detach(u.dmabuf, u.attach);
    env.core.put(u.dmabuf);
    return r;
  }
  return ok(u);
}

/** ib_umem_dmabuf_revoke. */
export function umemRevoke(env: DriverEnv, u: UmemDmabuf): void {
  if (u.revoked) return;
  env.core.withLock(u.dmabuf, () => {
    if (u.pinned) {
      umemUnmapPages(env, u);
      env.core.unpin(u.attach);
    }
    u.revoked = true;
  });
}

/** ib_umem_dmabuf_release: unmap, unpin, detach, put. */
export function umemRelease(env: DriverEnv, u: UmemDmabuf): void {
  if (!u.revoked) {
    env.core.withLock(u.dmabuf, () => {
      umemUnmapPages(env, u);
      if (u.pinned) env.core.unpin(u.attach);
    });
  }
  env.core.detach(u.dmabuf, u.attach);
  env.core.put(u.dmabuf);
}
