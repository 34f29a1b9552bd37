/**
 * `struct sync_file` (drivers/dma-buf/sync_file.c): a file wrapping one fence, for explicit sync
 * in user space. Create, get the fence, merge (unwrap + merge), SYNC_IOC_FILE_INFO data, poll.
 * File descriptors belong to the caller (src/proc); this is the object behind the fd.
 */

import { type KResult, kerr, ok } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import type { DmaFence } from './fence.js';
import type { FenceSystem } from './system.js';
import { DmaFenceCb, EPOLLIN } from './types.js';
import { dmaFenceUnwrap, dmaFenceUnwrapMerge } from './unwrap.js';

/** `struct sync_fence_info` for one leaf fence. */
export interface SyncFenceInfo {
  /** Timeline name (≤ 31 characters). */
  readonly objName: string;
  readonly driverName: string;
  /** `dma_fence_get_status`: 0 pending, 1 signalled, <0 error. */
  readonly status: number;
  /** Signal time in ns, 0 while unsignalled. */
  readonly timestampNs: bigint;
}

/** `struct sync_file_info` as returned by SYNC_IOC_FILE_INFO. */
export interface SyncFileInfo {
  readonly name: string;
  readonly status: number;
  /** Number of leaf fences (the only output when the request asked for 0). */
  readonly numFences: number;
  readonly fences: readonly SyncFenceInfo[];
}

const NAME_MAX = 31; // char[32] with the terminator

export class SyncFile {
  readonly sys: FenceSystem;
  /** Name given at merge (`user_name`), empty otherwise. */
  readonly userName: string;
  /** Wake-ups delivered to pollers (fence_check_cb_func / failed arm). */
  wakeups = 0;
  /** Optional hook run on each wake-up (in atomic context when the fence signals). */
  onWake: (() => void) | undefined;
  readonly #fence: DmaFence;
  readonly #cb = new DmaFenceCb();
  #pollEnabled = false;
  #released = false;

  /** `sync_file_create(fence)` takes its own reference; `adopt` hands over the caller's instead. */
  constructor(fence: DmaFence, userName = '', adopt = false) {
    this.sys = fence.sys;
    this.#fence = adopt ? fence : fence.get();
    this.userName = userName.slice(0, NAME_MAX);
    this.sys.live.syncFiles++;
  }

  /** The contained fence (borrowed; use `getFence()` for a reference). */
  get fence(): DmaFence {
    return this.#fence;
  }

  /** `sync_file_get_fence`: a new reference to the contained fence. */
  getFence(): DmaFence {
    return this.#fence.get();
  }

  /** `sync_file_get_name`: the merge name, else "driver-timeline<context>-<seqno>" (≤ 31 chars). */
  name(): string {
    if (this.userName) return this.userName;
    const f = this.#fence;
    const seq = BigInt.asIntN(64, f.seqno);
    return `${f.driverName}-${f.timelineName}${f.context}-${seq}`.slice(0, NAME_MAX);
  }

  /**
   * SYNC_IOC_FILE_INFO. `numFences` 0 asks only for the count (status = the fence's status);
   * fewer slots than leaves → -EINVAL; non-zero `flags`/`pad` → -EINVAL.
   */
  info(numFences = 0, flags = 0): KResult<SyncFileInfo> {
    if (flags !== 0) return kerr('EINVAL', 'SYNC_IOC_FILE_INFO: flags or pad set');
    const leaves = [...dmaFenceUnwrap(this.#fence)];
    if (numFences === 0) {
      return ok({
        name: this.name(),
        status: this.#fence.getStatus(),
        numFences: leaves.length,
        fences: [],
      });
    }
    if (numFences < leaves.length) {
      return kerr('EINVAL', `SYNC_IOC_FILE_INFO: ${numFences} slots for ${leaves.length} fences`);
    }
    let status = 1;
    const fences = leaves.map((f): SyncFenceInfo => {
      const s = f.getStatus();
      status = status <= 0 ? status : s;
      return {
        objName: f.timelineName.slice(0, NAME_MAX),
        driverName: f.driverName.slice(0, NAME_MAX),
        status: s,
        timestampNs: f.isSignaled() ? (f.timestamp ?? 0n) : 0n,
      };
    });
    return ok({ name: this.name(), status, numFences: leaves.length, fences });
  }

  /** `sync_file_poll`: arms one callback on first poll; EPOLLIN once the fence signalled. */
  poll(): number {
    if (!this.#cb.pending && !this.#pollEnabled) {
      this.#pollEnabled = true;
      const r = this.#fence.addCallback(this.#cb, () => this.#wake());
      if (!r.ok) this.#wake();
    }
    return this.#fence.isSignaled() ? EPOLLIN : 0;
  }

  /** SYNC_IOC_SET_DEADLINE. */
  setDeadline(deadlineNs: bigint): void {
    this.#fence.setDeadline(deadlineNs);
  }

  /** Last fput: remove the poll callback, drop the fence. Twice → WARN. */
  release(): void {
    if (this.#released) {
      this.sys.log.report('WARN', RULE.syncFileReleaseTwice, 'sync_file released twice');
      return;
    }
    this.#released = true;
    if (this.#pollEnabled) this.#fence.removeCallback(this.#cb);
    this.#fence.put();
    this.sys.live.syncFiles--;
  }

  #wake(): void {
    this.wakeups++;
    this.onWake?.();
  }
}

/** `sync_file_merge(name, a, b)`: a new sync_file on `dma_fence_unwrap_merge(a, b)`. */
export function syncFileMerge(name: string, a: SyncFile, b: SyncFile): SyncFile {
  const fence = dmaFenceUnwrapMerge(a.sys, a.fence, b.fence);
  return new SyncFile(fence, name, true);
}
