import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matrixDevices } from '../p2pdma/matrix.js';
import { randomFabric } from '../p2pdma/testing/gen.js';
import { bandwidthMatrices } from './matrix.js';
import { PerfModel } from './model.js';

const close = (got: number, want: number, what: string) =>
  assert.ok(
    Math.abs(got - want) <= 2e-6 * Math.max(1, Math.abs(want)),
    `${what}: fast ${got} vs solver ${want}`,
  );

test('every matrix cell equals the max-min solver on the same flows (random fabrics)', () => {
  let cells = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const fabric = randomFabric(seed, { maxHostBridges: 4 });
    const model = new PerfModel(fabric);
    const devs = matrixDevices(fabric, { all: true }).slice(0, 14);
    const m = bandwidthMatrices(model, devs);
    for (let i = 0; i < devs.length; i++) {
      for (let j = 0; j < devs.length; j++) {
        if (i === j) continue;
        const [s, d] = [devs[i]!, devs[j]!];
        const at = `seed ${seed} ${s.bdf}>${d.bdf}`;
        const p2p = model.solve([{ src: s, dst: d, mode: 'p2p' }])[0]!;
        const bounce = model.solve([{ src: s, dst: d, mode: 'bounce' }])[0]!;
        const bidiP = model.solve([
          { src: s, dst: d, mode: 'p2p' },
          { src: d, dst: s, mode: 'p2p' },
        ]);
        const bidiB = model.solve([
          { src: s, dst: d, mode: 'bounce' },
          { src: d, dst: s, mode: 'bounce' },
        ]);
        for (const end of ['lo', 'hi'] as const) {
          const e = m[end];
          close(e.uniP2p[i * m.n + j]!, p2p.rate[end], `${at} uni P2P ${end} (${p2p.route.via})`);
          close(e.uniBounce[i * m.n + j]!, bounce.rate[end], `${at} uni bounce ${end}`);
          close(
            e.bidiP2p[i * m.n + j]!,
            bidiP[0]!.rate[end] + bidiP[1]!.rate[end],
            `${at} bidi P2P ${end} (${bidiP[0]!.route.via}/${bidiP[1]!.route.via})`,
          );
          close(
            e.bidiBounce[i * m.n + j]!,
            bidiB[0]!.rate[end] + bidiB[1]!.rate[end],
            `${at} bidi bounce ${end}`,
          );
        }
        close(m.latP2p[i * m.n + j]!, p2p.route.latencyNs, `${at} P2P latency`);
        close(m.latBounce[i * m.n + j]!, bounce.route.latencyNs, `${at} bounce latency`);
        cells++;
      }
    }
  }
  assert.ok(cells > 2000, `compared ${cells} cells`);
});

test('a ranged one-socket machine shares the bounce matrices between the ends (no copy)', async () => {
  const { loadSpec } = await import('../ingest/spec/index.js');
  const { PARTITIONED_SPEC } = await import('../ingest/spec/testing/chip.js');
  const text = PARTITIONED_SPEC.replace(/^cpu: .*$/m, 'cpu: {vendor: GenuineIntel}');
  const model = new PerfModel(loadSpec({ name: 'm.yaml', text }).fabric);
  assert.equal(model.graph.rc.id, 'unknown');
  const f = model.fabric;
  const m = bandwidthMatrices(
    model,
    ['gpu0', 'gpu1', 'gpu2'].map((n) => f.resolve(n)),
  );
  assert.notEqual(m.hi, m.lo, 'the root complex is ranged');
  assert.equal(m.hi.uniBounce, m.lo.uniBounce);
  assert.equal(m.hi.bidiBounce, m.lo.bidiBounce);
  assert.notEqual(m.hi.uniP2p, m.lo.uniP2p);
});
