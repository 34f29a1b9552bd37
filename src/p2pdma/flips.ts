/**
 * Where a later release answers a pair differently: for a distribution kernel (answered with its
 * mainline base) the change that would flip the verdict, which a vendor backport may carry.
 */
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { P2pEnv } from './env.js';
import { type HistoryEntry, P2PDMA_HISTORY, type Release, releaseAtMost } from './history.js';
import { foldRuleSet, type RuleSet } from './rulesets.js';
import type { MapType } from './types.js';
import { computeVerdict } from './verdict.js';

export interface Flip {
  /** The first later release that answers differently. */
  readonly release: Release;
  readonly ruleSet: string;
  /** Its answer for the pair. */
  readonly mapType: MapType | 'uncertain';
  /** The changes that release brought (one of them flips the pair). */
  readonly changes: readonly HistoryEntry[];
}

/** Releases after `from` where the history changes something, oldest first. */
export function laterReleases(from: Release): Release[] {
  const seen = new Map<string, Release>();
  for (const e of P2PDMA_HISTORY) {
    if (!releaseAtMost(e.release, from)) seen.set(e.release.join('.'), e.release);
  }
  return [...seen.values()];
}

/** The first later release whose rules answer (provider, client) differently from `rules`, or null. */
export function firstFlip(
  fabric: Fabric,
  rules: RuleSet,
  provider: PciFunction,
  client: PciFunction,
  cmdline?: string,
): Flip | null {
  const now = computeVerdict(new P2pEnv(fabric, rules, cmdline), provider, client, {
    log: false,
  }).mapType;
  for (const r of laterReleases(rules.release)) {
    const later = foldRuleSet(r);
    const v = computeVerdict(new P2pEnv(fabric, later, cmdline), provider, client, { log: false });
    if (v.mapType !== now) {
      return {
        release: r,
        ruleSet: later.name,
        mapType: v.mapType,
        changes: P2PDMA_HISTORY.filter((e) => e.release[0] === r[0] && e.release[1] === r[1]),
      };
    }
  }
  return null;
}
