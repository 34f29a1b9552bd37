import { type KResult, kerr, ok } from '../../core/errno.js';
import { DMA_BIDIRECTIONAL } from '../../dma/types.js';
import type { DmaBuf, DmaBufAttachment } from '../../dmabuf/objects.js';
import type { SgTable } from '../../dmabuf/types.js';
import type { PciFunction } from '../../pci/types.js';
import type { Process } from '../../proc/process.js';
import { minBig } from '../../util/bigint.js';
import type { DriverEnv } from '../env.js';
import type { NvmeRange } from './controller.js';

/**
 * An NVMe-side importer of a dma-buf (the out-of-tree P2P pattern of spec §6.8.7): `static` uses
 * dma_buf_attach (never peer2peer); `pinned` uses dma_buf_dynamic_attach with allow_peer2peer and
 * dma_buf_pin. The mapping's DMA segments become the commands' data lists.
 */
export type NvmeImportMode = 'static' | 'pinned';

export interface NvmeDmabufImport {
  readonly dmabuf: DmaBuf;
  readonly attach: DmaBufAttachment;
  readonly mode: NvmeImportMode;
  readonly sgt: SgTable;
}

export function nvmeImportDmabuf(
  env: DriverEnv,
  fn: PciFunction,
  proc: Process,
  fd: number,
  mode: NvmeImportMode,
): KResult<NvmeDmabufImport> {
  const core = env.core;
  const b = core.get(proc, fd);
  if (!b.ok) return b;
  const dmabuf = b.value;
  const dev = env.dmaDevice(fn);
  const a =
    mode === 'static'
      ? core.attach(dmabuf, dev)
      : core.dynamicAttach(dmabuf, dev, {
          allow_peer2peer: env.driverAllowsP2p(fn),
          move_notify: () => {},
        });
  if (!a.ok) {
    core.put(dmabuf);
    return a;
  }
  const attach = a.value;
  const m = core.withLock(dmabuf, (): KResult<SgTable> => {
    if (mode === 'pinned') {
      const p = core.pin(attach);
      if (!p.ok) return p;
    }
    const r = core.mapAttachment(attach, DMA_BIDIRECTIONAL);
    if (!r.ok && mode === 'pinned') core.unpin(attach);
    return r;
  });
  if (!m.ok) {
    core.detach(dmabuf, attach);
    core.put(dmabuf);
    return m;
  }
  return ok({ dmabuf, attach, mode, sgt: m.value });
}

/** The DMA ranges covering `[offset, offset+len)` of the buffer, for a command's data list. */
export function nvmeRanges(
  imp: NvmeDmabufImport,
  offset: bigint,
  len: bigint,
): KResult<NvmeRange[]> {
  const out: NvmeRange[] = [];
  let pos = 0n;
  let left = len;
  for (const s of imp.sgt.dma) {
    const start = offset + (len - left);
    if (left > 0n && start < pos + s.len && start >= pos) {
      const n = minBig(left, pos + s.len - start);
      out.push({ dmaAddress: s.dmaAddr + (start - pos), length: n });
      left -= n;
    }
    pos += s.len;
  }
  return left === 0n ? ok(out) : kerr('EINVAL', 'range beyond the mapped buffer');
}

export function nvmeReleaseDmabuf(env: DriverEnv, imp: NvmeDmabufImport): void {
  const core = env.core;
  core.withLock(imp.dmabuf, () => {
    core.unmapAttachment(imp.attach, imp.sgt, DMA_BIDIRECTIONAL);
    if (imp.mode === 'pinned') core.unpin(imp.attach);
  });
  core.detach(imp.dmabuf, imp.attach);
  core.put(imp.dmabuf);
}
