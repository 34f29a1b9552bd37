/**
 * `dma_fence_array` (spec §2.1.8 rule 1): a fence that signals when all members signalled (or any
 * one, with `signalOnAny`). Its error is the first member error observed. The array owns the member
 * references it is given. Containers must not nest: a member that is a container → WARN.
 */
import { RULE } from '../core/rule-ids.js';
import { DmaFence } from './fence.js';
import type { FenceSystem } from './system.js';
import { DmaFenceCb, type DmaFenceOps, type FenceArrayData } from './types.js';

/** The array payload of `fence`, or undefined when it is not an array. */
export const toArray = (fence: DmaFence): FenceArrayData | undefined =>
  fence.container?.kind === 'array' ? fence.container : undefined;

function setPendingError(data: FenceArrayData, error: number): void {
  if (error !== 0 && data.pendingError === 0) data.pendingError = error;
}

function signalArray(array: DmaFence, data: FenceArrayData): void {
  if (array.signaledFlag) return;
  if (data.pendingError !== 0) array.setErrorRaw(data.pendingError);
  array.signal();
}

function onMemberSignaled(array: DmaFence, data: FenceArrayData, member: DmaFence): void {
  setPendingError(data, member.error);
  if (--data.numPending === 0) signalArray(array, data); // the kernel defers this via irq_work
  array.put(); // the reference taken when the callback was armed
}

const ARRAY_OPS: DmaFenceOps = {
  driverName: 'dma_fence_array',
  timelineName: 'unbound',
  enableSignaling(array) {
    const data = toArray(array)!;
    for (const [i, member] of data.fences.entries()) {
      array.get();
      const r = member.addCallback(data.cbs[i]!, (m) => onMemberSignaled(array, data, m));
      if (!r.ok) {
        setPendingError(data, member.error);
        array.put();
        if (--data.numPending === 0) {
          if (data.pendingError !== 0) array.setErrorRaw(data.pendingError);
          return false;
        }
      }
    }
    return true;
  },
  signaled(array) {
    const data = toArray(array)!;
    let pending = data.numPending;
    let done = pending <= 0;
    if (!array.swSignalingEnabled) {
      for (const member of data.fences) {
        if (!done && member.isSignaled() && --pending === 0) done = true;
      }
    }
    if (done && data.pendingError !== 0) array.setErrorRaw(data.pendingError);
    return done;
  },
  release(array) {
    for (const member of toArray(array)!.fences) member.put();
  },
};

/**
 * `dma_fence_array_create(n, fences, context, seqno, signal_on_any)`: takes ownership of the
 * members' references. Empty member list or a container member → WARN.
 */
export function dmaFenceArrayCreate(
  sys: FenceSystem,
  fences: readonly DmaFence[],
  context: bigint,
  seqno: bigint,
  signalOnAny: boolean,
): DmaFence {
  if (fences.length === 0)
    sys.log.report('WARN', RULE.fenceArrayEmpty, 'dma_fence_array with no fences');
  for (const f of fences) {
    if (f.container) {
      sys.log.report(
        'WARN',
        RULE.fenceArrayNested,
        `dma_fence_array member ${f.describe()} is a container`,
      );
    }
  }
  const data: FenceArrayData = {
    kind: 'array',
    fences: [...fences],
    signalOnAny,
    numPending: signalOnAny ? Math.min(1, fences.length) : fences.length,
    pendingError: 0,
    cbs: fences.map(() => new DmaFenceCb()),
  };
  return new DmaFence(sys, ARRAY_OPS, context, seqno, { container: data });
}
