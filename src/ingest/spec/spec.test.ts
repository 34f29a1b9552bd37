import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isPeerdmaError, PeerdmaError } from '../../errors/index.js';
import type { Fabric } from '../../pci/fabric.js';
import { ACS } from '../../pci/types.js';
import { fabricToSpec, loadSpec, looksLikeSpec, specToYaml } from './index.js';
import { MAX_SPEC_CHARS } from './yaml.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const load = (text: string, name = 'machine.yaml') => loadSpec({ name, text });
const fails = (text: string, check: (e: PeerdmaError) => boolean) =>
  assert.throws(
    () => load(text),
    (e: unknown) => e instanceof PeerdmaError && check(e),
  );

/** Everything but where it came from. */
function same(a: Fabric, b: Fabric): void {
  assert.deepStrictEqual({ ...a.machine, source: '' }, { ...b.machine, source: '' });
  assert.deepStrictEqual(a.hostBridges, b.hostBridges);
  assert.deepStrictEqual(a.functions, b.functions);
  assert.deepStrictEqual(a.iommuGroups, b.iommuGroups);
}
const roundTrip = (f: Fabric) => load(specToYaml(fabricToSpec(f)), 'rt.yaml').fabric;

const SMALL = `peerdma: 1
machine: {name: tiny}
cpu: {vendor: AuthenticAMD, family: 0x19, model: 1}
iommu: {enabled: true, mode: strict}
sockets:
  - id: 0
    numaNodes: [0]
    hostBridges:
      - hostDevice: {vendor: amd, device: 0x14a4}
        devices:
          - name: rp
            vendor: amd
            device: 0x14ab
            link: {gen: 4, width: 16, trained: {gen: 3, width: 8}}
            acsRedirect: true
            children:
              - name: sw
                kind: switch
                vendor: 0x1000
                device: 0xc010
                children:
                  - name: dp0
                    acs: {cap: [SV, RR, CR, UF], ctrl: 0x1d}
                    children:
                      - name: gpu0
                        vendor: nvidia
                        device: 0x2330
                        class: gpu
                        memory: 80GiB
                        bars: [{index: 0, size: 16MiB}, {index: 2, size: 128GiB, prefetchable: true}]
                        iommuGroup: 7
                  - name: dp1
                    children:
                      - name: nic0
                        vendor: mellanox
                        device: 0x101d
                        class: nic
                        functions:
                          - {name: nic0f1, vendor: mellanox, device: 0x101d, class: nic}
                        sriov: {count: 2, offset: 2, device: 0x101e, bars: [{index: 0, size: 1MiB, prefetchable: true}]}
`;

