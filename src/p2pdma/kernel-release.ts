/**
 * The machine's kernel decides the rule set. A kernel release string as `uname -r`,
 * `/proc/sys/kernel/osrelease` or `/proc/version` print it is read as a mainline base release plus,
 * for a distribution kernel (RHEL-family el8/el9/el10, Ubuntu, Debian, SUSE, Fedora, Amazon Linux,
 * Oracle UEK), the distribution: its verdict is that of its mainline base, flagged, because the
 * vendor may have backported later p2pdma changes.
 */
import type { MachineInfo } from '../pci/types.js';
import { isKnown } from '../pci/types.js';
import { FIRST_RELEASE, NEWEST_RELEASE, type Release, releaseAtMost } from './history.js';
import { foldRuleSet, getRuleSet, type RuleSet } from './rulesets.js';

export interface ParsedRelease {
  readonly raw: string;
  readonly base: Release;
  /** Stable point release of a mainline/stable kernel; null for a distribution kernel or X.Y only. */
  readonly point: number | null;
  /** The distribution that built it, e.g. `RHEL 9`, `Ubuntu`, `SUSE`; null: mainline or custom. */
  readonly distro: string | null;
  /** A release candidate (`-rcN`): the rules of the release it leads to. */
  readonly rc: boolean;
}

const DISTROS: readonly (readonly [RegExp, (m: RegExpExecArray) => string])[] = [
  [/\.el(\d+)(?:_\d+)?uek\b/, () => 'Oracle UEK'],
  [/\.el(\d+)(?:_\d+)?\b/, (m) => `RHEL ${m[1]} family`],
  [/\.fc(\d+)\b/, (m) => `Fedora ${m[1]}`],
  [/\.amzn(\d+)\b/, (m) => `Amazon Linux ${m[1]}`],
  [/^-\d{6}\.[\d.]+-[a-z0-9]+$|^-\d+(?:\.\d+)*-(?:default|rt|azure|64kb)$/, () => 'SUSE'],
  [/^-\d+-(?:amd64|arm64|686(?:-pae)?|cloud-amd64|cloud-arm64|rt-amd64|rt-arm64)$/, () => 'Debian'],
  [/^-\d+(?:\.\d+)?-[a-z][a-z0-9-]*$/, () => 'Ubuntu'],
];

/** `5.14.0-427.el9.x86_64` → base 5.14, RHEL 9; `6.1.192-p2poracle` → 6.1.192; null if unreadable. */
export function parseKernelRelease(text: string): ParsedRelease | null {
  const raw = text.trim().replace(/^Linux version (\S+).*$/s, '$1');
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(raw);
  if (!m) return null;
  const base: Release = [Number(m[1]), Number(m[2])];
  const rest = m[4] ?? '';
  const rc = /^-rc\d+/.test(rest);
  for (const [re, label] of DISTROS) {
    const d = re.exec(rest);
    if (d) return { raw, base, point: null, distro: label(d), rc };
  }
  return { raw, base, point: m[3] === undefined || rc ? null : Number(m[3]), distro: null, rc };
}

export type RulesSource = 'option' | 'machine' | 'default';

/** Which rule set answers, why, and the line every result prints about it. */
export interface RulesChoice {
  readonly rules: RuleSet;
  readonly source: RulesSource;
  /** The machine's kernel release as the input carried it (null: none). */
  readonly kernelRelease: string | null;
  readonly distro: string | null;
  /** `rules linux-5.14 (from the machine's kernel 5.14.0-427.el9.x86_64)`. */
  readonly text: string;
  /** Flags to print under it: distribution kernel, release past the newest, no p2pdma in the base. */
  readonly notes: readonly string[];
}

/**
 * The rule set for a machine: `--rules` when given (`explicit`), else the machine's own kernel
 * release, else the newest release (said to be a default).
 */
export function chooseRules(machine: MachineInfo, explicit?: string): RulesChoice {
  const kr = isKnown(machine.kernelRelease) ? machine.kernelRelease : null;
  if (explicit !== undefined) {
    const rules = getRuleSet(explicit);
    return {
      rules,
      source: 'option',
      kernelRelease: kr,
      distro: null,
      text: `rules ${rules.name} (from --rules${kr ? `; the machine's kernel is ${kr}` : ''})`,
      notes: rules.caveat ? [rules.caveat] : [],
    };
  }
  const parsed = kr === null ? null : parseKernelRelease(kr);
  if (parsed === null) {
    const rules = foldRuleSet(NEWEST_RELEASE);
    return {
      rules,
      source: 'default',
      kernelRelease: kr,
      distro: null,
      text: `rules ${rules.name} (default: the newest release; ${kr === null ? 'the input carries no kernel release' : `kernel release '${kr}' not understood`})`,
      notes: [],
    };
  }
  const notes: string[] = [];
  let rules: RuleSet;
  if (!releaseAtMost(FIRST_RELEASE, parsed.base)) {
    rules = foldRuleSet(FIRST_RELEASE);
    notes.push(
      parsed.distro
        ? `${parsed.raw} is a distribution kernel (${parsed.distro}) on mainline v${parsed.base.join('.')}, which has no p2pdma; the distribution backported it: answered with the earliest p2pdma rules (${rules.name}); pass --rules to choose others`
        : `Linux ${parsed.base.join('.')} has no p2pdma (it arrived in v4.20): every P2PDMA request fails on this kernel; verdicts shown use the earliest rules (${rules.name})`,
    );
  } else {
    const name = `linux-${parsed.base.join('.')}${parsed.point === null ? '' : `.${parsed.point}`}`;
    rules = getRuleSet(name, 'kernel release');
    if (rules.caveat) notes.push(rules.caveat);
    if (parsed.distro) {
      notes.push(
        `${parsed.raw} is a distribution kernel (${parsed.distro}): answered with its mainline base v${parsed.base.join('.')}; the distribution may carry later p2pdma changes as backports`,
      );
    }
  }
  return {
    rules,
    source: 'machine',
    kernelRelease: kr,
    distro: parsed.distro,
    text: `rules ${rules.name} (from the machine's kernel ${parsed.raw}${parsed.distro ? `, ${parsed.distro}` : ''})`,
    notes,
  };
}

/** A RulesChoice as plain data (for JSON documents and records that outlive the rule set). */
export interface RulesChoiceData {
  readonly name: string;
  readonly source: RulesSource;
  readonly kernelRelease: string | null;
  readonly distro: string | null;
  readonly text: string;
  readonly notes: readonly string[];
}

export const rulesChoiceData = (c: RulesChoice): RulesChoiceData => ({
  name: c.rules.name,
  source: c.source,
  kernelRelease: c.kernelRelease,
  distro: c.distro,
  text: c.text,
  notes: c.notes,
});
