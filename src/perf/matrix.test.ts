import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { listExampleNames, readExample } from '../node/examples.js';
import { fastMatrix, MT_NOT_SUPPORTED, matrixDevices } from '../p2pdma/matrix.js';
import { benchFabric, randomFabric, rng } from '../p2pdma/testing/gen.js';
import { ACS, type Fabric, FabricBuilder, type PcieInfo } from '../pci/index.js';
import type { PciFunction } from '../pci/types.js';
import { driverRefusesP2p } from './facts.js';
import { type BandwidthMatrices, bandwidthMatrices, mixedPairs } from './matrix.js';
import { PerfModel } from './model.js';

const close = (got: number, want: number, what: string) =>
  assert.ok(
    Math.abs(got - want) <= 2e-6 * Math.max(1, Math.abs(want)),
    `${what}: fast ${got} vs solver ${want}`,
  );

/** Every cell of `m` against PerfModel.solve on the same flow(s); returns the cells compared. */
function compareWithSolver(model: PerfModel, devs: readonly PciFunction[], m: BandwidthMatrices) {
  let cells = 0;
  for (let i = 0; i < devs.length; i++) {
    for (let j = 0; j < devs.length; j++) {
      if (i === j) {
        assert.ok(Number.isNaN(m.cell('uniP2p', i, i)) && Number.isNaN(m.cell('latP2p', i, i)));
        continue;
      }
      const [s, d] = [devs[i]!, devs[j]!];
      const at = `${model.fabric.machine.name} ${s.bdf}>${d.bdf}`;
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
        close(
          m.cell('uniP2p', i, j, end),
          p2p.rate[end],
          `${at} uni P2P ${end} (${p2p.route.via})`,
        );
        close(m.cell('uniBounce', i, j, end), bounce.rate[end], `${at} uni bounce ${end}`);
        close(
          m.cell('bidiP2p', i, j, end),
          bidiP[0]!.rate[end] + bidiP[1]!.rate[end],
          `${at} bidi P2P ${end} (${bidiP[0]!.route.via}/${bidiP[1]!.route.via})`,
        );
        close(
          m.cell('bidiBounce', i, j, end),
          bidiB[0]!.rate[end] + bidiB[1]!.rate[end],
          `${at} bidi bounce ${end}`,
        );
        if (!m.ranged)
          for (const k of ['uniP2p', 'uniBounce', 'bidiP2p', 'bidiBounce'] as const)
            assert.equal(m.cell(k, i, j, 'hi'), m.cell(k, i, j, 'lo'));
      }
      close(m.cell('latP2p', i, j), p2p.route.latencyNs, `${at} P2P latency`);
      close(m.cell('latBounce', i, j), bounce.route.latencyNs, `${at} bounce latency`);
      cells++;
    }
  }
  return cells;
}

test('every matrix cell equals the max-min solver on the same flows (random fabrics)', () => {
  let cells = 0;
  let merged = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const fabric = randomFabric(seed, { maxHostBridges: 4 });
    // every fourth fabric with DMA reads (the destination pulls) instead of posted writes
    const model = new PerfModel(fabric, { op: seed % 4 === 0 ? 'read' : 'write' });
    const devs = matrixDevices(fabric, { all: true }).slice(0, 14);
    const m = bandwidthMatrices(model, devs);
    cells += compareWithSolver(model, devs, m);
    merged += devs.length - m.groups;
  }
  assert.ok(cells > 2000, `compared ${cells} cells`);
  assert.ok(merged > 20, `grouping merged only ${merged} devices`);
});

/**
 * Two sockets with the same tree each: root ports with a switch or a device directly below;
 * multi-function devices whose functions agree (one group) or differ in MPS / MRRS (groups of
 * their own); links trained below capability to random widths and speeds; ACS that redirects on
 * some ports; a driver that refuses P2P; functions without a memory BAR (P2P one way only). The traps for a grouping keyed too loosely.
 */
