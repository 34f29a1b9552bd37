/** Test harness: a fresh FenceSystem with its own clock and violation log. */
import { SimClock, ViolationLog } from '../../core/index.js';
import { FenceSystem, type FenceSystemOptions } from '../system.js';

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
