import { type KernelVersion, versionAtLeast } from '../dmabuf/rules.js';
import { NEWEST_RELEASE, releaseAtMost } from '../p2pdma/history.js';
import { NEWEST_RULE_SET_NAME, parseRuleSetName } from '../p2pdma/rulesets.js';

/** The rule set a Kernel follows when none is named: the newest release in the p2pdma history. */
export const DEFAULT_RULE_SET = NEWEST_RULE_SET_NAME;

/**
 * The kernel version a rule-set name stands for: `linux-<major>.<minor>[.<patch>]` for any release
 * from v4.20 (e.g. `linux-5.14`, `linux-6.6.48`); a name past the newest known release keeps its own
 * version here (`modelledVersion` clamps it to the newest, as p2pdma answers with the newest rules). Anything else, or a
 * release before v4.20, is a typed user error naming the input — the same check `peerdma check` does.
 */
export function parseRuleSet(name: string, field = '--rules'): KernelVersion {
  return parseRuleSetName(name, field).release;
}

/**
 * The version a Kernel models for a rule-set name: the release it names, or the newest release
 * known when the name is past it (exactly as `check` answers such a name with the newest rules).
 */
export function modelledVersion(name: string): KernelVersion {
  const v = parseRuleSet(name);
  return releaseAtMost(v, NEWEST_RELEASE) ? v : NEWEST_RELEASE;
}

/**
 * dma_fence behaviour that changed between releases (spec §2.1.2 rules 1 and 3): from v6.17 a
 * signalled fence no longer reaches its driver's ops for names ("detached-driver" /
 * "signaled-timeline"); `dma_fence_signal()` on an already signalled fence returns -EINVAL through
 * v6.19 and returns nothing (void) from v7.0.
 */
export const fenceRulesFor = (
  v: KernelVersion,
): { detachOpsOnSignal: boolean; signalReturnsEinval: boolean } => ({
  detachOpsOnSignal: versionAtLeast(v, 6, 17),
  signalReturnsEinval: !versionAtLeast(v, 7, 0),
});

/** The P2PDMA rule set for a kernel rule-set name: every release has its own fold of the history. */
export function p2pRuleSetFor(ruleSet: string): string {
  parseRuleSetName(ruleSet);
  return ruleSet;
}
