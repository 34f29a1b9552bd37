import { type KernelVersion, versionAtLeast } from '../dmabuf/rules.js';
import { PeerdmaError } from '../errors/index.js';
import { RULE_SETS } from '../p2pdma/rulesets.js';

/** The rule set a Kernel follows when none is named. */
export const DEFAULT_RULE_SET = 'linux-6.19';

/**
 * The kernel version a rule-set name stands for: `linux-<major>.<minor>` (e.g. `linux-6.1`,
 * `linux-5.10`, `linux-7.0`). Anything else is a user error naming the input.
 */
export function parseRuleSet(name: string): KernelVersion {
  const m = /^linux-(\d+)\.(\d+)$/.exec(name);
  if (!m) {
    throw new PeerdmaError(
      'E_NOT_FOUND',
      `unknown rule set '${name}': expected linux-<major>.<minor>, e.g. linux-6.19`,
    );
  }
  return [Number(m[1]), Number(m[2])];
}

/**
 * dma_fence behaviour that changed around v6.17 (spec §2.1.2 rules 1 and 3): a signalled fence no
 * longer reaches its driver's ops for names ("detached-driver"/"signaled-timeline"), and
 * `dma_fence_signal` stopped returning -EINVAL for an already-signalled fence.
 */
export const fenceRulesFor = (
  v: KernelVersion,
): { detachOpsOnSignal: boolean; signalReturnsEinval: boolean } => ({
  detachOpsOnSignal: versionAtLeast(v, 6, 17),
  signalReturnsEinval: !versionAtLeast(v, 6, 17),
});

const versionNumber = (name: string): number => {
  const [major, minor] = parseRuleSet(name);
  return major * 1000 + minor;
};

/**
 * The P2PDMA rule set for a kernel rule-set name: exact, else the newest older one. The preset
 * named `linux-5.4` models the early (v4.20–v5.1) semantics, so kernels from v5.2 on that fall
 * between it and `linux-6.1` (5.4 … 5.19: host-bridge route, map types, allowlist) use `linux-6.1`,
 * the nearest preset with those semantics; older kernels use the oldest preset.
 */
export function p2pRuleSetFor(ruleSet: string): string {
  if (RULE_SETS.some((r) => r.name === ruleSet)) return ruleSet;
  const v = versionNumber(ruleSet);
  const sorted = [...RULE_SETS].sort((a, b) => versionNumber(b.name) - versionNumber(a.name));
  const older = sorted.find((r) => versionNumber(r.name) <= v) ?? sorted[sorted.length - 1]!;
  if (older.name === 'linux-5.4' && v >= versionNumber('linux-5.2')) return 'linux-6.1';
  return older.name;
}
