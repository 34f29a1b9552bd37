/**
 * Conformance with a real Linux 6.1 kernel (shared/fixtures/kernel-oracle): with `--rules linux-6.1`
 * every ordered pair agrees (distance, map type where the oracle has one, kernel log lines) from the
 * sysfs capture; from lspci output wherever lspci carries the deciding facts, and elsewhere the
 * verdict is `uncertain` with the kernel's real answer among the possible outcomes. The same pairs
 * also show the verdict does not depend on the input format.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MACHINES, ORACLE_DIR } from '../ingest/lspci/testing/fixtures.js';
import type { LoadResult } from '../ingest/types.js';
import { chooseRules } from './kernel-release.js';
import { P2pdma } from './p2pdma.js';
import type { Verdict } from './types.js';

const ORACLE = ORACLE_DIR;

interface OraclePair {
  provider: string;
  client: string;
  distance: number;
  mapType: string | null;
  kernelLog: string[];
}

let loadSource: ((src: string) => Promise<LoadResult>) | null = null;
let whyNot = '';
try {
  loadSource = (await import('../node/load.js')).loadSource;
} catch (e) {
  whyNot = `loaders not available yet: ${(e as Error).message.split('\n')[0]}`;
}
const skip = !existsSync(ORACLE)
  ? `fixtures not found at ${ORACLE}`
  : loadSource === null
    ? whyNot
    : false;

function agrees(v: Verdict, p: OraclePair): string | null {
  if (v.mapType === 'uncertain') return 'uncertain';
  if (v.distance !== p.distance) return `distance ${v.distance} != ${p.distance}`;
  if (p.mapType !== null && v.mapType !== p.mapType) return `mapType ${v.mapType} != ${p.mapType}`;
  if (JSON.stringify(v.kernelLog) !== JSON.stringify(p.kernelLog))
    return `log ${JSON.stringify(v.kernelLog)}`;
  return null;
}

for (const machine of MACHINES) {
  describe(`kernel oracle: ${machine}`, { skip }, () => {
    const dir = join(ORACLE, machine);
    const oracle = () =>
      JSON.parse(readFileSync(join(dir, 'verdicts.json'), 'utf8')) as { pairs: OraclePair[] };
    const sysfs = () => loadSource!(join(dir, 'sysfs.tar.gz'));
    const lspci = () =>
      loadSource!(`${join(dir, 'lspci-tvnn.txt')},${join(dir, 'lspci-vvvnn.txt')}`);

    test('sysfs capture: every ordered pair agrees with the kernel', async () => {
      const m = new P2pdma((await sysfs()).fabric, 'linux-6.1');
      for (const p of oracle().pairs) {
        const why = agrees(m.verdict(p.provider, p.client), p);
        assert.equal(why, null, `${p.provider} → ${p.client}: ${why}`);
      }
    });

    test("by default: the capture's own kernel (proc/version 6.1.192) picks linux-6.1.192, and every pair agrees", async () => {
      const { fabric } = await sysfs();
      const choice = chooseRules(fabric.machine);
      assert.equal(choice.source, 'machine');
      assert.equal(choice.kernelRelease, '6.1.192-p2poracle');
      assert.equal(choice.rules.name, 'linux-6.1.192');
      const m = new P2pdma(fabric, choice.rules);
      for (const p of oracle().pairs) {
        const why = agrees(m.verdict(p.provider, p.client), p);
        assert.equal(why, null, `${p.provider} → ${p.client}: ${why}`);
      }
    });

    test('lspci output: agrees where lspci carries the facts, else uncertain with the real answer possible', async () => {
      const m = new P2pdma((await lspci()).fabric, 'linux-6.1');
      for (const p of oracle().pairs) {
        const v = m.verdict(p.provider, p.client);
        const where = `${p.provider} → ${p.client}`;
        if (v.mapType !== 'uncertain') {
          assert.equal(agrees(v, p), null, where);
          continue;
        }
        assert.equal(v.missing.fact, 'cpu-vendor-family', where);
        const hit = v.outcomes.some(
          (o) =>
            o.distance === p.distance &&
            (p.mapType === null || o.mapType === p.mapType) &&
            JSON.stringify(o.kernelLog) === JSON.stringify(p.kernelLog),
        );
        assert.ok(hit, `${where}: real answer not among ${JSON.stringify(v.outcomes)}`);
      }
    });

    test('the verdict does not depend on the input format (where both are certain)', async () => {
      const a = new P2pdma((await sysfs()).fabric, 'linux-6.1');
      const b = new P2pdma((await lspci()).fabric, 'linux-6.1');
      let compared = 0;
      for (const p of oracle().pairs) {
        const x = a.verdict(p.provider, p.client);
        const y = b.verdict(p.provider, p.client);
        if (y.mapType === 'uncertain') continue;
        compared++;
        const pick = (v: Verdict) => [
          v.mapType,
          v.distance,
          v.kernelLog,
          v.path,
          v.acsBridges,
          v.class,
        ];
        assert.deepEqual(pick(y), pick(x), `${p.provider} → ${p.client}`);
      }
      assert.ok(compared > 0);
    });
  });
}
