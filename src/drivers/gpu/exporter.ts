import { type KResult, kerr, ok } from '../../core/errno.js';
import { RULE } from '../../core/rule-ids.js';
import type { DmaBuf, DmaBufAttachment } from '../../dmabuf/objects.js';
import { versionAtLeast } from '../../dmabuf/rules.js';
import type { DmaBufOps, DmaDataDirection, IosysMap, SgTable } from '../../dmabuf/types.js';
import type { Vma } from '../../proc/types.js';
import { minBig } from '../../util/bigint.js';
import { type DriverEnv, exporterAllowsP2p, type MappedChunks } from '../env.js';
import type { Bo, Domain, GpuDevice } from './bo.js';

/**
 * amdgpu's dma-buf exporter (amdgpu_dma_buf.c, spec §5.2.1): a *dynamic* exporter.
 * attach clears peer2peer when the P2P distance is negative; pin keeps VRAM only with
 * CONFIG_DMABUF_MOVE_NOTIFY and all-P2P attachments (≤ v6.14: always GTT, and mapping a BO pinned
 * elsewhere is -EBUSY); map validates an unpinned BO into GTT (+VRAM
 * when this importer can do P2P) — moving it, and move_notify'ing the others, if needed — then maps
 * VRAM with dma_map_resource in ≤ 2 GiB chunks or GTT pages with dma_map_sgtable. A non-P2P importer
 * of a VRAM buffer silently gets system memory: recorded as a `p2p_silent_fallback_gtt` finding.
 */
export const AMDGPU_MAX_SG_SEGMENT_SIZE = 2n * 1024n * 1024n * 1024n;

export interface GpuExport {
  readonly gpu: GpuDevice;
  readonly bo: Bo;
  dmabuf: DmaBuf | null;
  /** Live vmaps and mmaps (CPU path). */
  vmaps: number;
  readonly vmas: Vma[];
}

export function gpuDmabufOps(env: DriverEnv): DmaBufOps {
  const live = new Map<SgTable, MappedChunks>();
  const finding = (
    exp: GpuExport,
    attach: DmaBufAttachment,
    code: 'p2p_silent_fallback_gtt' | 'pin_dropped_vram',
    why: string,
  ) => {
    const seen = env.findings.some(
      (f) => f.code === code && f.evidence['bo'] === exp.bo.id && f.path[1] === attach.dev.name,
    );
    if (seen) return;
    env.findings.push({
      code,
      path: [exp.gpu.fn.bdf, attach.dev.name],
      evidence: {
        bo: exp.bo.id,
        preferred: exp.bo.preferred,
        placement: exp.bo.placement,
        peer2peer: attach.peer2peer,
        why,
      },
      hint:
        code === 'pin_dropped_vram'
          ? 'enable CONFIG_DMABUF_MOVE_NOTIFY and make every importer P2P-capable (dynamic attach with allow_peer2peer)'
          : 'attach with dma_buf_dynamic_attach + allow_peer2peer (and dma_buf_pin) so the importer gets BAR addresses',
    });
  };
  return {
    attach(dmabuf, attach) {
      const exp = dmabuf.priv as GpuExport;
      const client = attach.dev.pci;
      const fn = exp.gpu.fn;
      if (!exporterAllowsP2p(env, fn, client, false)) attach.peer2peer = false;
      return ok(undefined);
    },
    detach() {},
    pin(attach) {
      const exp = attach.dmabuf.priv as GpuExport;
      const allP2p = attach.dmabuf.attachments.every((a) => a.peer2peer) && attach.peer2peer;
      let domains = [...exp.bo.allowed];
      // ≤ v6.14 exported BOs were always pinned in GTT; v6.15 keeps VRAM only with
      // CONFIG_DMABUF_MOVE_NOTIFY and all-P2P attachments (spec §5.2.1 rule 2).
      const vramPins = versionAtLeast(env.version, 6, 15);
      if (!(vramPins && env.moveNotify && allP2p)) {
        if (domains.includes('VRAM') && exp.bo.preferred === 'VRAM') {
          finding(
            exp,
            attach,
            'pin_dropped_vram',
            !vramPins
              ? 'kernels before 6.15 always pin exported BOs in GTT'
              : env.moveNotify
                ? 'an attachment is not peer2peer'
                : 'CONFIG_DMABUF_MOVE_NOTIFY is off',
          );
        }
        domains = domains.filter((d) => d !== 'VRAM');
      }
      if (domains.length === 0) {
        env.core.env.violations.report(
          'WARN',
          RULE.amdgpuPinNoDomain,
          'amdgpu_dma_buf_pin: no domain left to pin in',
        );
        return kerr('EINVAL', 'amdgpu_dma_buf_pin: no domain to pin in');
      }
      const v = exp.gpu.validate(exp.bo, order(domains));
      if (!v.ok) return v;
      exp.bo.pinCount++;
      return ok(undefined);
    },
    unpin(attach) {
      const exp = attach.dmabuf.priv as GpuExport;
      exp.bo.pinCount--;
    },
    map_dma_buf(attach, dir) {
      const exp = attach.dmabuf.priv as GpuExport;
      const bo = exp.bo;
      if (bo.pinCount === 0) {
        // VRAM for P2P importers since v5.11 (dma_map_resource of the BAR); before, always GTT.
        const vram =
          versionAtLeast(env.version, 5, 11) &&
          bo.preferred === 'VRAM' &&
          attach.peer2peer &&
          bo.allowed.includes('VRAM');
        const v = exp.gpu.validate(bo, vram ? ['VRAM', 'GTT'] : ['GTT']);
        if (!v.ok) return v;
      }
      if (bo.placement === 'GTT' && bo.preferred === 'VRAM' && !attach.peer2peer) {
        finding(
          exp,
          attach,
          'p2p_silent_fallback_gtt',
          'importer cannot do P2P; buffer served from system memory',
        );
      }
      if (bo.placement === 'SYSTEM') return kerr('EINVAL', `BO ${bo.id} has no placement`);
      // Founding era (≤ v6.14): a BO pinned anywhere but GTT cannot be mapped.
      if (bo.pinCount > 0 && bo.placement !== 'GTT' && !versionAtLeast(env.version, 6, 15))
        return kerr('EBUSY', `BO ${bo.id} is pinned in ${bo.placement}, not GTT`);
      const m =
        bo.placement === 'GTT' ? mapGtt(env, exp, attach, dir) : mapVram(env, exp, attach, dir);
      if (!m.ok) return m;
      live.set(m.value.sgt, m.value);
      return ok(m.value.sgt);
    },
    unmap_dma_buf(_attach, sgt) {
      live.get(sgt)?.unmap();
      live.delete(sgt);
    },
    release(dmabuf) {
      (dmabuf.priv as GpuExport).dmabuf = null;
    },
    vmap(dmabuf): KResult<IosysMap> {
      const exp = dmabuf.priv as GpuExport;
      // Pin where it is so the kernel mapping stays valid while vmapped.
      exp.bo.pinCount++;
      exp.vmaps++;
      const iomem = exp.bo.placement === 'VRAM';
      return ok({
        vaddr: 0xffff_c900_0000_0000n + BigInt(exp.bo.id) * 0x1_0000_0000n,
        isIomem: iomem,
      });
    },
    vunmap(dmabuf) {
      const exp = dmabuf.priv as GpuExport;
      exp.bo.pinCount--;
      exp.vmaps--;
    },
    mmap(dmabuf, vma) {
      (dmabuf.priv as GpuExport).vmas.push(vma);
      return ok(undefined);
    },
  };
}

