/**
 * The dma-buf core (drivers/dma-buf/dma-buf.c, spec §1): export with ops validation, fds and
 * references, static and dynamic attachments, pin/unpin, map/unmap under the reservation-lock
 * rules, move_notify, CPU access, vmap, mmap and the dma-buf uAPI (SYNC, SET_NAME, sync_file
 * ioctls, poll, llseek, fdinfo). One `DmaBufCore` per Kernel: `kernel.dmabuf`.
 *
 *   const buf = unwrap(k.dmabuf.export({ ops, size: 1n << 21n, priv: bo, owner: mod }));
 *   const fd = unwrap(k.dmabuf.fd(buf, proc, O.CLOEXEC));        // reference moves to the fd
 *   const a = unwrap(k.dmabuf.dynamicAttach(buf, pciDevice(nic), { allow_peer2peer: true, move_notify }));
 *   k.dmabuf.lock(buf); const sgt = unwrap(k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL));
 *   k.dmabuf.unmapAttachment(a, sgt, DMA_BIDIRECTIONAL); k.dmabuf.unlock(buf);
 *   k.dmabuf.detach(buf, a); proc.close(fd);                      // k.checkPristine() → []
 *
 * Exporter callbacks are snake_case like the kernel's (`map_dma_buf`, `move_notify`). Misuse answers
 * as the kernel does: a KResult errno, a WARN/LOCKDEP/CHECK violation, or a thrown KernelBug.
 */
export { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_NONE, DMA_TO_DEVICE } from '../dma/types.js';
export {
  type BufInfo,
  type BufInfoEntry,
  bufinfo,
  fenceLine,
  type ResvFenceInfo,
  renderBufinfo,
} from './bufinfo.js';
export { DmaBufCore, type DmaBufEnv, type LeakedMapping } from './core.js';
export { iosysMapIsEqual, iosysMapIsNull } from './cpu.js';
export {
  DMABUF_INVARIANTS,
  type InvariantOwner,
  type InvariantRow,
  invariantsMarkdown,
} from './invariants.js';
export { DmaBuf, DmaBufAttachment, type MappingRecord } from './objects.js';
export {
  type DmaBufConfig,
  type DmaBufRules,
  dmabufRulesFor,
  type KernelVersion,
  versionAtLeast,
} from './rules.js';
export {
  ANON_INODE_INO,
  installSyncFile,
  SYNC_FILE_FOPS,
  syncFileFile,
  syncFileOf,
} from './syncfile.js';
export * from './types.js';
export {
  DMA_BUF_IOCTL,
  DMA_BUF_NAME_LEN,
  DMA_BUF_SYNC,
  type DmaBufSetNameArg,
  type DmaBufSyncArg,
  type DmaBufSyncFileArg,
  dmaBufDentryName,
} from './uapi.js';