describe('spec loader', () => {
  it('builds the tree with derived addresses, kinds and bus numbers', () => {
    const { fabric, warnings } = load(SMALL);
    assert.deepEqual(warnings, []);
    const names = fabric.functions.map((f) => `${f.bdf} ${f.name ?? '-'} ${f.kind}`);
    assert.deepEqual(names, [
      '0000:00:00.0 - host-bridge',
      '0000:00:01.0 rp root-port',
      '0000:01:00.0 sw switch-upstream',
      '0000:02:00.0 dp0 switch-downstream',
      '0000:02:01.0 dp1 switch-downstream',
      '0000:03:00.0 gpu0 endpoint',
      '0000:04:00.0 nic0 endpoint',
      '0000:04:00.1 nic0f1 endpoint',
      '0000:04:00.2 nic0-vf0 endpoint',
      '0000:04:00.3 nic0-vf1 endpoint',
    ]);
    const rp = fabric.resolve('rp');
    assert.deepEqual(rp.buses, { secondary: 1, subordinate: 4 });
    assert.equal(rp.numaNode, 0);
    assert.ok(rp.pcie !== 'unknown' && rp.pcie !== null);
    assert.deepEqual(rp.pcie.linkCap, { speedGTs: 16, width: 16 });
    assert.deepEqual(rp.pcie.linkStatus, { speedGTs: 8, width: 8 });
    assert.deepEqual(rp.acs, { state: 'present', cap: 0x1f, ctrl: 0x1d });
    const dp0 = fabric.resolve('dp0');
    assert.equal(dp0.vendor, 0x1000); // inherited from the switch
    assert.deepEqual(dp0.acs, {
      state: 'present',
      cap: ACS.SV | ACS.RR | ACS.CR | ACS.UF,
      ctrl: 0x1d,
    });
    assert.deepEqual(fabric.resolve('dp1').acs, { state: 'absent' });
    const gpu = fabric.resolve('gpu0');
    assert.equal(gpu.classCode, 0x030200);
    assert.equal(gpu.deviceMemory, 80n << 30n);
    assert.equal(gpu.iommuGroup, 7);
    assert.deepEqual(fabric.iommuGroups, [{ id: 7, type: 'DMA' }]);
    const vf = fabric.resolve('nic0-vf1');
    assert.equal(vf.physfn, '0000:04:00.0');
    assert.equal(vf.device, 0x101e);
    assert.equal(fabric.upstreamBridge(vf)?.name, 'dp1');
    assert.equal(fabric.hostBridgeDevice('pci0000:00')?.device, 0x14a4);
    assert.equal(fabric.machine.cpu.family, 0x19);
    assert.equal(fabric.machine.iommu.defaultDomain, 'DMA');
  });

  it('allocates BARs naturally aligned inside nested bridge windows', () => {
    const { fabric } = load(SMALL);
    for (const f of fabric.functions) {
      for (const b of f.bars) {
        assert.equal(b.start % b.size, 0n, `${f.bdf} BAR${b.index}`);
        for (const up of fabric.upstreamChain(f).slice(1)) {
          const pool = b.prefetchable && b.is64 ? 'prefetch' : 'mem';
          const w = up.windows.find((x) => x.space === pool);
          assert.ok(
            w && w.start <= b.start && b.start + b.size <= w.start + w.size,
            `${f.bdf} BAR${b.index} in ${up.bdf}`,
          );
        }
      }
    }
    const big = fabric.resolve('gpu0').bars[1]!;
    assert.equal(big.start, 0x2000_0000_0000n);
    const small = fabric.resolve('gpu0').bars[0]!;
    assert.ok(small.start < 0x1_0000_0000n, 'non-prefetchable BARs sit below 4 GiB');
  });

  it('round-trips a spec through fabricToSpec', () => {
    const { fabric } = load(SMALL);
    same(fabric, roundTrip(fabric));
  });

  it('points at the offending node: file, line, column and field', () => {
    const text = SMALL.replace('size: 128GiB', 'size: 128 gigs');
    fails(
      text,
      (e) =>
        e.code === 'E_SCHEMA' &&
        e.toLine().startsWith('machine.yaml:30:74: ') &&
        /bars\[1\]\.size: expected a size like 64GiB/.test(e.message + e.toLine()),
    );
  });

  it('names unknown fields at their key', () => {
    fails(
      SMALL.replace('memory: 80GiB', 'memroy: 80GiB'),
      (e) =>
        e.location.line === 29 &&
        e.location.column === 25 &&
        /unknown field 'memroy'/.test(e.message),
    );
  });

  it('refuses plain integers beyond 2^53', () => {
    fails(
      SMALL.replace('memory: 80GiB', 'memory: 18446744073709551615'),
      (e) =>
        e.code === 'E_SCHEMA' &&
        e.location.line === 29 &&
        e.location.column === 33 &&
        /2\^53/.test(e.message),
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    fails(
      'peerdma: 1\nmachine: {name: x\n',
      (e) => e.code === 'E_PARSE' && e.location.line !== undefined,
    );
  });

  it('rejects duplicate names and impossible BARs', () => {
    fails(
      SMALL.replace('name: nic0f1', 'name: gpu0'),
      (e) => e.code === 'E_TOPOLOGY' && /gpu0/.test(e.message),
    );
    fails(
      SMALL.replace('size: 16MiB', 'size: 24MiB'),
      (e) =>
        e.code === 'E_SCHEMA' &&
        /power of two/.test(e.message) &&
        e.location.field ===
          'sockets[0].hostBridges[0].devices[0].children[0].children[0].children[0].bars[0].size',
    );
  });

  it('warns once per missing identity fact', () => {
    const { fabric, warnings } = load(
      'peerdma: 1\nhostBridges:\n  - devices:\n      - {name: a}\n      - {name: b}\n',
    );
    assert.equal(fabric.resolve('a').kind, 'rc-integrated-endpoint');
    assert.deepEqual(warnings.map((w) => w.code).sort(), [
      'spec_no_class',
      'spec_no_device',
      'spec_no_vendor',
    ]);
    assert.match(warnings[0]!.message, /a, b/);
  });

  it('accepts JSON', () => {
    const { fabric } = load(
      JSON.stringify({
        peerdma: 1,
        hostBridges: [
          {
            bus: 0x40,
            devices: [{ name: 'x', vendor: '0x8086', device: '0x0b25', class: '0x0880' }],
          },
        ],
      }),
      'm.json',
    );
    assert.equal(fabric.resolve('x').bdf, '0000:40:00.0');
    assert.equal(fabric.resolve('x').classCode, 0x088000);
  });

  it('detects specs by their marker', () => {
    assert.equal(looksLikeSpec('# hi\npeerdma: 1\n'), true);
    assert.equal(looksLikeSpec('{ "peerdma": 1 }'), true);
    assert.equal(looksLikeSpec('peerdma: 2\n'), false);
    assert.equal(looksLikeSpec('00:00.0 Host bridge: Intel'), false);
  });

  it('survives random corruption and truncation with LoadResult or PeerdmaError', () => {
    const base = readFileSync(join(repo, 'examples/default.yaml'), 'utf8');
    fc.assert(
      fc.property(
        fc.nat(base.length),
        fc.nat(base.length),
        fc.string({ maxLength: 4 }),
        (cut, at, junk) => {
          const t = base.slice(0, cut);
          const text = t.slice(0, at) + junk + t.slice(at + junk.length);
          try {
            load(text);
          } catch (e) {
            assert.ok(isPeerdmaError(e), `${String(e)}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---- random specs → Fabric → spec → Fabric ----------------------------------------------------

const arbBar = (index: number) =>
  fc
    .record({
      index: fc.constant(index),
      size: fc.constantFrom('4KiB', '1MiB', '32MiB', '1GiB', '64GiB', '0x10000'),
      prefetchable: fc.boolean(),
    })
    .map((b) => (b.size.endsWith('GiB') ? { ...b, prefetchable: true } : b));
const arbLink = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('unknown', 'none'),
  fc.record({ gen: fc.integer({ min: 1, max: 6 }), width: fc.constantFrom(1, 4, 8, 16) }),
  fc.record({
    speed: fc.constantFrom(8, 16, 32),
    width: fc.constantFrom(8, 16),
    trained: fc.oneof(
      fc.constant('unknown'),
      fc.record({ gen: fc.constantFrom(1, 3), width: fc.constantFrom(4, 8) }),
    ),
  }),
);
const arbAcs = fc.oneof(
  fc.constant({}),
  fc.record({ acsRedirect: fc.boolean() }),
  fc.record({
    acs: fc.oneof(
      fc.constantFrom('absent', 'unknown'),
      fc.record({
        cap: fc.integer({ min: 0, max: 0x7f }),
        ctrl: fc.integer({ min: 0, max: 0x7f }),
      }),
    ),
  }),
);
const arbEndpoint = fc.record({
  vendor: fc.constantFrom('0x1da3', 0x10de, 'mellanox', 'unknown'),
  device: fc.integer({ min: 0, max: 0xffff }),
  class: fc.constantFrom('accel', 'gpu', 'nvme', '0x0207', 0x120000, 'unknown'),
  bars: fc
    .uniqueArray(fc.constantFrom(0, 2, 4), { maxLength: 3 })
    .chain((ix) => fc.tuple(...ix.map(arbBar))),
  link: arbLink,
  acs: arbAcs,
  memory: fc.option(fc.constantFrom('16GiB', '96GiB'), { nil: undefined }),
  iommuGroup: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  driver: fc.option(fc.constantFrom('nvme', null, 'unknown'), { nil: undefined }),
  vfs: fc.nat(2),
});
type Tree =
  | { kind: 'ep'; ep: fc.Arbitrary<unknown> extends never ? never : Record<string, unknown> }
  | { kind: 'rp' | 'switch'; link: unknown; acs: Record<string, unknown>; kids: Tree[] };
const arbTree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbEndpoint.map((ep) => ({ kind: 'ep' as const, ep })),
    fc.record({
      kind: fc.constantFrom('rp' as const, 'switch' as const),
      link: arbLink,
      acs: arbAcs,
      kids: fc.array(tie('node'), { maxLength: 3 }),
    }),
  ),
})).node;

function toSpec(trees: Tree[][]): unknown {
  let n = 0;
  const node = (t: Tree): Record<string, unknown> => {
    const name = `d${n++}`;
    if (t.kind === 'ep') {
      const { vfs, ...ep } = t.ep as { vfs: number } & Record<string, unknown>;
      const clean = Object.fromEntries(Object.entries(ep).filter(([, v]) => v !== undefined));
      const acs = clean['acs'] as Record<string, unknown>;
      delete clean['acs'];
      return {
        name,
        kind: 'endpoint',
        ...clean,
        ...acs,
        ...(vfs > 0 ? { sriov: { count: vfs, bars: [{ index: 0, size: '1MiB' }] } } : {}),
      };
    }
    return {
      name,
      kind: t.kind === 'rp' ? 'switch-downstream' : 'switch',
      ...(t.link !== undefined ? { link: t.link } : {}),
      ...t.acs,
      children: t.kids.map((k) =>
        t.kind === 'switch'
          ? { name: `p${n++}`, kind: 'switch-downstream', children: [node(k)] }
          : node(k),
      ),
    };
  };
  return {
    peerdma: 1,
    iommu: { enabled: true, mode: 'lazy' },
    sockets: [
      {
        id: 0,
        numaNodes: [0],
        hostBridges: trees.map((roots) => ({
          hostDevice: { vendor: 0x8086, device: 0x09a2 },
          devices: roots.map((r) => ({ name: `rp${n++}`, kind: 'root-port', children: [node(r)] })),
        })),
      },
    ],
  };
}

describe('spec syntax errors', () => {
  it("a broken JSON spec reports JSON.parse's complaint at its line and column", () => {
    fails(
      '{"peerdma": 1,\n "machine": {"name": "x"},\n "sockets": [ {"id": 0,\n',
      (e) => e.code === 'E_PARSE' && /^invalid JSON: /.test(e.message) && e.location.line === 4,
    );
    fails(
      '{"peerdma": 1, "machine": {"name": "x" "y": 1}}',
      (e) =>
        e.code === 'E_PARSE' &&
        /invalid JSON/.test(e.message) &&
        e.location.line === 1 &&
        e.location.column === 40,
    );
  });
  it('refuses a spec over the size limit (E_TOO_LARGE)', () => {
    fails(`peerdma: 1\n#${'x'.repeat(MAX_SPEC_CHARS)}\n`, (e) => e.code === 'E_TOO_LARGE');
  });
});

describe('spec round trip (property)', () => {
  it('random spec → Fabric → spec → Fabric gives the same fabric', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(arbTree, { maxLength: 3 }), { minLength: 1, maxLength: 2 }),
        (trees) => {
          const text = specToYaml(toSpec(trees));
          const a = load(text).fabric;
          const b = roundTrip(a);
          same(a, b);
          assert.equal(specToYaml(fabricToSpec(b)), specToYaml(fabricToSpec(a)));
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('any loaded fabric can be written back as a spec', () => {
  const dir = join(repo, '../shared/fixtures/hwloc');
  for (const f of [
    '16intel64-manyVFs.xml',
    'linux-40intel64-2g2n4c+pcilocality.xml',
    'power8gpudistances.xml',
  ]) {
    it(`hwloc ${f} → spec → same fabric`, async () => {
      const { loadHwloc } = await import('../hwloc/index.js');
      const a = loadHwloc({ name: f, text: readFileSync(join(dir, f), 'utf8') }).fabric;
      same(a, roundTrip(a));
    });
  }
});