const order = (ds: readonly Domain[]): Domain[] =>
  (['VRAM', 'GTT'] as const).filter((d) => ds.includes(d));

function mapVram(
  env: DriverEnv,
  exp: GpuExport,
  attach: DmaBufAttachment,
  dir: DmaDataDirection,
): KResult<MappedChunks> {
  const chunks: { phys: bigint; len: bigint }[] = [];
  for (const r of exp.gpu.physRanges(exp.bo)) {
    for (let off = 0n; off < r.len; off += AMDGPU_MAX_SG_SEGMENT_SIZE) {
      chunks.push({ phys: r.phys + off, len: minBig(AMDGPU_MAX_SG_SEGMENT_SIZE, r.len - off) });
    }
  }
  const m = env.mapper.mapChunks(exp.gpu.fn, attach.dev, chunks, dir);
  return m.ok ? m : kerr('ENOMEM', 'amdgpu_vram_mgr_alloc_sgt: dma_map_resource failed');
}

function mapGtt(
  env: DriverEnv,
  exp: GpuExport,
  attach: DmaBufAttachment,
  dir: DmaDataDirection,
): KResult<MappedChunks> {
  return env.mapper.mapPages(attach.dev, exp.gpu.physRanges(exp.bo), dir);
}

/**
 * Export a BO (amdgpu_gem_prime_export): moves of the BO are announced to importers with
 * dma_buf_move_notify under the reservation lock.
 */
export function exportBo(
  env: DriverEnv,
  gpu: GpuDevice,
  bo: Bo,
  flags: number,
): KResult<GpuExport> {
  const exp: GpuExport = { gpu, bo, dmabuf: null, vmaps: 0, vmas: [] };
  const b = env.core.export({
    expName: 'amdgpu',
    ops: gpuDmabufOps(env),
    size: bo.size,
    flags,
    priv: exp,
  });
  if (!b.ok) return b;
  exp.dmabuf = b.value;
  return ok(exp);
}

/** Hook a GPU's moves to move_notify (lock must be held by whoever caused the move). */
export function wireMoveNotify(
  env: DriverEnv,
  gpu: GpuDevice,
  exports: () => readonly GpuExport[],
): void {
  gpu.onMove = (bo) => {
    for (const e of exports()) {
      if (e.bo === bo && e.dmabuf) {
        if (!env.core.isLocked(e.dmabuf)) {
          env.core.env.violations.report(
            'LOCKDEP',
            RULE.spec7_25,
            'dma_buf_move_notify without the reservation lock',
          );
        }
        env.core.moveNotify(e.dmabuf);
      }
    }
  };
}

/** Evict a BO to `to` as TTM would under memory pressure: lock, move (→ move_notify), unlock. */
export function evict(env: DriverEnv, exp: GpuExport, to: Domain): KResult<void> {
  if (!exp.dmabuf) return exp.gpu.migrate(exp.bo, to);
  return env.core.withLock(exp.dmabuf, () => exp.gpu.migrate(exp.bo, to));
}
