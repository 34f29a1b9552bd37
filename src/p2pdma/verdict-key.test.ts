/**
 * The verdict key against the per-pair walk: on random fabrics (ACS redirect on, off or unknown per
 * port, one to four host bridges with allowlisted, unlisted and unknown host-bridge devices, every
 * rule set where the rules change, what-if command lines), every two pairs with one key get the
 * same answer from `pairAnswer` apart from the pair's own names, and the key's chain helpers agree
 * with the fabric's. The compact matrix's use of it is held against full verdicts in app.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { P2pEnv } from './env.js';
import { matrixDevices } from './matrix.js';
import { RULE_SETS } from './rulesets.js';
import { randomFabric } from './testing/gen.js';
import { type PairAnswer, pairAnswer } from './verdict.js';
import { PAIR_NAMED_CODES, VerdictKeys } from './verdict-key.js';

/** What the key claims to decide: map type, outcomes and findings, the pair's own names left out. */
function answerText(v: PairAnswer): string {
  return JSON.stringify(
    {
      mapType: v.mapType,
      ...(v.mapType === 'uncertain'
        ? { possible: v.possible, missing: v.missing, more: v.moreMissing }
        : {}),
      acsBridges: v.acsBridges,
      issues: v.issues.map((x) => ({ ...x, path: PAIR_NAMED_CODES.has(x.code) ? [] : x.path })),
    },
    (_k, x) => (typeof x === 'bigint' ? `${x}n` : x),
  );
}

test('differential: pairs with one verdict key get one answer from the per-pair walk', () => {
  let pairs = 0;
  let keyed = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom(...RULE_SETS),
      fc.boolean(),
      fc.nat(5),
      fc.nat(255),
      (seed, rules, unknowns, what, mask) => {
        const f = randomFabric(seed, { unknowns, maxHostBridges: 4 });
        const bridges = f.functions.filter((x) => f.isBridge(x)).map((x) => x.bdf);
        // What-if command lines: redirect cleared on a random set of bridges, on all of a bus
        // range by id, or ACS control rewritten on one bridge.
        const some = bridges.filter((_, k) => (mask >> (k % 8)) & 1);
        const cmdline = [
          undefined,
          undefined,
          some.length > 0 ? `pci=disable_acs_redir=${some.join(';')}` : undefined,
          'pci=disable_acs_redir=pci:0:0',
          `pci=config_acs=000000@${bridges[mask % Math.max(1, bridges.length)] ?? '0000:00:00.0'}`,
          `pci=config_acs=111xxx@${bridges[0] ?? '0000:00:00.0'}`,
        ][what];
        const env = new P2pEnv(f, rules, cmdline);
        const keys = new VerdictKeys(env);
        const devs = matrixDevices(f, { all: true });
        const first = new Map<string, { text: string; at: string }>();
        const changed = env.changedByCmdline;
        for (const a of devs) {
          for (const b of devs) {
            const at = `${a.bdf} → ${b.bdf} (${rules.name}, ${cmdline ?? 'no cmdline'}, seed ${seed})`;
            assert.equal(keys.common(a, b), f.commonUpstream(a, b), at);
            const path = f.path(a, b);
            assert.equal(
              keys.touchesChanged(a, b),
              path.some((x) => changed.has(x)),
              at,
            );
            const text = answerText(pairAnswer(env, a, b, path, { log: false }));
            const k = keys.key(a, b);
            const seen = first.get(k);
            pairs++;
            if (seen === undefined) first.set(k, { text, at });
            else assert.equal(text, seen.text, `${at} vs ${seen.at}: key ${k}`);
          }
        }
        keyed += first.size;
      },
    ),
    { numRuns: 60 },
  );
  // The key is coarser than the pair: most pairs share theirs with others (the factored path ran).
  assert.ok(keyed * 2 < pairs, `${keyed} keys for ${pairs} pairs`);
});
