/**
 * Waiting in simulated time (spec §2.1.5). A wait advances the SimClock from timer to timer until
 * the awaited fence(s) signal or the deadline passes; nothing reads the wall clock. A wait that
 * could only end by an event nobody scheduled is a hang: KernelBug `fence.wait.hang`.
 */

import { type KResult, kerr, ok } from '../core/index.js';
import { RULE } from '../core/rule-ids.js';
import type { DmaFence } from './fence.js';
import type { FenceSystem } from './system.js';
import { MAX_SCHEDULE_TIMEOUT } from './types.js';

export interface WaitOutcome {
  readonly ret: KResult<bigint>;
  /** Index of the signalled fence (wait-any), -1 otherwise. */
  readonly index: number;
}

/**
 * Shared engine of `dma_fence_wait_timeout` (one fence) and `dma_fence_wait_any_timeout`
 * (`any`): see `DmaFence.waitTimeout` for the return convention.
 */
export function waitFences(
  sys: FenceSystem,
  fences: readonly DmaFence[],
  any: boolean,
  intr: boolean,
  timeout: bigint,
  where: string,
): WaitOutcome {
  if (timeout < 0n || fences.length === 0) {
    sys.log.report('WARN', RULE.fenceWaitInvalid, `${where}: negative timeout or no fences`);
    return { ret: kerr('EINVAL', `${where}: invalid arguments`), index: -1 };
  }
  sys.mightSleep(where);
  const done = (): number => {
    if (any) return fences.findIndex((f) => f.isSignaled());
    return fences.every((f) => f.isSignaled()) ? 0 : -1;
  };
  // A single-fence wait enables signalling even for a zero timeout; wait-any only polls then.
  if (!any || timeout > 0n) for (const f of fences) f.enableSwSignaling();
  if (timeout === 0n) {
    const i = done();
    return { ret: ok(i >= 0 ? 1n : 0n), index: i };
  }
  let i = done();
  if (i >= 0) return { ret: ok(timeout), index: i };
  const clock = sys.clock;
  const infinite = timeout >= MAX_SCHEDULE_TIMEOUT;
  const deadline = clock.now + timeout;
  for (;;) {
    if (intr && sys.signalPending) {
      return { ret: kerr('ERESTARTSYS', `${where}: interrupted by a signal`), index: -1 };
    }
    const next = clock.nextDue;
    if (next === undefined || (!infinite && next > deadline)) {
      if (infinite) {
        sys.log.bug(
          RULE.fenceWaitHang,
          `${where}: task blocked forever on ${fences.map((f) => f.describe()).join(', ')} (no pending simulated event)`,
        );
      }
      clock.advance(deadline - clock.now);
      return { ret: ok(0n), index: -1 };
    }
    clock.advance(next > clock.now ? next - clock.now : 0n);
    i = done();
    if (i >= 0)
      return { ret: ok(infinite ? MAX_SCHEDULE_TIMEOUT : deadline - clock.now), index: i };
  }
}

/**
 * `dma_fence_wait_any_timeout(fences, intr, timeout)`: ok({remaining, index}) — remaining 0 on
 * timeout (index -1); timeout 0 → remaining 1 and the index if any is already signalled.
 */
export function dmaFenceWaitAnyTimeout(
  sys: FenceSystem,
  fences: readonly DmaFence[],
  intr: boolean,
  timeout: bigint,
): KResult<{ remaining: bigint; index: number }> {
  const r = waitFences(sys, fences, true, intr, timeout, 'dma_fence_wait_any_timeout');
  return r.ret.ok ? ok({ remaining: r.ret.value, index: r.index }) : r.ret;
}