function groupingFabric(seed: number): { fabric: Fabric; split: Set<string> } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cpu = pick([
    { vendor: 'GenuineIntel', family: 6, arch: 'x86_64' },
    { vendor: 'GenuineIntel', family: 6, model: 0x55, arch: 'x86_64' },
    { vendor: 'AuthenticAMD', family: 0x19, model: 0x01, arch: 'x86_64' },
  ]);
  const b = new FabricBuilder().machine({ name: `grouping-${seed}`, cpu });
  const hx = (x: number, w: number) => x.toString(16).padStart(w, '0');
  const port = (portType: PcieInfo['portType'], extra: Partial<PcieInfo> = {}): PcieInfo => ({
    portType,
    linkCap: { speedGTs: 16, width: 16 },
    linkStatus: { speedGTs: 16, width: 16 },
    ...extra,
  });
  const split = new Set<string>();
  for (let h = 0; h < 2; h++) {
    const hb = `pci${hx(h, 4)}:00`;
    b.hostBridge({ domain: h, rootBus: 0, numaNode: h });
    const at = (bus: number, dev: number, fn: number) =>
      `${hx(h, 4)}:${hx(bus, 2)}:${hx(dev, 2)}.${fn}`;
    b.fn({ bdf: at(0, 0, 0), hostBridge: hb, vendor: 0x8086, device: 0x2020, classCode: 0x060000 });
    let bus = 1;
    const device = (parent: string) => {
      const eb = bus++;
      const fns = 1 + Math.floor(r() * 4);
      const differ = fns > 1 && r() < 0.4;
      const status = { speedGTs: pick([8, 16]), width: pick([4, 8, 16]) };
      const noBar = new Set(r() < 0.3 ? [fns - 1] : []);
      for (let f = 0; f < fns; f++) {
        const bdf = at(eb, 0, f);
        if (differ) split.add(bdf);
        b.fn({
          bdf,
          parent,
          hostBridge: hb,
          vendor: 0x10de,
          device: 0x20b0,
          classCode: 0x030200,
          pcie: port('endpoint', {
            linkStatus: status,
            mps: differ && f === 1 ? 128 : 256,
            mrrs: differ && f === 2 ? 4096 : 512,
          }),
          // a function without a memory BAR: no P2P provider, the kernel refuses writes into it
          bars: noBar.has(f)
            ? []
            : [
                {
                  index: 0,
                  space: 'mem',
                  start: 0xe0000000n,
                  size: 1n << 24n,
                  is64: true,
                  prefetchable: true,
                },
              ],
          acs: { state: 'absent' },
          driver: null,
          ...(r() < 0.05 ? { driverP2p: 'refuses' as const } : {}),
        });
      }
    };
    for (let p = 0; p < 2; p++) {
      const rp = at(0, 1 + p, 0);
      b.fn({
        bdf: rp,
        hostBridge: hb,
        classCode: 0x060400,
        pcie: port('root-port'),
        acs: { state: 'present', cap: 0x5f, ctrl: 0 },
      });
      if (p === 1) {
        device(rp);
        continue;
      }
      const usp = at(bus++, 0, 0);
      b.fn({ bdf: usp, parent: rp, classCode: 0x060400, pcie: port('switch-upstream') });
      const dsBus = bus++;
      for (let s = 0; s < 3; s++) {
        const dsp = at(dsBus, s, 0);
        b.fn({
          bdf: dsp,
          parent: usp,
          classCode: 0x060400,
          pcie: port('switch-downstream'),
          acs: { state: 'present', cap: 0x5f, ctrl: r() < 0.3 ? ACS.RR | ACS.CR : 0 },
        });
        device(dsp);
      }
    }
  }
  return { fabric: b.build(), split };
}

const pcieOf = (f: PciFunction): Partial<PcieInfo> =>
  typeof f.pcie === 'object' && f.pcie !== null ? f.pcie : {};

describe('grouping: devices share figures only when nothing the model reads tells them apart', () => {
  test('every cell equals the solver on fabrics built to trap a loose grouping', () => {
    let cells = 0;
    let splits = 0;
    let differ = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const { fabric, split } = groupingFabric(seed);
      const model = new PerfModel(fabric, { op: seed % 2 === 0 ? 'read' : 'write' });
      const devs = matrixDevices(fabric, { all: true });
      const m = bandwidthMatrices(model, devs);
      cells += compareWithSolver(model, devs, m);
      for (let i = 0; i < devs.length; i++)
        for (let j = i + 1; j < devs.length; j++) {
          if (m.cell('uniP2p', i, j, 'hi') !== m.cell('uniP2p', i, j, 'lo')) differ++;
          const [a, b] = [devs[i]!, devs[j]!];
          const oneDevice = a.bdf.slice(0, -2) === b.bdf.slice(0, -2);
          const same = m.groupOf(i) === m.groupOf(j);
          // functions of one device share a group unless their MPS or MRRS differ; different
          // devices (another link, another socket) never do
          if (oneDevice && (split.has(a.bdf) || split.has(b.bdf))) {
            const [pa, pb] = [pcieOf(a), pcieOf(b)];
            assert.equal(same, pa.mps === pb.mps && pa.mrrs === pb.mrrs, `${a.bdf} ${b.bdf}`);
            if (!same) splits++;
          } else assert.equal(same, oneDevice, `${a.bdf} ${b.bdf}`);
        }
    }
    assert.ok(cells > 3000, `compared ${cells} cells`);
    assert.ok(splits > 5, `only ${splits} split pairs`);
    assert.ok(differ > 0, 'some root-complex cells differ between the ends of the ranges');
  });
});

