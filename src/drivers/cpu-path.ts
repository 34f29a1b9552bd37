import { type KResult, kerr, ok } from '../core/errno.js';
import type { DmaBuf } from '../dmabuf/objects.js';
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
