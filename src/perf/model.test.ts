import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import { MT_CODES } from '../p2pdma/matrix.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import { PerfModel } from './model.js';
import { rcProfileOf, UNKNOWN_RC } from './rc.js';

/** One socket, two GPUs on their own root ports; gpu1's link trained at Gen3 x8 (capable Gen4 x16). */
const spec = (cpu: string, trained = ', trained: {gen: 3, width: 8}') => `peerdma: 1
machine: {name: t}
cpu: ${cpu}
sockets:
  - id: 0
    numaNodes: [0]
    hostBridges:
      - bus: 0x00
        hostDevice: {vendor: amd, device: 0x1480}
        devices:
          - {name: rp0, kind: root-port, vendor: amd, device: 0x1483, devfn: "01.1", link: {gen: 4, width: 16},
             children: [{name: gpu0, vendor: nvidia, device: 0x2204, class: gpu, link: {gen: 4, width: 16},
                         bars: [{index: 1, size: 32GiB, prefetchable: true}]}]}
          - {name: rp1, kind: root-port, vendor: amd, device: 0x1483, devfn: "03.1", link: {gen: 4, width: 16},
             children: [{name: gpu1, vendor: nvidia, device: 0x2204, class: gpu,
                         link: {gen: 4, width: 16${trained}},
                         bars: [{index: 1, size: 32GiB, prefetchable: true}]}]}
`;
const load = (cpu: string, trained?: string) =>
  loadSpec({ name: 't.yaml', text: spec(cpu, trained) }).fabric;

test('a link trained below capability limits the flow at its trained rate, and says so', () => {
  const f = load('{arch: x86_64, vendor: AuthenticAMD, family: 0x19, model: 0x11}');
  const r = new PerfModel(f).alone(f.resolve('gpu0'), f.resolve('gpu1'), 'p2p');
  // Gen3 x8: 7.877 GB/s raw × (1 − 0.02 − 0.0026) / (152/128) = 6.48 GB/s
  assert.ok(Math.abs(r.rate.lo - 6.484) < 0.01, `${r.rate.lo}`);
  assert.match(r.bottleneck, /gpu1–rp1 \(Gen3 x8\) down/);
  assert.ok(r.notes.some((n) => n.code === 'link_degraded'));
});

test('a CPU family without a measurement gets the measured range, never one made-up figure', () => {
  assert.equal(
    rcProfileOf({ arch: 'x86_64', vendor: 'GenuineIntel', family: 6, model: 0x8f }),
    UNKNOWN_RC,
  );
  assert.equal(
    rcProfileOf({ arch: 'x86_64', vendor: 'GenuineIntel', family: 6, model: 0x4f }).id,
    'intel-broadwell-ep',
  );
  const f = load('{arch: x86_64, vendor: GenuineIntel, family: 6, model: 0x8f}', '');
  const r = new PerfModel(f).alone(f.resolve('gpu0'), f.resolve('gpu1'), 'p2p-hw');
  // Broadwell's 7.06–7.1 … Zen 2's ≥ 25.05 per flow; the Gen4 x16 links (25.93) cap the high end
  assert.deepEqual([r.rate.lo, r.rate.hi], [7.06, 25.05]);
  assert.ok(r.notes.some((n) => n.code === 'rc_unmeasured'));
});

test("with no rule set named, the model judges with the rules the machine's kernel picks (as check and matrix)", () => {
  for (const release of ['4.19.0', '5.4.0-100-generic', '6.1.0', null]) {
    const fabric = loadSpec({
      name: 'k.yaml',
      text: `${spec('{vendor: AuthenticAMD, family: 0x19}')}${release === null ? '' : `kernel: {release: ${release}}\n`}`,
    }).fabric;
    const want = chooseRules(fabric.machine).rules;
    const model = new PerfModel(fabric);
    assert.equal(model.env.rules.name, want.name, String(release));
    if (release !== null) assert.notEqual(want.name, getRuleSet(undefined).name);
    // Each flow's map type is the verdict `check` gives under those rules.
    const p2p = new P2pdma(fabric, want.name);
    const devs = fabric.functions.filter((f) => f.kind === 'endpoint');
    for (const a of devs)
      for (const b of devs) {
        if (a === b) continue;
        const [mt] = model.mapTypes([[a, b]]);
        assert.equal(MT_CODES[mt!], p2p.verdict(b, a).mapType, `${a.bdf} → ${b.bdf}`);
      }
    assert.equal(new PerfModel(fabric, { ruleSet: 'linux-6.8' }).env.rules.name, 'linux-6.8');
  }
});
