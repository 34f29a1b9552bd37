import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE } from '../dma/types.js';
import { dmaResvUsageRw, MAX_SCHEDULE_TIMEOUT } from '../fence/types.js';
import type { Vma } from '../proc/types.js';
import type { DmaBufCore } from './core.js';
import type { DmaBuf } from './objects.js';
import type { DmaDataDirection, IosysMap } from './types.js';

const NULL_MAP: IosysMap = { vaddr: null, isIomem: false };

/** iosys_map_is_equal: same kind and same pointer. */
export const iosysMapIsEqual = (a: IosysMap, b: IosysMap): boolean =>
  a.isIomem === b.isIomem && a.vaddr === b.vaddr;
export const iosysMapIsNull = (m: IosysMap): boolean => m.vaddr === null;

/** dma_buf_begin_cpu_access (spec §1.9.1): exporter hook, then wait on the resv. */
export function beginCpuAccess(
  core: DmaBufCore,
  b: DmaBuf | null,
  dir: DmaDataDirection,
): KResult<void> {
  if (!b) {
    core.env.violations.report('WARN', RULE.dmabufCpuNull, 'dma_buf_begin_cpu_access: NULL dmabuf');
    return kerr('EINVAL', 'dma_buf_begin_cpu_access: NULL dmabuf');
  }
  core.warnIfHeld(b, 'dma_buf_begin_cpu_access');
  const r = b.ops.begin_cpu_access ? b.ops.begin_cpu_access(b, dir) : ok(undefined);
  if (!r.ok) return r;
  const write = dir === DMA_BIDIRECTIONAL || dir === DMA_TO_DEVICE;
  const w = b.resv.waitTimeout(dmaResvUsageRw(write), true, MAX_SCHEDULE_TIMEOUT);
  return w.ok ? ok(undefined) : w;
}

/** dma_buf_end_cpu_access: exporter hook only. */
export function endCpuAccess(
  core: DmaBufCore,
  b: DmaBuf | null,
  dir: DmaDataDirection,
): KResult<void> {
  if (!b) {
    core.env.violations.report('WARN', RULE.dmabufCpuNull, 'dma_buf_end_cpu_access: NULL dmabuf');
    return kerr('EINVAL', 'dma_buf_end_cpu_access: NULL dmabuf');
  }
  core.warnIfHeld(b, 'dma_buf_end_cpu_access');
  return b.ops.end_cpu_access ? b.ops.end_cpu_access(b, dir) : ok(undefined);
}

/** dma_buf_vmap (spec §1.9.4): refcounted; lock held (v6.2+). */
export function vmap(core: DmaBufCore, b: DmaBuf | null): KResult<IosysMap> {
  const { violations, rules } = core.env;
  if (!b) {
    violations.report('WARN', RULE.dmabufVmapNull, 'dma_buf_vmap: NULL dmabuf');
    return kerr('EINVAL', 'dma_buf_vmap: NULL dmabuf');
  }
  if (rules.lockAllImporters) core.assertHeld(b, 'dma_buf_vmap');
  if (!b.ops.vmap) return kerr('EINVAL', `dma_buf_vmap: exporter ${b.expName} has no vmap`);
  if (b.vmappingCounter > 0) {
    if (iosysMapIsNull(b.vmapPtr))
      violations.bug(RULE.spec7_29, 'dma_buf_vmap: counter set but stored map is null');
    b.vmappingCounter++;
    return ok(b.vmapPtr);
  }
  if (!iosysMapIsNull(b.vmapPtr))
    violations.bug(RULE.spec7_29, 'dma_buf_vmap: stored map set with counter 0');
  const r = b.ops.vmap(b);
  if (!r.ok) {
    violations.report(
      'WARN_ONCE',
      RULE.spec7_29,
      `dma_buf_vmap: exporter ${b.expName} vmap failed: -${r.errno}`,
    );
    return r;
  }
  b.vmapPtr = r.value;
  b.vmappingCounter = 1;
  return ok(r.value);
}

