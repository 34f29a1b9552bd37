/**
 * What the dma-buf file needs from the fence layer: DMA_BUF_IOCTL_EXPORT_SYNC_FILE /
 * IMPORT_SYNC_FILE (spec §1.14.2–3) and poll() readiness (spec §1.12). The dma-buf core owns the
 * fd table and the file reference; these helpers implement the reservation-object side exactly.
 */
import { type KResult, kerr, ok } from '../core/index.js';
import { hex } from '../util/hex.js';
import type { DmaResv } from './resv.js';
import { SyncFile } from './sync-file.js';
import {
  DMA_BUF_SYNC_RW,
  DMA_BUF_SYNC_WRITE,
  DMA_RESV_USAGE,
  DmaFenceCb,
  dmaResvUsageRw,
  EPOLLERR,
  EPOLLIN,
  EPOLLOUT,
} from './types.js';
import { dmaFenceUnwrap } from './unwrap.js';

/** Flags must be a non-empty subset of DMA_BUF_SYNC_RW → else -EINVAL. */
export function validateSyncFileFlags(flags: number): KResult<void> {
  if (
    !Number.isInteger(flags) ||
    (flags & ~DMA_BUF_SYNC_RW) !== 0 ||
    (flags & DMA_BUF_SYNC_RW) === 0
  ) {
    return kerr(
      'EINVAL',
      `sync_file flags ${hex(flags)} are not a non-empty subset of DMA_BUF_SYNC_RW`,
    );
  }
  return ok(undefined);
}

/**
 * EXPORT_SYNC_FILE after the fd was reserved: WRITE bit → usage READ (wait for everyone), else
 * usage WRITE (wait for writers); singleton of that class, or the stub when there is none.
 * Call unlocked. The caller installs the returned sync_file in an fd (and releases it on failure).
 */
export function resvExportSyncFile(resv: DmaResv, flags: number): KResult<SyncFile> {
  const v = validateSyncFileFlags(flags);
  if (!v.ok) return v;
  const usage = dmaResvUsageRw((flags & DMA_BUF_SYNC_WRITE) !== 0);
  const single = resv.getSingleton(usage);
  if (!single.ok) return single;
  const fence = single.value ?? resv.sys.getStub();
  return ok(new SyncFile(fence, '', true));
}

/**
 * IMPORT_SYNC_FILE: `syncFile` null (fd is not a sync_file) → -EINVAL. Each leaf of the fence is
 * added with usage WRITE (WRITE bit set) or READ, under the resv lock taken here (caller must
 * not hold it: taking it twice self-deadlocks).
 */
export function resvImportSyncFile(
  resv: DmaResv,
  syncFile: SyncFile | null,
  flags: number,
): KResult<void> {
  const v = validateSyncFileFlags(flags);
  if (!v.ok) return v;
  if (syncFile === null) return kerr('EINVAL', 'IMPORT_SYNC_FILE: fd is not a sync_file');
  const fence = syncFile.getFence();
  try {
    const usage = (flags & DMA_BUF_SYNC_WRITE) !== 0 ? DMA_RESV_USAGE.WRITE : DMA_RESV_USAGE.READ;
    const count = [...dmaFenceUnwrap(fence)].length;
    if (count === 0) return ok(undefined);
    const l = resv.lock(null);
    if (!l.ok) return l;
    try {
      const r = resv.reserveFences(count);
      if (!r.ok) return r;
      for (const leaf of dmaFenceUnwrap(fence)) resv.addFence(leaf, usage);
      return ok(undefined);
    } finally {
      resv.unlock();
    }
  } finally {
    fence.put();
  }
}

/** The dma-buf file reference the poll callback holds (get_file / fput). */
export interface PollFileRef {
  get(): void;
  put(): void;
}

/** One direction's callback slot (`struct dma_buf_poll_cb_t`). */
class PollSlot {
  readonly cb = new DmaFenceCb();
  active = 0;
  wakeups = 0;
}

/** Per-dma-buf poll state: one callback slot for EPOLLIN and one for EPOLLOUT. */
export class DmaBufPollState {
  readonly in = new PollSlot();
  readonly out = new PollSlot();
  /** Optional hook run when a slot's callback wakes the queue with `events`. */
  onWake: ((events: number) => void) | undefined;
}

/**
 * `dma_buf_poll` readiness (spec §1.12): resv missing → EPOLLERR; only EPOLLIN/EPOLLOUT count.
 * EPOLLOUT waits for usage ≤ READ, EPOLLIN for usage ≤ WRITE. A busy slot hides its event; else
 * the slot arms a callback on the first unsignalled fence (event not reported) or, if none,
 * fires at once and the event is reported. Takes the resv lock itself (call unlocked).
 */
export function resvPollReady(
  state: DmaBufPollState,
  resv: DmaResv | null,
  requested: number,
  file?: PollFileRef,
): number {
  if (!resv) return EPOLLERR;
  let events = requested & (EPOLLIN | EPOLLOUT);
  if (!events) return 0;
  const l = resv.lock(null);
  if (!l.ok) return EPOLLERR;
  try {
    for (const [bit, slot, write] of [
      [EPOLLOUT, state.out, true],
      [EPOLLIN, state.in, false],
    ] as const) {
      if (!(events & bit)) continue;
      if (slot.active) {
        events &= ~bit;
        continue;
      }
      slot.active = bit;
      file?.get();
      const done = (): void => {
        slot.wakeups++;
        state.onWake?.(slot.active);
        slot.active = 0;
        file?.put();
      };
      if (armFirstUnsignaled(resv, write, slot.cb, done)) events &= ~bit;
      else done();
    }
  } finally {
    resv.unlock();
  }
  return events;
}

function armFirstUnsignaled(
  resv: DmaResv,
  write: boolean,
  cb: DmaFenceCb,
  done: () => void,
): boolean {
  for (const slot of resv.fences(dmaResvUsageRw(write))) {
    const fence = slot.fence.get();
    const r = fence.addCallback(cb, () => {
      done();
      fence.put();
    });
    if (r.ok) return true;
    fence.put();
  }
  return false;
}
