import { type KResult, kerr, ok } from '../../core/errno.js';
import type { DmaBufAttachment } from '../../dmabuf/objects.js';
import { versionAtLeast } from '../../dmabuf/rules.js';
import type { PciFunction } from '../../pci/types.js';
import type { Process } from '../../proc/process.js';
import type { DriverEnv } from '../env.js';
import type { Mr, MrBacking, Pd } from './mr.js';
import type { RdmaNic } from './nic.js';
import {
  type UmemDmabuf,
  umemDmabufGet,
  umemDmabufGetPinned,
  umemMapPages,
  umemRelease,
  umemUnmapPages,
} from './umem-dmabuf.js';
import { dmaAddressAt } from './umem-trim.js';
import { type RegDmabufMrArgs, validateRegDmabufMr } from './verbs.js';

/**
 * ibv_reg_dmabuf_mr → REG_DMABUF_MR → the driver's reg_user_mr_dmabuf. `pinned`: the
 * ib_umem_dmabuf_get_pinned path (efa/bnxt_re-class); `dynamic`: mlx5's ODP-style MR whose
 * move_notify zaps the translation and whose next access faults the mapping back in (spec §6.7).
 */
export type DmabufMrMode = 'pinned' | 'dynamic';

export interface DmabufMrStats {
  invalidations: number;
  faults: number;
}

export function regDmabufMr(
  env: DriverEnv,
  nic: RdmaNic,
  fn: PciFunction,
  proc: Process,
  pd: Pd,
  args: RegDmabufMrArgs,
  mode: DmabufMrMode,
): KResult<{ mr: Mr; umem: UmemDmabuf; stats: DmabufMrStats }> {
  // REG_DMABUF_MR and ib_umem_dmabuf arrived in v5.12, the pinned variant ≈ v5.16 (spec §0.2).
  const since: readonly [number, number] = mode === 'pinned' ? [5, 16] : [5, 12];
  if (!versionAtLeast(env.version, since[0], since[1])) {
    return kerr(
      'EOPNOTSUPP',
      `${nic.name}: no ${mode} dma-buf MR before linux-${since[0]}.${since[1]}`,
    );
  }
  const v = validateRegDmabufMr(args, nic);
  if (!v.ok) return v;
  const stats: DmabufMrStats = { invalidations: 0, faults: 0 };
  let umem: UmemDmabuf;
  if (mode === 'pinned') {
    const u = umemDmabufGetPinned(env, fn, proc, args.offset, args.length, args.fd);
    if (!u.ok) return u;
    umem = u.value;
  } else {
    if (!nic.odp) return kerr('EOPNOTSUPP', `${nic.name}: no ODP support for a dynamic dma-buf MR`);
    const ops = {
      allow_peer2peer: env.driverAllowsP2p(fn),
      move_notify: (attach: DmaBufAttachment) => {
        const u = attach.importerPriv as UmemDmabuf;
        if (!u.sgt) return;
        stats.invalidations++; // UMR zap of the MR's translation entries, then unmap
        umemUnmapPages(env, u);
      },
    };
    const u = umemDmabufGet(env, fn, proc, args.offset, args.length, args.fd, ops);
    if (!u.ok) return u;
    umem = u.value;
    const m = env.core.withLock(umem.dmabuf, () => umemMapPages(env, umem));
    if (!m.ok) {
      umemRelease(env, umem);
      return m;
    }
  }
  const backing = dmabufBacking(env, umem, mode, stats);
  const mr = nic.installMr(pd, args.offset, args.iova, args.length, args.access, backing);
  return ok({ mr, umem, stats });
}

function dmabufBacking(
  env: DriverEnv,
  u: UmemDmabuf,
  mode: DmabufMrMode,
  stats: DmabufMrStats,
): MrBacking {
  const lead = u.offset % 4096n;
  return {
    kind: mode === 'pinned' ? 'dmabuf-pinned' : 'dmabuf-dynamic',
    resolve(pos) {
      if (pos < 0n || pos >= u.length) return kerr('EFAULT', 'beyond the dma-buf MR');
      if (!u.view) {
        if (mode === 'pinned' || u.revoked) return kerr('EFAULT', 'MR translation is gone');
        // mlx5 page fault: lock, map pages again (waits for KERNEL fences), rewrite, unlock.
        stats.faults++;
        const m = env.core.withLock(u.dmabuf, () => umemMapPages(env, u));
        if (!m.ok) return m;
      }
      const at = dmaAddressAt(u.view!, pos + lead);
      return at ? ok(at) : kerr('EFAULT', 'position outside the mapped window');
    },
    release: () => umemRelease(env, u),
  };
}
