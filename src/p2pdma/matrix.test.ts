/**
 * The fast all-pairs engine against the per-pair reference walk on random fabrics (and proof the
 * fast path ran), plus properties of the rules themselves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { P2pEnv } from './env.js';
import {
  cellDistance,
  cellMapType,
  distanceRows,
  fastMatrix,
  MT_NOT_SUPPORTED,
  MT_UNCERTAIN,
  matrixDevices,
  referenceMatrix,
} from './matrix.js';
import { P2pdma } from './p2pdma.js';
import { getRuleSet, RULE_SETS } from './rulesets.js';
import { randomFabric } from './testing/gen.js';
import type { MapType } from './types.js';

const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const ruleNames = fc.constantFrom(...RULE_SETS.map((r) => r.name));

test('differential: fast matrix == reference walk on random fabrics, and the fast path ran', () => {
  fc.assert(
    fc.property(seeds, ruleNames, fc.boolean(), fc.nat(7), (seed, rules, unknowns, what) => {
      const f = randomFabric(seed, { unknowns });
      // Sometimes a what-if command line: clear redirect on a few bridges, by path or by id.
      const bridges = f.functions.filter((x) => f.isBridge(x)).map((x) => x.bdf);
      const cmdline = [
        undefined,
        `pci=disable_acs_redir=${bridges.slice(0, 2).join(';')}`,
        'pci=disable_acs_redir=pci:0:0',
        `pci=config_acs=000000@${bridges[0] ?? '0000:00:00.0'}`,
      ][what % 4];
      const env = new P2pEnv(f, getRuleSet(rules), cmdline);
      const devs = matrixDevices(f, { all: true });
      const fast = fastMatrix(env, devs);
      const ref = referenceMatrix(env, devs);
      // v5.2 – v5.3 (root_complex_whitelist, distance 0x1000 + d) are answered by the walk.
      const walked = env.rules.semantics === 'root-complex';
      assert.equal(fast.stats.fastRows, walked ? 0 : devs.length);
      assert.equal(fast.stats.referenceCells, walked ? devs.length * devs.length : 0);
      assert.equal(ref.stats.referenceCells, devs.length * devs.length);
      for (let i = 0; i < devs.length; i++) {
        for (let j = 0; j < devs.length; j++) {
          const where = `${devs[i]!.bdf} → ${devs[j]!.bdf}`;
          assert.equal(cellMapType(fast, i, j), cellMapType(ref, i, j), where);
          assert.equal(cellDistance(fast, i, j), cellDistance(ref, i, j), where);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('differential: rows and single cells of the fast matrix (no n×n table) == reference walk, in any device order', () => {
  fc.assert(
    fc.property(seeds, ruleNames, fc.boolean(), seeds, (seed, rules, unknowns, shuffle) => {
      const f = randomFabric(seed, { unknowns });
      const env = new P2pEnv(f, getRuleSet(rules));
      // A device order other than tree order: the rows are permuted into it.
      const devs = matrixDevices(f, { all: true })
        .map((d, k) => ({ d, k: (k * 7919 + shuffle) % 65521 }))
        .sort((x, y) => x.k - y.k)
        .map((x) => x.d);
      const fast = fastMatrix(env, devs);
      const ref = referenceMatrix(env, devs);
      const mt = new Int8Array(devs.length).fill(9);
      const d = distanceRows(fast);
      for (let i = 0; i < devs.length; i++) {
        fast.row(i, mt, d);
        for (let j = 0; j < devs.length; j++) {
          const where = `${devs[i]!.bdf} → ${devs[j]!.bdf}`;
          assert.equal(mt[j], cellMapType(ref, i, j), where);
          assert.equal(d[j], cellDistance(ref, i, j), where);
          assert.equal(fast.mapTypeAt(i, j), cellMapType(ref, i, j), where);
          assert.equal(fast.distanceAt(i, j), cellDistance(ref, i, j), where);
        }
      }
    }),
    { numRuns: 80 },
  );
});

test('property: rows of the fast matrix are equal outside the span differBetween gives', () => {
  let told = 0;
  fc.assert(
    fc.property(seeds, ruleNames, fc.boolean(), (seed, rules, unknowns) => {
      const f = randomFabric(seed, { unknowns });
      const m = fastMatrix(new P2pEnv(f, getRuleSet(rules)), matrixDevices(f, { all: true }));
      const span = new Int32Array(2);
      for (let i = 0; i < m.n; i++) {
        for (let p = 0; p < m.n; p++) {
          if (m.differBetween?.(i, p, span) !== true) continue;
          told++;
          assert.ok(0 <= span[0]! && span[0]! <= span[1]! && span[1]! <= m.n);
          for (let j = 0; j < m.n; j++) {
            if (j >= span[0]! && j < span[1]!) continue;
            const at = `${i}, ${p} at ${j} (span ${span[0]}…${span[1]})`;
            assert.equal(cellMapType(m, i, j), cellMapType(m, p, j), at);
            assert.equal(cellDistance(m, i, j), cellDistance(m, p, j), at);
          }
        }
      }
    }),
    { numRuns: 60 },
  );
  assert.ok(told > 0, 'some spans were given');
});

test('property: distance >= 0 exactly when the map type is not NOT_SUPPORTED', () => {
  fc.assert(
    fc.property(seeds, ruleNames, (seed, rules) => {
      const f = randomFabric(seed);
      const m = fastMatrix(new P2pEnv(f, getRuleSet(rules)), matrixDevices(f, { all: true }));
      for (let i = 0; i < m.n; i++) {
        for (let j = 0; j < m.n; j++) {
          const t = cellMapType(m, i, j);
          if (t === MT_UNCERTAIN) continue;
          assert.equal(cellDistance(m, i, j) >= 0, t !== MT_NOT_SUPPORTED);
        }
      }
    }),
    { numRuns: 100 },
  );
});

const RANK: Record<MapType, number> = { NOT_SUPPORTED: 0, THRU_HOST_BRIDGE: 1, BUS_ADDR: 2 };

test('property: clearing ACS redirect on the listed bridges (the kernel’s own hint) never makes a pair worse', () => {
  fc.assert(
    fc.property(seeds, ruleNames, (seed, rules) => {
      const f = randomFabric(seed);
      const devs = matrixDevices(f, { all: true });
      const m = new P2pdma(f, rules);
      for (const a of devs) {
        for (const b of devs) {
          const v = m.verdict(a, b);
          if (v.mapType === 'uncertain' || v.acsBridges.length === 0) continue;
          const w = new P2pdma(f, rules, `pci=disable_acs_redir=${v.acsBridges.join(';')}`).verdict(
            a,
            b,
          );
          assert.notEqual(w.mapType, 'uncertain');
          if (w.mapType !== 'uncertain')
            assert.ok(RANK[w.mapType] >= RANK[v.mapType], `${a.bdf} → ${b.bdf}`);
        }
      }
    }),
    { numRuns: 60 },
  );
});

test('property: a VF answers as its PF (towards and from every third device)', () => {
  fc.assert(
    fc.property(seeds, ruleNames, (seed, rules) => {
      const f = randomFabric(seed);
      const m = new P2pdma(f, rules);
      const others = matrixDevices(f, { all: true });
      for (const vf of f.functions.filter((x) => x.physfn !== null)) {
        const pf = f.require(vf.physfn!);
        for (const x of others) {
          if (x === vf || x === pf || x.physfn === pf.bdf) continue;
          for (const [p, q] of [
            [vf, pf],
            [pf, vf],
          ] as const) {
            const a = p === vf ? m.verdict(vf, x) : m.verdict(x, vf);
            const b = p === vf ? m.verdict(pf, x) : m.verdict(x, pf);
            assert.equal(a.mapType, b.mapType);
            assert.equal(a.distance, b.distance);
            void q;
          }
        }
      }
    }),
    { numRuns: 60 },
  );
});
