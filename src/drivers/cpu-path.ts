import { type KResult, kerr, ok } from '../core/errno.js';
import type { DmaBuf } from '../dmabuf/objects.js';
import type { Process } from '../proc/process.js';
import type { DriverEnv } from './env.js';
import type { GpuExport } from './gpu/exporter.js';

/**
 * The CPU's view of a dma-buf through the core: dma_buf_vmap_unlocked, read through the kernel
 * mapping, dma_buf_vunmap_unlocked. Exporters without vmap (habanalabs) answer -EINVAL from the core.
 * Only GPU exports carry bytes the CPU can reach here (their BO is reached through the aperture or
 * its system pages).
 */
export function cpuReadViaVmap(
  env: DriverEnv,
  dmabuf: DmaBuf,
  offset: bigint,
  len: number,
): KResult<Uint8Array> {
  const map = env.core.vmapUnlocked(dmabuf);
  if (!map.ok) return map;
  try {
    const exp = dmabuf.priv as GpuExport;
    if (!exp?.gpu || exp.vmaps === 0)
      return kerr('EFAULT', 'no kernel mapping behind the vmap address');
    if (offset + BigInt(len) > dmabuf.size) return kerr('EFAULT', 'read beyond the buffer');
    return ok(exp.gpu.read(exp.bo, offset, len));
  } finally {
    env.core.vunmapUnlocked(dmabuf, map.value);
  }
}

/**
 * The CPU's view through a user mapping: mmap(2) of the dma-buf fd (the core forwards to the
 * exporter's mmap), load from the mapping, munmap. No exporter mmap → the core's errno.
 */
export function cpuReadViaMmap(
  proc: Process,
  fd: number,
  offset: bigint,
  len: number,
): KResult<Uint8Array> {
  const page = BigInt(proc.pageSize);
  const pgoff = (offset / page) * page;
  const vma = proc.mmap(fd, {
    length: offset - pgoff + BigInt(len),
    offset: pgoff,
    shared: true,
    prot: { read: true, write: false },
  });
  if (!vma.ok) return vma;
  try {
    const dmabuf = vma.value.file.priv as DmaBuf;
    const exp = dmabuf.priv as GpuExport;
    const i = exp?.vmas?.indexOf(vma.value) ?? -1;
    if (i < 0) return kerr('EFAULT', 'no pages behind the user mapping');
    exp.vmas.splice(i, 1);
    return ok(exp.gpu.read(exp.bo, vma.value.pgoff * page + (offset - pgoff), len));
  } finally {
    proc.munmap(vma.value);
  }
}
