import { type KResult, kerr, ok, unwrap } from '../core/errno.js';
import { exportBo, type GpuExport, wireMoveNotify } from '../drivers/gpu/exporter.js';
import { NVME_OPC } from '../drivers/nvme/controller.js';
import {
  type NvmeImportMode,
  nvmeImportDmabuf,
  nvmeRanges,
  nvmeReleaseDmabuf,
} from '../drivers/nvme/dmabuf-import.js';
import { categoryOf } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { O } from '../proc/types.js';
import { makeWorld, type ScenarioOptions, settle } from './world.js';

/**
 * NVMe → GPU VRAM through an amdgpu-style dynamic exporter (spec §6.8.6–6.8.7): the drive READs a
 * block straight into an exported VRAM buffer. A static attach, or a pinned dynamic attach with
 * CONFIG_DMABUF_MOVE_NOTIFY off, silently moves the buffer to system memory; only a dynamic, pinned
 * attach with MOVE_NOTIFY on gets the VRAM BAR. Each variant runs on its own Kernel.
 */
export interface GpuNvmeRow {
  readonly attach: 'static' | 'dynamic+pin';
  readonly moveNotify: boolean;
  readonly ok: boolean;
  readonly errno?: string;
  /** Where the buffer lived when the drive wrote it. */
  readonly placement: string;
  /** What the drive's DMA reached. */
  readonly target: string;
  readonly p2p: boolean;
  readonly verified: boolean;
  readonly findings: readonly string[];
  readonly pristine: readonly string[];
}

export interface GpuNvmeResult {
  readonly gpu: string;
  readonly nvme: string;
  readonly mapType: string;
  readonly rows: readonly GpuNvmeRow[];
}

const isGpu = (f: PciFunction): boolean =>
  categoryOf(f) === 'gpu' && f.bars.some((b) => b.space === 'mem' && b.is64 && b.prefetchable);
const isNvme = (f: PciFunction): boolean => categoryOf(f) === 'nvme' && f.physfn === null;

function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff);
}

function runOne(
  fabric: Fabric,
  gpuFn: PciFunction,
  nvmeFn: PciFunction,
  mode: NvmeImportMode,
  moveNotify: boolean,
  opts: ScenarioOptions,
): GpuNvmeRow {
  const w = makeWorld(fabric, { ...opts, moveNotify });
  const gpu = w.rig.addGpu(gpuFn);
  const nvme = w.rig.addNvme(nvmeFn);
  const exports: GpuExport[] = [];
  wireMoveNotify(w.env, gpu, () => exports);
  const proc = w.k.spawn('loader');
  const bo = unwrap(gpu.create(2n << 20n, 'VRAM'));
  const exp = unwrap(exportBo(w.env, gpu, bo, O.RDWR));
  exports.push(exp);
  const fd = unwrap(w.env.core.fd(exp.dmabuf, proc, O.CLOEXEC));
  const data = pattern(4096);
  nvme.namespace(1)!.media.write(0n, data);
  const imp = nvmeImportDmabuf(w.env, nvmeFn, proc, fd, mode);
  let row: Omit<GpuNvmeRow, 'pristine' | 'findings'>;
  const attach = mode === 'static' ? ('static' as const) : ('dynamic+pin' as const);
  if (!imp.ok) {
    row = {
      attach,
      moveNotify,
      ok: false,
      errno: imp.errno,
      placement: bo.placement,
      target: '-',
      p2p: false,
      verified: false,
    };
  } else {
    const ranges = unwrap(nvmeRanges(imp.value, 0n, 4096n));
    const c = nvme.submit({ opcode: NVME_OPC.READ, nsid: 1, slba: 0n, nlb: 0, data: ranges });
    const target = nvme.port.hops.at(-1)?.target ?? '-';
    row = {
      attach,
      moveNotify,
      ok: c.status === 'SUCCESS',
      ...(c.status === 'SUCCESS' ? {} : { errno: c.status }),
      placement: bo.placement,
      target,
      p2p: /VRAM/.test(target),
      verified: gpu.read(bo, 0n, 4096).every((b, i) => b === data[i]),
    };
    nvmeReleaseDmabuf(w.env, imp.value);
  }
  unwrap(proc.close(fd));
  gpu.destroy(bo);
  return { ...row, findings: w.env.findings.map((f) => f.code), pristine: settle(w) };
}

export function runGpuNvme(fabric: Fabric, opts: ScenarioOptions = {}): KResult<GpuNvmeResult> {
  const gpus = fabric.functions.filter(isGpu);
  const nvmes = fabric.functions.filter(isNvme);
  if (gpus.length === 0 || nvmes.length === 0)
    return kerr('ENODEV', 'no (GPU, NVMe) pair in this fabric');
  const p2p = makeWorld(fabric, opts).k.p2pdma;
  const pairs = gpus.flatMap((g) => nvmes.map((n) => ({ g, n, v: p2p.verdict(g, n) })));
  const rank = (d: number | null) => (d === null || d < 0 ? Number.MAX_SAFE_INTEGER : d);
  pairs.sort((a, b) => rank(a.v.distance) - rank(b.v.distance));
  const best = pairs[0]!;
  const rows = [
    runOne(fabric, best.g, best.n, 'static', false, opts),
    runOne(fabric, best.g, best.n, 'pinned', false, opts),
    runOne(fabric, best.g, best.n, 'pinned', true, opts),
  ];
  const mapType = best.v.mapType === 'uncertain' ? 'uncertain' : best.v.mapType;
  return ok({ gpu: best.g.name ?? best.g.bdf, nvme: best.n.name ?? best.n.bdf, mapType, rows });
}
