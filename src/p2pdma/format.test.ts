/**
 * The verdict does not depend on the input format: the same machine captured as sysfs and as hwloc
 * XML (shared/fixtures: the `linux-*.xml` files describe the sysfs tarballs' machines) gets the same
 * answer for every pair where both inputs carry the deciding facts; where one input lacks a fact
 * (hwloc records no ACS and, here, no CPU vendor), its verdict is `uncertain` and the other input's
 * certain answer is among the possible outcomes. The route never depends on the format; the locality
 * class only through the host bridges' NUMA nodes, which the fake-locality capture records
 * differently in its two formats (sysfs numa_node vs hwloc's cpuset placement).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ORACLE_DIR } from '../ingest/lspci/testing/fixtures.js';
import { loadSource } from '../node/load.js';
import { matrixDevices } from './matrix.js';
import { P2pdma } from './p2pdma.js';
import type { Verdict } from './types.js';

const FIX = join(ORACLE_DIR, '..');
const MACHINES = ['40intel64-2g2n4c+pcilocality', 'fakepcilocalities'];

/** The facts an hwloc export does not record (here): only these may leave its verdict open. */
const HWLOC_LACKS = new Set(['acs-control', 'cpu-vendor-family']);

/** Every (mapType, distance) the verdict allows. */
const answers = (v: Verdict): string[] =>
  v.mapType === 'uncertain'
    ? v.outcomes.map((o) => `${o.mapType}/${o.distance}`)
    : [`${v.mapType}/${v.distance}`];

for (const machine of MACHINES) {
  const sysfs = join(FIX, 'sysfs', `${machine}.tar.gz`);
  const hwloc = join(FIX, 'hwloc', `linux-${machine}.xml`);
  const skip = existsSync(sysfs) && existsSync(hwloc) ? false : `fixtures not found in ${FIX}`;
  describe(`same machine via sysfs and hwloc: ${machine}`, { skip }, () => {
    test('every pair: same route; certain answers agree; an uncertain one allows the other', async () => {
      const a = (await loadSource(sysfs)).fabric;
      const b = (await loadSource(hwloc)).fabric;
      const ma = new P2pdma(a, 'linux-6.1');
      const mb = new P2pdma(b, 'linux-6.1');
      const devs = matrixDevices(a, { all: true }).map((f) => f.bdf);
      assert.deepEqual(
        matrixDevices(b, { all: true }).map((f) => f.bdf),
        devs,
        'same functions from both formats',
      );
      let bothCertain = 0;
      let oneUncertain = 0;
      let sysfsCertain = 0;
      for (const p of devs) {
        for (const c of devs) {
          const x = ma.verdict(p, c);
          const y = mb.verdict(p, c);
          const where = `${p} → ${c}`;
          assert.deepEqual(y.path, x.path, where);
          const numa = (m: P2pdma, bdf: string) =>
            m.env.fabric.hostBridge(m.env.get(bdf).hostBridge).numaNode;
          const sameNuma = [p, c].every((d) => numa(ma, d) === numa(mb, d));
          if (sameNuma && x.class !== 'unknown') assert.equal(y.class, x.class, where);
          const ax = answers(x);
          const ay = answers(y);
          if (x.mapType !== 'uncertain' && y.mapType !== 'uncertain') {
            bothCertain++;
            assert.deepEqual(ay, ax, where);
          } else {
            oneUncertain++;
            if (x.mapType !== 'uncertain') {
              sysfsCertain++;
              assert.ok(y.mapType === 'uncertain' && HWLOC_LACKS.has(y.missing.fact), where);
            }
            const [narrow, wide] = ax.length <= ay.length ? [ax, ay] : [ay, ax];
            for (const ans of narrow)
              assert.ok(wide.includes(ans), `${where}: ${ans} not in ${wide}`);
          }
        }
      }
      // hwloc carries neither ACS nor (here) the CPU vendor, so no pair is certain in both; the
      // sysfs capture decides the cross-root-port pairs, and those answers must be allowed above.
      assert.equal(bothCertain + oneUncertain, devs.length ** 2);
      assert.ok(sysfsCertain > 0, 'some pairs are certain from sysfs');
    });
  });
}