/** dma_buf_vunmap: BUG on imbalance or a map that is not the stored one. */
export function vunmap(core: DmaBufCore, b: DmaBuf | null, map: IosysMap): void {
  const { violations, rules } = core.env;
  if (!b) {
    violations.report('WARN', RULE.dmabufVmapNull, 'dma_buf_vunmap: NULL dmabuf');
    return;
  }
  if (rules.lockAllImporters) core.assertHeld(b, 'dma_buf_vunmap');
  if (iosysMapIsNull(b.vmapPtr))
    violations.bug(RULE.spec7_29, `dma_buf_vunmap: buffer ${b.ino} is not vmapped`);
  if (b.vmappingCounter === 0)
    violations.bug(RULE.spec7_29, `dma_buf_vunmap: buffer ${b.ino} vmap counter is 0`);
  if (!iosysMapIsEqual(b.vmapPtr, map))
    violations.bug(RULE.spec7_29, `dma_buf_vunmap: map does not match buffer ${b.ino}`);
  b.vmappingCounter--;
  if (b.vmappingCounter === 0) {
    b.ops.vunmap?.(b, map);
    b.vmapPtr = NULL_MAP;
  }
}

export function vmapUnlocked(core: DmaBufCore, b: DmaBuf | null): KResult<IosysMap> {
  if (!b) {
    core.env.violations.report('WARN', RULE.dmabufVmapNull, 'dma_buf_vmap_unlocked: NULL dmabuf');
    return kerr('EINVAL', 'dma_buf_vmap_unlocked: NULL dmabuf');
  }
  if (core.isLocked(b)) core.deadlock(b, 'dma_buf_vmap_unlocked');
  return core.withLock(b, () => vmap(core, b));
}

export function vunmapUnlocked(core: DmaBufCore, b: DmaBuf | null, map: IosysMap): void {
  if (!b) {
    core.env.violations.report('WARN', RULE.dmabufVmapNull, 'dma_buf_vunmap_unlocked: NULL dmabuf');
    return;
  }
  if (core.isLocked(b)) core.deadlock(b, 'dma_buf_vunmap_unlocked');
  core.withLock(b, () => vunmap(core, b, map));
}

/** Pages of the buffer that may be mapped: size >> PAGE_SHIFT (a partial last page cannot). */
const mappablePages = (core: DmaBufCore, b: DmaBuf): bigint => b.size / BigInt(core.env.pageSize);

/** The mmap file operation (user space, spec §1.9.3). */
export function userMmap(core: DmaBufCore, b: DmaBuf, vma: Vma): KResult<void> {
  if (!b.ops.mmap) return kerr('EINVAL', `mmap: exporter ${b.expName} does not support mmap`);
  if (vma.pgoff + vma.pages > mappablePages(core, b)) {
    return kerr(
      'EINVAL',
      `mmap: pages ${vma.pgoff}+${vma.pages} beyond buffer ${b.ino} (${b.size} bytes)`,
    );
  }
  return b.ops.mmap(b, vma);
}

const ULONG_MAX = (1n << 64n) - 1n;

/** dma_buf_mmap (kernel helper, spec §1.9.3): re-points the VMA at the buffer's file. */
export function kernelMmap(
  core: DmaBufCore,
  b: DmaBuf | null,
  vma: Vma | null,
  pgoff: bigint,
): KResult<void> {
  if (!b || !vma) {
    core.env.violations.report('WARN', RULE.dmabufMmapNull, 'dma_buf_mmap: NULL dmabuf or vma');
    return kerr('EINVAL', 'dma_buf_mmap: NULL dmabuf or vma');
  }
  core.warnIfHeld(b, 'dma_buf_mmap');
  if (!b.ops.mmap)
    return kerr('EINVAL', `dma_buf_mmap: exporter ${b.expName} does not support mmap`);
  if (pgoff + vma.pages < pgoff || pgoff + vma.pages > ULONG_MAX)
    return kerr('EOVERFLOW', 'dma_buf_mmap: offset overflow');
  if (pgoff + vma.pages > mappablePages(core, b)) {
    return kerr('EINVAL', `dma_buf_mmap: pages ${pgoff}+${vma.pages} beyond buffer ${b.ino}`);
  }
  const old = vma.file;
  vma.file = core.env.files.get(b.file);
  core.env.files.put(old);
  vma.pgoff = pgoff;
  return b.ops.mmap(b, vma);
}
