import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadLspci } from '../ingest/lspci/index.js';
import { loadSpec } from '../ingest/spec/index.js';
import { FabricBuilder } from '../pci/index.js';
import type { OsDevice } from '../pci/types.js';
import { absentFacts, renderTopo, topoJson, topoJsonPieces } from './topo.js';

const ORACLE = fileURLToPath(new URL('../../../shared/fixtures/kernel-oracle/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const lineOf = (text: string, bdf: string) => text.split('\n').find((l) => l.includes(`─ ${bdf}`));

/** A root port and an endpoint; the caller decides what the input carried. */
function twoFunctions(opts: {
  groups: [number | 'unknown', number | 'unknown'];
  numa?: number | 'unknown';
}) {
  return new FabricBuilder()
    .machine({ iommu: { enabled: true } })
    .hostBridge({ domain: 0, rootBus: 0, numaNode: opts.numa ?? 0 })
    .fn({
      bdf: '0000:00:01.0',
      classCode: 0x060400,
      pcie: {
        portType: 'root-port',
        linkCap: { speedGTs: 16, width: 32 },
        linkStatus: { speedGTs: 2.5, width: 1 },
      },
      acs: { state: 'present', cap: 0x5f, ctrl: 0x1d },
      numaNode: opts.numa ?? 0,
      iommuGroup: opts.groups[0],
      vendor: 0x1b36,
      device: 0x000c,
    })
    .fn({
      bdf: '0000:01:00.0',
      parent: '0000:00:01.0',
      classCode: 0x010802,
      pcie: {
        portType: 'endpoint',
        linkCap: { speedGTs: 16, width: 4 },
        linkStatus: { speedGTs: 16, width: 4 },
      },
      acs: { state: 'absent' },
      numaNode: opts.numa ?? 0,
      iommuGroup: opts.groups[1],
      vendor: 0x144d,
      device: 0xa80a,
    })
    .build();
}

describe('topo text', () => {
  it('marks a link that trained below its capability, and only that one', () => {
    const text = renderTopo(twoFunctions({ groups: [1, 2] }));
    assert.match(lineOf(text, '0000:00:01.0') ?? '', /Gen4 x32 \(trained Gen1 x1\)/);
    const ep = lineOf(text, '0000:01:00.0') ?? '';
    assert.match(ep, /Gen4 x4/);
    assert.doesNotMatch(ep, /trained/);
  });

  it('QEMU root port (16GT/s x32 trained 2.5GT/s x1) in a real lspci -vvvnn capture', () => {
    const dir = `${ORACLE}c-iommu/`;
    const { fabric } = loadLspci([
      { name: 'tvnn', text: readFileSync(`${dir}lspci-tvnn.txt`, 'utf8') },
      { name: 'vvvnn', text: readFileSync(`${dir}lspci-vvvnn.txt`, 'utf8') },
    ]);
    const text = renderTopo(fabric);
    assert.match(lineOf(text, '0000:00:04.0') ?? '', /Gen4 x32 \(trained Gen1 x1\)/);
    // 00:06.0 really trained at its full 16GT/s x32 in that guest.
    assert.doesNotMatch(lineOf(text, '0000:00:06.0') ?? '', /trained/);
  });

  it('groups missing from the whole input: said once in the header, no `group ?` per line', () => {
    const fabric = twoFunctions({ groups: ['unknown', 'unknown'] });
    const text = renderTopo(fabric);
    assert.equal(text.match(/IOMMU groups/g)?.length, 1);
    assert.match(text, /^not in the input .*IOMMU groups/m);
    assert.doesNotMatch(text, /group \?/);
    // The JSON contract is unchanged: each function still says "unknown".
    const doc = topoJson(fabric) as { functions: { iommuGroup: unknown }[] };
    assert.deepEqual(
      doc.functions.map((f) => f.iommuGroup),
      ['unknown', 'unknown'],
    );
  });

  it('groups missing for some functions only: `group ?` on those lines, no header note', () => {
    const text = renderTopo(twoFunctions({ groups: [3, 'unknown'] }));
    assert.doesNotMatch(text, /not in the input/);
    assert.match(lineOf(text, '0000:00:01.0') ?? '', /group 3/);
    assert.match(lineOf(text, '0000:01:00.0') ?? '', /group \?/);
  });

  it('NUMA missing everywhere is one header note; the kernel -1 reads as "no NUMA node"', () => {
    const unknown = renderTopo(twoFunctions({ groups: [1, 2], numa: 'unknown' }));
    assert.match(unknown, /^not in the input .*NUMA nodes/m);
    assert.doesNotMatch(unknown, /NUMA \?|NUMA unknown/);
    const none = renderTopo(twoFunctions({ groups: [1, 2], numa: -1 }));
    assert.match(none, /^pci0000:00 {2}no NUMA node /m);
    assert.doesNotMatch(none, /NUMA -1/);
  });

  it('the example specs state IOMMU on and no groups: the header says so', () => {
    const { fabric } = loadSpec({
      name: 'default.yaml',
      text: readFileSync(`${EXAMPLES}default.yaml`, 'utf8'),
    });
    assert.equal(fabric.machine.iommu.enabled, true);
    assert.deepEqual(absentFacts(fabric), { ids: false, numa: false, group: true, acs: false });
    assert.doesNotMatch(renderTopo(fabric), /group \?/);
  });

  it('an unsure host bridge device says so in text and JSON', () => {
    const fabric = new FabricBuilder()
      .fn({ bdf: '0000:00:01.0', classCode: 0x060400, pcie: 'unknown' })
      .build();
    assert.match(renderTopo(fabric), /^pci0000:00 .*host bridge device unknown \(0000:00:01\.0 /m);
    const doc = topoJson(fabric) as { hostBridges: { hostBridgeDevice: unknown }[] };
    assert.equal(doc.hostBridges[0]?.hostBridgeDevice, 'unknown');
  });

  it('a bare lspci -tv tree: ids, NUMA, groups and ACS named once', () => {
    const { fabric } = loadLspci([
      { name: 'tv', text: readFileSync(`${ORACLE}a-same-switch/lspci-tv.txt`, 'utf8') },
    ]);
    const text = renderTopo(fabric);
    assert.match(
      text,
      /^not in the input .*: vendor:device ids, NUMA nodes, IOMMU groups, ACS state$/m,
    );
    assert.doesNotMatch(text, /\?\?\?\?|NUMA \?|group \?|ACS unknown/);
  });
});

describe('topo --json text', () => {
  /** What printJson printed before the writer: one JSON.stringify of the whole document. */
  const whole = (fabric: Parameters<typeof topoJson>[0]) =>
    `${JSON.stringify(topoJson(fabric), null, 2)}\n`;
  const pieces = (fabric: Parameters<typeof topoJson>[0], chunk?: number) =>
    `${[...topoJsonPieces(fabric, chunk)].join('')}\n`;

  it('random fabrics: the pieces join to the whole document, whatever the batch size', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const fnArb = fc.record({
      name: fc.option(text, { nil: undefined }),
      description: fc.option(text, { nil: undefined }),
      driver: fc.option(text, { nil: null }),
      numa: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant('unknown' as const)),
      group: fc.option(fc.oneof(fc.nat(50), fc.constant('unknown' as const)), { nil: null }),
      os: fc.array(text, { maxLength: 2 }),
      bars: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 3 }),
      mem: fc.option(fc.bigInt({ min: 0n, max: 1n << 40n }), { nil: undefined }),
      acs: fc.constantFrom('present', 'absent', 'unknown'),
    });
    fc.assert(
      fc.property(
        fc.array(fnArb, { maxLength: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.option(text, { nil: null }),
        (fns, chunk, machineName) => {
          const b = new FabricBuilder().machine({ name: machineName, iommu: { enabled: true } });
          fns.forEach((f, i) => {
            b.fn({
              bdf: `000${i % 3}:00:${(i + 1).toString(16).padStart(2, '0')}.0`,
              ...(f.name === undefined ? {} : { name: `${f.name}#${i}` }),
              ...(f.description === undefined ? {} : { description: f.description }),
              ...(f.mem === undefined ? {} : { deviceMemory: f.mem }),
              classCode: 0x030200,
              vendor: 0x10de,
              device: 0x1234 + i,
              driver: f.driver,
              numaNode: f.numa,
              iommuGroup: f.group,
              osDevices: f.os.map((n) => ({ name: `${n}#${i}`, kind: 'drm' as OsDevice['kind'] })),
              bars: f.bars.map((size, index) => ({
                index,
                space: 'mem' as const,
                start: size * 2n,
                size,
                is64: true,
                prefetchable: index % 2 === 0,
              })),
              acs:
                f.acs === 'present'
                  ? { state: 'present', cap: 0x5f, ctrl: 0x1d }
                  : f.acs === 'unknown'
                    ? { state: 'unknown', reason: 'config space not readable' }
                    : { state: 'absent' },
            });
          });
          const fabric = b.build();
          assert.equal(pieces(fabric, chunk), whole(fabric));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('real inputs (lspci fixtures, example specs, no functions at all) print the same bytes', () => {
    const fabrics = [
      loadLspci([
        { name: 'tvnn', text: readFileSync(`${ORACLE}c-iommu/lspci-tvnn.txt`, 'utf8') },
        { name: 'vvvnn', text: readFileSync(`${ORACLE}c-iommu/lspci-vvvnn.txt`, 'utf8') },
      ]).fabric,
      loadSpec({ name: 'default.yaml', text: readFileSync(`${EXAMPLES}default.yaml`, 'utf8') })
        .fabric,
      twoFunctions({ groups: [1, 'unknown'] }),
      new FabricBuilder().build(),
    ];
    for (const f of fabrics) assert.equal(pieces(f), whole(f));
    // One piece per batch of records (and the closing one).
    const many = [...topoJsonPieces(fabrics[0]!, 2)];
    assert.ok(many.length > 2);
  });
});
