/**
 * Properties: (a) random small fabrics printed as `lspci -vvvnn -D` (and `-tvnn`) load back to the
 * same functions; (b) truncated, line-dropped or byte-corrupted real outputs give a LoadResult or a
 * PeerdmaError, never another exception.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isPeerdmaError } from '../../errors/index.js';
import { FabricBuilder, type FunctionInit } from '../../pci/builder.js';
import type { Fabric } from '../../pci/fabric.js';
import { type AcsState, type Link, type Maybe, UNKNOWN } from '../../pci/types.js';
import { loadLspci } from './index.js';
import { MACHINES, oracleInput } from './testing/fixtures.js';
import { printLspciTree, printLspciVerbose } from './testing/print.js';

/** The value type an arbitrary generates. */
type Val<A> = A extends fc.Arbitrary<infer T> ? T : never;
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const linkArb: fc.Arbitrary<Link> = fc
  .record({
    speedGTs: fc.constantFrom(2.5, 5, 8, 16, 32, 64),
    width: fc.constantFrom(1, 2, 4, 8, 16, 32),
  })
  .map((l) => ({ ...l })); // fc.record builds null-prototype objects
const maybeLink: fc.Arbitrary<Maybe<Link>> = fc.oneof(linkArb, fc.constant(UNKNOWN));
const acsArb: fc.Arbitrary<AcsState> = fc.oneof(
  fc.constant({ state: 'absent' } as const),
  fc
    .record({
      state: fc.constant('present' as const),
      cap: fc.integer({ min: 0, max: 0x7f }),
      ctrl: fc.integer({ min: 0, max: 0x7f }),
    })
    .map((a) => ({ ...a })),
);
const epArb = fc.record({
  nfn: fc.integer({ min: 1, max: 3 }),
  vendor: fc.integer({ min: 0, max: 0xfffe }),
  device: fc.integer({ min: 0, max: 0xffff }),
  cls: fc.constantFrom(0x010802, 0x020000, 0x030200, 0x120000, 0x050000, 0x020700),
  rev: fc.integer({ min: 0, max: 255 }),
  pcie: fc.boolean(),
  acs: acsArb,
  cap: maybeLink,
  sta: maybeLink,
  barLog2: fc.integer({ min: 12, max: 40 }),
  driver: fc.option(fc.constantFrom('nvme', 'mlx5_core', 'nvidia', 'habanalabs'), { nil: null }),
});
type Ep = Val<typeof epArb>;
const bridgeArb = fc.record({ acs: acsArb, cap: maybeLink, sta: maybeLink });
type Br = Val<typeof bridgeArb>;
const portArb = fc.record({
  rp: bridgeArb,
  below: fc.oneof(
    fc.record({ t: fc.constant('ep' as const), ep: epArb }),
    fc.record({
      t: fc.constant('switch' as const),
      up: bridgeArb,
      down: fc.array(fc.record({ br: bridgeArb, ep: fc.option(epArb, { nil: null }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
    fc.record({ t: fc.constant('empty' as const) }),
  ),
});
const fabricArb = fc.record({
  domains: fc.uniqueArray(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 2 }),
  ports: fc.array(fc.array(portArb, { minLength: 1, maxLength: 4 }), {
    minLength: 2,
    maxLength: 2,
  }),
  rciep: fc.option(epArb, { nil: null }),
  groups: fc.boolean(),
  drivers: fc.boolean(),
  numa: fc.boolean(),
});

/** Build the fabric a generated machine describes, as lspci would let us know it. */
function buildFabric(g: Val<typeof fabricArb>): Fabric {
  const b = new FabricBuilder().machine({
    source: 'lspci',
    name: null,
    iommu: { enabled: UNKNOWN },
  });
  let group = 0;
  g.domains.forEach((domain, di) => {
    const numaNode = g.numa ? di : UNKNOWN;
    b.hostBridge({ domain, rootBus: 0, numaNode });
    let nextBus = 1;
    const common = (bdf: string, driver: string | null): Partial<FunctionInit> => {
      const iommuGroup = g.groups ? group++ : UNKNOWN;
      if (g.groups) b.iommuGroup({ id: iommuGroup as number, type: UNKNOWN });
      return {
        bdf,
        iommuGroup,
        numaNode,
        driver: g.drivers ? driver : UNKNOWN,
        description: `Dev ${bdf}`,
      };
    };
    const bridge = (
      bdf: string,
      parent: string | null,
      br: Br,
      portType: 'root-port' | 'switch-upstream' | 'switch-downstream',
    ) => {
      const secondary = nextBus++;
      const init = {
        ...common(bdf, 'pcieport'),
        bdf,
        parent,
        vendor: 0x8086,
        device: 0x1234,
        classCode: 0x060400,
        revision: 0,
        pcie: { portType, linkCap: br.cap, linkStatus: br.sta },
        acs: br.acs,
        buses: { secondary, subordinate: secondary },
      };
      return { init, secondary };
    };
    const endpoint = (bus: number, dev: number, parent: string | null, ep: Ep, rc = false) => {
      for (let fn = 0; fn < ep.nfn; fn++) {
        const bdf = `${hex(domain, 4)}:${hex(bus, 2)}:${hex(dev, 2)}.${fn}`;
        const size = 1n << BigInt(ep.barLog2);
        b.fn({
          ...common(bdf, ep.driver),
          bdf,
          parent,
          vendor: ep.vendor,
          device: ep.device,
          classCode: ep.cls,
          revision: ep.rev,
          pcie: rc
            ? { portType: 'rc-integrated-endpoint', linkCap: null, linkStatus: null }
            : ep.pcie
              ? { portType: 'endpoint', linkCap: ep.cap, linkStatus: ep.sta }
              : null,
          acs: ep.pcie || rc ? ep.acs : { state: 'absent' },
          bars: [
            {
              index: 0,
              space: 'mem',
              start: size * BigInt(fn + 1),
              size,
              is64: true,
              prefetchable: true,
            },
          ],
        });
      }
    };
    b.fn({
      ...common(`${hex(domain, 4)}:00:00.0`, null),
      bdf: `${hex(domain, 4)}:00:00.0`,
      vendor: 0x8086,
      device: 0x29c0,
      classCode: 0x060000,
      revision: 0,
      pcie: null,
      acs: { state: 'absent' },
    });
    (g.ports[di] ?? []).forEach((port, pi) => {
      const rpBdf = `${hex(domain, 4)}:00:${hex(pi + 1, 2)}.0`;
      const rp = bridge(rpBdf, null, port.rp, 'root-port');
      const below = port.below;
      if (below.t === 'ep') endpoint(rp.secondary, 0, rpBdf, below.ep);
      if (below.t === 'switch') {
        const upBdf = `${hex(domain, 4)}:${hex(rp.secondary, 2)}:00.0`;
        const up = bridge(upBdf, rpBdf, below.up, 'switch-upstream');
        below.down.forEach((d, k) => {
          const dBdf = `${hex(domain, 4)}:${hex(up.secondary, 2)}:${hex(k, 2)}.0`;
          const dn = bridge(dBdf, upBdf, d.br, 'switch-downstream');
          if (d.ep) endpoint(dn.secondary, 0, dBdf, d.ep);
          b.fn({ ...dn.init, buses: { secondary: dn.secondary, subordinate: nextBus - 1 } });
        });
        b.fn({ ...up.init, buses: { secondary: up.secondary, subordinate: nextBus - 1 } });
      }
      b.fn({ ...rp.init, buses: { secondary: rp.secondary, subordinate: nextBus - 1 } });
    });
    if (g.rciep && di === 0) endpoint(0, 0x1e, null, g.rciep, true);
  });
  return b.build();
}

const same = (got: Fabric, want: Fabric) => {
  assert.deepEqual(got.functions, want.functions);
  assert.deepEqual(got.hostBridges, want.hostBridges);
  assert.deepEqual(got.iommuGroups, want.iommuGroups);
};

describe('lspci loader properties', () => {
  test('(a) random fabrics printed as lspci -vvvnn (with and without -tvnn) load back the same', () => {
    fc.assert(
      fc.property(fabricArb, (g) => {
        const want = buildFabric(g);
        const vvv = printLspciVerbose(want);
        const tree = printLspciTree(want);
        same(loadLspci([{ name: 'v', text: vvv }]).fabric, want);
        same(
          loadLspci([
            { name: 't', text: tree },
            { name: 'v', text: vvv },
          ]).fabric,
          want,
        );
        same(loadLspci([{ name: 'both', text: `${vvv}\n${tree}` }]).fabric, want);
        const t = loadLspci([{ name: 't', text: tree }]).fabric;
        assert.deepEqual(
          t.functions.map((f) => [f.bdf, f.parent, f.buses, f.hostBridge, f.description]),
          want.functions.map((f) => [
            f.bdf,
            f.parent,
            f.buses,
            f.hostBridge,
            f.buses ? undefined : f.description,
          ]),
        );
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });

  const texts = MACHINES.flatMap((m) => [
    `${oracleInput(m, 'lspci-tvnn.txt').text}\n${oracleInput(m, 'lspci-vvvnn.txt').text}`,
    oracleInput(m, 'lspci-tv.txt').text,
  ]);
  const mutation = fc.oneof(
    fc.record({ t: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({
      t: fc.constant('drop' as const),
      lines: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
    }),
    fc.record({
      t: fc.constant('corrupt' as const),
      edits: fc.array(
        fc.tuple(fc.nat(), fc.constantFrom(...'\t\n -+\\|[]:.0123456789abcdefxyz=,()<>#GT/sUuvV')),
        { minLength: 1, maxLength: 30 },
      ),
    }),
  );
  const mutate = (text: string, m: Val<typeof mutation>): string => {
    if (m.t === 'truncate') return text.slice(0, m.at % (text.length + 1));
    if (m.t === 'drop') {
      const lines = text.split('\n');
      const drop = new Set(m.lines.map((i) => i % lines.length));
      return lines.filter((_, i) => !drop.has(i)).join('\n');
    }
    const chars = [...text];
    for (const [i, c] of m.edits) chars[i % chars.length] = c;
    return chars.join('');
  };

  test('(b) mutated real outputs give a LoadResult or a PeerdmaError', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), mutation, (which, m) => {
        const text = mutate(texts[which]!, m);
        try {
          const r = loadLspci([{ name: 'fuzz', text }]);
          assert.ok(r.fabric.size > 0);
        } catch (e) {
          if (!isPeerdmaError(e)) throw e;
          assert.ok(e.message.length > 0);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});
