/** Test harness: a fresh FenceSystem with its own clock and violation log. */
import assert from 'node:assert/strict';
import { SimClock, ViolationLog } from '../../core/index.js';
import { FenceSystem, type FenceSystemOptions } from '../system.js';
import { type LiveObjects, NO_LIVE_OBJECTS } from '../types.js';

export interface Harness {
  readonly clock: SimClock;
  readonly log: ViolationLog;
  readonly sys: FenceSystem;
}

export function makeHarness(
  opts: Partial<Omit<FenceSystemOptions, 'clock' | 'log'>> & { strict?: boolean } = {},
): Harness {
  const clock = new SimClock();
  const log = new ViolationLog({ strict: opts.strict ?? false });
  const sys = new FenceSystem({ clock, log, ...opts });
  return { clock, log, sys };
}

/** Rules of the violations recorded so far. */
export const rules = (log: ViolationLog): string[] => log.all.map((v) => v.rule);

/** Jiffy at HZ=250, the kernel tests' unit of short waits. */
export const JIFFY = 4_000_000n;

/** The live-object counters of a system with nothing alive. */
export const NOTHING_LIVE: LiveObjects = NO_LIVE_OBJECTS;

/** Teardown check: nothing alive in the fence system (and, by default, no violation recorded). */
export function assertClean(h: Harness, opts: { violations?: boolean } = {}): void {
  assert.deepEqual(h.sys.liveObjects(), NOTHING_LIVE);
  if (!opts.violations)
    assert.deepEqual(
      h.log.all.map((v) => v.message),
      [],
    );
}