describe('mixed pairs (the two directions take different routes)', () => {
  /** The scan before `PairMatrix.symmetric`: every pair read from the tables in both directions. */
  function scanAll(
    m: ReturnType<typeof fastMatrix>,
    refuses: Uint8Array,
    common: (s: number, d: number) => boolean,
  ) {
    const plain = { n: m.n, pos: m.pos, mapTypes: m.mapTypes } as ReturnType<typeof fastMatrix>;
    return mixedPairs(plain, refuses, common);
  }
  const machines: [string, Fabric][] = [
    ...listExampleNames().map(
      (name) => [name, loadSpec({ name, text: readExample(name).text }).fabric] as [string, Fabric],
    ),
    ...Array.from(
      { length: 30 },
      (_, k) => [`random ${k + 1}`, randomFabric(k + 1)] as [string, Fabric],
    ),
    ...Array.from({ length: 6 }, (_, k) => {
      const g = groupingFabric(k + 1);
      return [g.fabric.machine.name ?? 'grouping', g.fabric] as [string, Fabric];
    }),
  ];

  test('the symmetric scan finds exactly the pairs the full scan finds (every rule era)', () => {
    let symmetric = 0;
    let found = 0;
    for (const [name, fabric] of machines)
      for (const ruleSet of ['linux-4.20', 'linux-5.2', 'linux-5.14', undefined]) {
        const model = new PerfModel(fabric, ruleSet === undefined ? {} : { ruleSet });
        const devs = matrixDevices(fabric, { all: true });
        const pairs = fastMatrix(model.env, devs);
        const refuses = Uint8Array.from(devs, (d) => (driverRefusesP2p(fabric, d) ? 1 : 0));
        // `common` as the matrices read it: any answer works for the comparison, both scans ask it
        const common = (s: number, d: number) =>
          model.fabric.commonUpstream(devs[s]!, devs[d]!) !== null;
        const want = scanAll(pairs, refuses, common);
        assert.deepEqual(mixedPairs(pairs, refuses, common), want, `${name} ${ruleSet}`);
        found += want.length / 2;
        if (pairs.symmetric === true) {
          symmetric++;
          for (let i = 0; i < devs.length; i++)
            for (let j = 0; j < i; j++) {
              assert.equal(
                pairs.mapTypeAt(i, j),
                pairs.mapTypeAt(j, i),
                `${name} ${ruleSet} ${i} ${j}`,
              );
              assert.equal(pairs.distanceAt(i, j), pairs.distanceAt(j, i));
            }
        }
      }
    assert.ok(symmetric > 100, `${symmetric} symmetric matrices checked`);
    assert.equal(found, 0, 'the model has no kernel verdict that differs by direction');
  });

  test('an asymmetric table: the scan finds the pairs, in tree order, refusing drivers aside', () => {
    // 3 devices; tree order = the caller's order reversed
    const NS = 0;
    const BUS = 1;
    const THB = 2;
    // mapTypes[p * 3 + q] in tree order
    const mapTypes = Int8Array.from([BUS, NS, THB, BUS, BUS, BUS, THB, THB, BUS]);
    const pairs = { n: 3, pos: Int32Array.from([2, 1, 0]), mapTypes } as ReturnType<
      typeof fastMatrix
    >;
    const none = new Uint8Array(3);
    // tree (0,1): NS vs BUS → devices (2,1); tree (0,2): THB = THB; tree (1,2): BUS vs THB → common only
    assert.deepEqual(
      mixedPairs(pairs, none, () => false),
      [2, 1],
    );
    assert.deepEqual(
      mixedPairs(pairs, none, () => true),
      [2, 1, 1, 0],
    );
    assert.deepEqual(
      mixedPairs(pairs, Uint8Array.from([0, 1, 0]), () => true),
      [],
    );
  });
});

