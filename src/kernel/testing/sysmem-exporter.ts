/**
 * A small test exporter over (simulated) system memory, with knobs for every misuse the tests need.
 * Test-only (excluded from the build). Not a driver: src/drivers holds the real exporters.
 */
import { type KResult, kerr, ok, unwrap } from '../../core/errno.js';
import type { SgTable } from '../../dma/types.js';
import type { DmaBuf, DmaBufAttachment } from '../../dmabuf/objects.js';
import type {
  DmaBufExportInfo,
  DmaBufOps,
  DmaDataDirection,
  IosysMap,
  KModule,
} from '../../dmabuf/types.js';
import { O, type Vma } from '../../proc/types.js';
import type { Kernel } from '../kernel.js';

export interface SysmemOptions {
  readonly size?: bigint;
  /** Provide pin/unpin (a dynamic exporter). */
  readonly dynamic?: boolean;
  readonly mmap?: boolean;
  readonly vmap?: boolean;
  /** `refuse-attach`: attach → -EOPNOTSUPP without peer2peer (VFIO-like); `eperm-on-map`: map → -EPERM (habanalabs-like). */
  readonly p2pOnly?: 'refuse-attach' | 'eperm-on-map';
  readonly cacheSgt?: boolean;
  readonly owner?: KModule;
  readonly name?: string;
  readonly flags?: number;
}

/** Failure injection and observation for one exported buffer. */
export interface SysmemState {
  readonly base: bigint;
  readonly size: bigint;
  /** Outstanding exporter-side mappings and pins (the exporter's own counts). */
  maps: number;
  pins: number;
  vmaps: number;
  mmaps: number;
  cpuBegins: number;
  released: boolean;
  /** Next map returns NULL / this error; next pin fails with this error; next vmap fails. */
  failMapNull: boolean;
  failMap: KResult<never> | null;
  failPin: KResult<never> | null;
  failVmap: KResult<never> | null;
  /** Locked callbacks take the resv lock themselves (an invariant-17 bug). */
  lockInLockedOps: boolean;
  /** Move the backing store (exporter-initiated): new base address, then move_notify. */
  move(): void;
}

const PAGE = 4096n;

/** Export a system-memory buffer on `k`; returns the buffer and its exporter state. */
export function exportSysmem(k: Kernel, o: SysmemOptions = {}): { buf: DmaBuf; st: SysmemState } {
  const r = tryExportSysmem(k, o);
  return unwrap(r);
}

export function sysmemOps(k: Kernel, st: SysmemState, o: SysmemOptions): DmaBufOps {
  const lockBug = (b: DmaBuf) => {
    if (st.lockInLockedOps) k.dmabuf.lock(b);
  };
  const table = (): SgTable => {
    const cpu = [];
    const dma = [];
    for (let off = 0n; off < st.size; off += 1n << 21n) {
      const len = st.size - off < 1n << 21n ? st.size - off : 1n << 21n;
      cpu.push({ phys: st.base + off, length: len, p2pProvider: null });
      dma.push({ dmaAddr: st.base + off, len, busAddr: false });
    }
    return { cpu, dma };
  };
  const ops: DmaBufOps = {
    attach(_b, a: DmaBufAttachment) {
      if (o.p2pOnly === 'refuse-attach' && !a.peer2peer)
        return kerr('EOPNOTSUPP', 'sysmem: P2P importers only');
      return ok(undefined);
    },
    detach() {},
    map_dma_buf(a: DmaBufAttachment, _dir: DmaDataDirection) {
      lockBug(a.dmabuf);
      if (st.failMapNull) return null;
      if (st.failMap) return st.failMap;
      if (o.p2pOnly === 'eperm-on-map' && !a.peer2peer)
        return kerr('EPERM', 'sysmem: importer is not P2P capable');
      st.maps++;
      return ok(table());
    },
    unmap_dma_buf(a, _sgt, _dir) {
      lockBug(a.dmabuf);
      st.maps--;
    },
    release() {
      st.released = true;
    },
    begin_cpu_access() {
      st.cpuBegins++;
      return ok(undefined);
    },
    end_cpu_access() {
      st.cpuBegins--;
      return ok(undefined);
    },
  };
  if (o.dynamic) {
    ops.pin = (a) => {
      lockBug(a.dmabuf);
      if (st.failPin) return st.failPin;
      st.pins++;
      return ok(undefined);
    };
    ops.unpin = (a) => {
      lockBug(a.dmabuf);
      st.pins--;
    };
  }
  if (o.mmap) {
    ops.mmap = (_b: DmaBuf, _v: Vma) => {
      st.mmaps++;
      return ok(undefined);
    };
  }
  if (o.vmap) {
    ops.vmap = (b): KResult<IosysMap> => {
      lockBug(b);
      if (st.failVmap) return st.failVmap;
      st.vmaps++;
      return ok({ vaddr: 0xffff_8880_0000_0000n + st.base, isIomem: false });
    };
    ops.vunmap = (b) => {
      lockBug(b);
      st.vmaps--;
    };
  }
  if (o.cacheSgt) ops.cache_sgt_mapping = true;
  return ops;
}

export function tryExportSysmem(
  k: Kernel,
  o: SysmemOptions = {},
  patch: (ops: DmaBufOps, info: DmaBufExportInfo) => DmaBufExportInfo = (_o, i) => i,
): KResult<{ buf: DmaBuf; st: SysmemState }> {
  const size = o.size ?? 4n * PAGE;
  let buf: DmaBuf | null = null;
  const st: SysmemState = {
    base: 0x1_0000_0000n + BigInt(k.dmabuf.nextIno) * 0x100_0000n,
    size,
    maps: 0,
    pins: 0,
    vmaps: 0,
    mmaps: 0,
    cpuBegins: 0,
    released: false,
    failMapNull: false,
    failMap: null,
    failPin: null,
    failVmap: null,
    lockInLockedOps: false,
    move() {
      if (buf) k.dmabuf.moveNotify(buf);
    },
  };
  const ops = sysmemOps(k, st, o);
  const info: DmaBufExportInfo = {
    ops,
    size,
    priv: st,
    expName: o.name ?? 'sysmem',
    ...(o.owner ? { owner: o.owner } : {}),
    flags: o.flags ?? O.RDWR | O.CLOEXEC,
  };
  const r = k.dmabuf.export(patch(ops, info));
  if (!r.ok) return r;
  buf = r.value;
  return ok({ buf, st });
}
