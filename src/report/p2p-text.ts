/** Schema version of the P2P documents; the wording of P2P findings lives in findings.ts. */
import type { Flip } from '../p2pdma/flips.js';
import { releaseText } from '../p2pdma/history.js';
import type { RulesChoiceData } from '../p2pdma/kernel-release.js';

export { factText, hintText, issueText } from './findings.js';

export const P2P_SCHEMA_VERSION = 1;
/** `check --json`: 2 renamed `bottleneck.gbps` to `bottleneck.GBps`, added `acsUsed` and `route`. */
export const CHECK_SCHEMA_VERSION = 2;

/** The rule-set line every result prints, and its notes (distribution kernel, past the newest …). */
export function rulesLines(choice: RulesChoiceData): string[] {
  return [choice.text, ...choice.notes.map((n) => `note: ${n}`)];
}

/** A later release that answers the pair differently (for distribution kernels: a backport may carry it). */
export function flipText(f: Flip): string {
  const changes = f.changes
    .map((e) => `${e.commit ? `${e.commit} ` : ''}"${e.subject}"`)
    .join('; ');
  return `from ${releaseText(f.release)} (${f.ruleSet}) mainline answers ${f.mapType}: ${changes} — a backport in this kernel would flip the verdict`;
}

export function flipJson(f: Flip): object {
  return {
    release: releaseText(f.release),
    ruleSet: f.ruleSet,
    mapType: f.mapType,
    changes: f.changes.map((e) => ({ commit: e.commit, subject: e.subject })),
    text: flipText(f),
  };
}
