import type { KernelVersion } from '../dmabuf/rules.js';
import { PeerdmaError } from '../errors/index.js';

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