test('row(kind, i, end, out) equals cell(kind, i, j, end) everywhere, whole rows and parts', () => {
  const kinds = ['uniP2p', 'uniBounce', 'bidiP2p', 'bidiBounce', 'latP2p', 'latBounce'] as const;
  let rows = 0;
  let ranged = 0;
  let ranges = 0;
  const r = rng(7);
  let blocks = 0;
  for (let seed = 1; seed <= 26; seed++) {
    // the last two: more groups than row's blocks of GROUP_BLOCK
    const fabric =
      seed > 24
        ? benchFabric(1, 2)
        : seed % 3 === 0
          ? groupingFabric(seed).fabric
          : randomFabric(seed, { maxHostBridges: 4 });
    const op = seed % 2 === 0 ? 'read' : 'write';
    for (const ruleSet of seed % 4 === 1 ? ['linux-5.2', 'linux-4.20'] : [undefined]) {
      const model = new PerfModel(fabric, { op, ...(ruleSet ? { ruleSet } : {}) });
      const devs = matrixDevices(fabric, { all: true });
      const m = bandwidthMatrices(model, devs);
      const n = m.n;
      if (m.ranged) ranged++;
      if (m.groups > 16) blocks++;
      const out32 = new Float32Array(n);
      const out64 = new Float64Array(n);
      for (const kind of kinds)
        for (const end of ['lo', 'hi'] as const)
          for (let i = 0; i < n; i++) {
            out32.fill(-1);
            m.row(kind, i, end, out32);
            const from = Math.floor(r() * n);
            const to = from + Math.floor(r() * (n - from + 1));
            out64.fill(-1);
            m.row(kind, i, end, out64, from, to);
            for (let j = 0; j < n; j++) {
              const want = m.cell(kind, i, j, end);
              const at = `${fabric.machine.name} ${op} ${kind} ${end} (${i}, ${j})`;
              assert.ok(Object.is(out32[j], want), `${at}: row ${out32[j]} vs cell ${want}`);
              const part = j >= from && j < to ? want : -1;
              assert.ok(Object.is(out64[j], part), `${at} in [${from}, ${to}): ${out64[j]}`);
            }
            rows++;
            if (to - from < n) ranges++;
          }
    }
  }
  assert.ok(
    rows > 5000 && ranged > 2 && ranges > 2000 && blocks >= 2,
    `${rows} rows, ${ranged} ranged, ${ranges} parts, ${blocks} with many groups`,
  );
});

test('row equals cell on mixed pairs (a hand-made table whose two directions differ)', () => {
  const kinds = ['uniP2p', 'bidiP2p', 'latP2p'] as const;
  let mixedCells = 0;
  for (const seed of [2, 5, 8, 11]) {
    const fabric = randomFabric(seed, { maxHostBridges: 4 });
    for (const op of ['read', 'write'] as const) {
      const model = new PerfModel(fabric, { op });
      const devs = matrixDevices(fabric, { all: true });
      const fm = fastMatrix(model.env, devs);
      const { n, pos } = fm;
      // every accepted flow s → d with s < d: refused in the other direction
      const P = Int8Array.from(fm.mapTypes);
      for (let s = 0; s < n; s++)
        for (let d = s + 1; d < n; d++)
          if (P[pos[s]! * n + pos[d]!] !== MT_NOT_SUPPORTED)
            P[pos[d]! * n + pos[s]!] = MT_NOT_SUPPORTED;
      const pairs = {
        n,
        pos,
        devices: fm.devices,
        mapTypes: P,
        distances: fm.distances,
        wideDistances: fm.wideDistances,
        stats: fm.stats,
        symmetric: false,
        mapTypeAt: (i: number, j: number) => P[pos[i]! * n + pos[j]!]!,
        row(i: number, mt: Int8Array) {
          for (let j = 0; j < n; j++) mt[j] = P[pos[i]! * n + pos[j]!]!;
        },
      } as unknown as ReturnType<typeof fastMatrix>;
      const plain = bandwidthMatrices(model, devs);
      const m = bandwidthMatrices(model, devs, pairs);
      const out = new Float64Array(n);
      for (const kind of kinds)
        for (const end of ['lo', 'hi'] as const)
          for (let i = 0; i < n; i++) {
            const from = i % 3 === 0 ? 0 : Math.floor(n / 3);
            out.fill(-1);
            m.row(kind, i, end, out, from, n);
            for (let j = 0; j < n; j++) {
              const want = j >= from ? m.cell(kind, i, j, end) : -1;
              const at = `seed ${seed} ${op} ${kind} ${end} (${i}, ${j})`;
              assert.ok(Object.is(out[j], want), `${at}: row ${out[j]} vs cell ${want}`);
              // a refused direction (uniP2p differs): the pair is solved apart, both ways P2P
              if (kind === 'bidiP2p' && j >= from && i !== j) {
                const uni = (a: BandwidthMatrices) => a.cell('uniP2p', i, j, end);
                if (!Object.is(uni(m), uni(plain))) {
                  close(out[j]!, plain.cell(kind, i, j, end), at);
                  mixedCells++;
                }
              }
            }
          }
    }
  }
  assert.ok(mixedCells > 20, `${mixedCells} cells of mixed pairs`);
});
