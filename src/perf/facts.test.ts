import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { PARTITIONED_SPEC } from '../ingest/spec/testing/chip.js';
import { MT_BUS_ADDR, MT_CODES } from '../p2pdma/matrix.js';
import { bandwidthMatrices } from './matrix.js';
import { type FlowMode, PerfModel } from './model.js';
import { chainMps } from './route.js';

const modelOf = (text = PARTITIONED_SPEC) =>
  new PerfModel(loadSpec({ name: 'm.yaml', text }).fabric);

describe('partitioned switch chip (virtual switches sharing one fabric)', () => {
  const m = modelOf();
  const f = m.fabric;
  const [g0, g1, g2] = ['gpu0', 'gpu1', 'gpu2'].map((n) => f.resolve(n)) as [
    (typeof f.functions)[number],
    (typeof f.functions)[number],
    (typeof f.functions)[number],
  ];
  const one = (src = g0, dst = g2, mode: FlowMode = 'p2p-hw', model = m) =>
    model.solve([{ src, dst, mode }])[0]!;

  it('the kernel still sees two hierarchies: the kernel route goes through the root complex', () => {
    const [mt] = m.mapTypes([[g0, g2]]);
    assert.notEqual(mt, MT_BUS_ADDR);
    const r = one(g0, g2, 'p2p');
    assert.notEqual(r.route.via, 'chip-fabric');
    assert.ok(r.notes.some((n) => n.code === 'chip_fabric_available' && n.evidence.chip === 'pex'));
  });

  it('p2p-hw crosses the partitions inside the chip: no root complex, no partition uplink', () => {
    const r = one();
    assert.equal(r.route.via, 'chip-fabric');
    const kinds = r.route.uses.map((u) => m.graph.constraints[u.constraint]!);
    assert.ok(!kinds.some((c) => c.kind === 'rc' || c.kind === 'memory'));
    assert.ok(!kinds.some((c) => /swA|swB/.test(c.label)), 'partition uplinks are not used');
    assert.ok(kinds.some((c) => c.kind === 'chip-fabric'));
    const note = r.notes.find((n) => n.code === 'chip_fabric_route');
    assert.equal(note?.evidence.chip, 'pex');
    assert.equal(note?.evidence.kernel, MT_CODES[m.mapTypes([[g2, g0]])[0]!]);
    // a 64 GB/s fabric: the Gen4 x16 endpoint links limit the flow (at the 128-byte MPS of gpu2)
    assert.match(r.bottleneck, /^link gpu0–dpA0 \(Gen4 x16\) up$/);
    const up = r.route.uses[0]!;
    assert.ok(Math.abs(r.rate.lo - m.graph.constraints[up.constraint]!.lo / up.coefficient) < 1e-9);
    assert.ok(r.rate.lo < 64);
  });

  it('a narrow chip fabric is the bottleneck, shared by every cross-partition flow', () => {
    const narrow = modelOf(PARTITIONED_SPEC.replace('fabricGBps: 64', 'fabricGBps: 10'));
    const nf = narrow.fabric;
    const r = narrow.solve([
      { src: nf.resolve('gpu0'), dst: nf.resolve('gpu2'), mode: 'p2p-hw' },
      { src: nf.resolve('gpu2'), dst: nf.resolve('gpu1'), mode: 'p2p-hw' },
    ]);
    for (const x of r) {
      assert.equal(x.bottleneck, 'switch chip pex internal fabric');
      assert.ok(Math.abs(x.rate.lo - 5) < 1e-9);
    }
  });

  it('MPS stated on the chain sets the route payload (smallest on the way to the root port)', () => {
    assert.equal(chainMps(m.graph, g0), 256);
    assert.equal(chainMps(m.graph, g1), 512); // rp0 says 512
    assert.equal(chainMps(m.graph, g2), m.graph.cal.defaultMps);
    assert.equal(one(g1, g0).route.mps, 256);
    assert.equal(one(g1, g0).route.mrrs, m.graph.cal.defaultMrrs); // the writer's MRRS
    assert.equal(one(g1, g0, 'p2p-hw').route.mps, 256);
  });
});

describe('a driver that refuses P2P', () => {
  const m = modelOf();
  const f = m.fabric;
  const g0 = f.resolve('gpu0');
  const g1 = f.resolve('gpu1');
  const g2 = f.resolve('gpu2');

  it('turns a pair the kernel allows into a bounce, and says so', () => {
    assert.equal(MT_CODES[m.mapTypes([[g0, g1]])[0]!], 'BUS_ADDR');
    for (const [s, d] of [
      [g0, g1],
      [g1, g0],
    ] as const) {
      const r = m.solve([{ src: s, dst: d, mode: 'p2p' }])[0]!;
      assert.equal(r.route.kind, 'bounce');
      const n = r.notes.find((x) => x.code === 'driver_refuses_p2p');
      assert.deepEqual(n?.evidence, { device: 'gpu1', driver: 'nvidia', hardwareRoute: false });
    }
    const ok = m.solve([{ src: g0, dst: g2, mode: 'p2p' }])[0]!;
    assert.ok(!ok.notes.some((x) => x.code === 'driver_refuses_p2p'));
  });

  it('p2p-hw keeps the hardware route and marks it as not what the driver will do', () => {
    const r = m.solve([{ src: g0, dst: g1, mode: 'p2p-hw' }])[0]!;
    assert.equal(r.route.via, 'switch');
    assert.equal(
      r.notes.find((x) => x.code === 'driver_refuses_p2p')?.evidence.hardwareRoute,
      true,
    );
  });

  it('the P2P=Enabled matrix falls back to the bounce for the refused pairs only', () => {
    const devs = [g0, g1, g2];
    const mx = bandwidthMatrices(m, devs);
    for (const [i, j] of [
      [0, 1],
      [1, 0],
      [1, 2],
      [2, 1],
    ] as const) {
      assert.equal(mx.cell('uniP2p', i, j), mx.cell('uniBounce', i, j));
      const solved = m.solve([{ src: devs[i]!, dst: devs[j]!, mode: 'p2p' }])[0]!.rate.lo;
      assert.ok(Math.abs(mx.cell('uniP2p', i, j) - solved) < 1e-5 * solved);
    }
    const p2p = mx.cell('uniP2p', 0, 2);
    const solved = m.solve([{ src: g0, dst: g2, mode: 'p2p' }])[0]!.rate.lo;
    assert.ok(Math.abs(p2p - solved) < 1e-5 * solved);
  });
});
