/**
 * Loader conformance: one machine, several formats, one Fabric. Each machine's sysfs capture is the
 * reference; every other format's Fabric is compared with it function by function and field by field
 * (src/ingest/testing/compare.ts). What a format cannot express is a named skip with a reason in the
 * SKIPS table below; any other difference fails with a readable diff. Also: every fixture loads, and
 * so does this machine's live /sys.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { list } from 'tar';
import { loadSource } from '../node/load.js';
import { FabricBuilder } from '../pci/builder.js';
import type { Fabric } from '../pci/fabric.js';
import { switchFabric } from '../pci/testing/fabrics.js';
import { isKnown, type Link } from '../pci/types.js';
import { linkGBps } from './hwloc/index.js';
import { compareFabrics, type Difference, formatDiffs, type Skip } from './testing/compare.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const ORACLE = join(FIXTURES, 'kernel-oracle');

type Format = 'lspci' | 'lspci-tv' | 'hwloc';

/** The implementations under test: how each format of a machine is handed to loadSource. */
const FORMATS: Record<
  Format,
  { readonly what: string; readonly source: (m: Machine) => string | undefined }
> = {
  lspci: { what: 'lspci -tvnn + -vvvnn', source: (m) => m.lspci },
  'lspci-tv': { what: 'lspci -tv alone', source: (m) => m.lspciTv },
  hwloc: { what: 'hwloc XML (lstopo --of xml --whole-io)', source: (m) => m.hwloc },
};

interface Machine {
  readonly name: string;
  readonly sysfs: string;
  readonly lspci?: string;
  readonly lspciTv?: string;
  readonly hwloc?: string;
}

const ORACLE_MACHINES = readdirSync(ORACLE)
  .filter((d) => existsSync(join(ORACLE, d, 'sysfs.tar.gz')))
  .sort();

const MACHINES: readonly Machine[] = [
  ...ORACLE_MACHINES.map((name) => ({
    name,
    sysfs: join(ORACLE, name, 'sysfs.tar.gz'),
    lspci: `${join(ORACLE, name, 'lspci-tvnn.txt')},${join(ORACLE, name, 'lspci-vvvnn.txt')}`,
    lspciTv: join(ORACLE, name, 'lspci-tv.txt'),
  })),
  ...['40intel64-2g2n4c+pcilocality', 'fakepcilocalities'].map((name) => ({
    name,
    sysfs: join(FIXTURES, 'sysfs', `${name}.tar.gz`),
    hwloc: join(FIXTURES, 'hwloc', `linux-${name}.xml`),
  })),
];

interface SkipEntry extends Skip {
  readonly formats: readonly Format[];
  /** Only for these machines (default: all). */
  readonly machines?: readonly string[];
}

const linkOf = (v: unknown): Link | null =>
  typeof v === 'object' && v !== null && 'speedGTs' in v ? (v as Link) : null;
const isEmptyList = (v: unknown) => Array.isArray(v) && v.length === 0;
const CPU_IDS = ['machine.cpu.vendor', 'machine.cpu.family', 'machine.cpu.model'] as const;
const NUMA = ['numaNode', 'hostBridge.numaNode'] as const;

/**
 * Every expected difference between a format and the sysfs reference (side a = sysfs, b = the format).
 * Format limits carry a reason; loader bugs carry `knownBug` (each must still reproduce).
 */
const SKIPS: readonly SkipEntry[] = [
  // lspci, both flavours
  {
    name: 'lspci-no-cpu',
    formats: ['lspci', 'lspci-tv'],
    fields: CPU_IDS,
    unknownOn: 'b',
    reason: 'lspci carries no CPU (no /proc/cpuinfo)',
  },
  {
    name: 'lspci-no-numa-count',
    formats: ['lspci', 'lspci-tv'],
    fields: ['machine.numaNodes'],
    unknownOn: 'b',
    reason: 'lspci carries no count of NUMA nodes',
  },
  {
    name: 'lspci-no-iommu-mode',
    formats: ['lspci', 'lspci-tv'],
    fields: ['machine.iommu.enabled'],
    unknownOn: 'b',
    reason:
      'lspci shows IOMMU groups but not whether DMA remapping is on (iommu=pt has groups too)',
  },
  {
    name: 'lspci-numa-minus-one',
    formats: ['lspci'],
    fields: NUMA,
    unknownOn: 'b',
    when: (d) => d.a === -1,
    reason:
      "lspci -vvv prints 'NUMA node:' only when it is not -1, so -1 reads as unknown when no function has one",
  },
  // lspci -tv: a tree of names, nothing else
  {
    name: 'lspci-tv-no-ids',
    formats: ['lspci-tv'],
    fields: ['vendor', 'device', 'classCode', 'revision'],
    unknownOn: 'b',
    reason: 'lspci -tv has no ids (names only, no [vvvv:dddd], no class)',
  },
  {
    name: 'lspci-tv-no-caps',
    formats: ['lspci-tv'],
    fields: ['portType', 'linkCap', 'linkStatus', 'acs'],
    unknownOn: 'b',
    reason: 'lspci -tv prints no capabilities (PCIe port type, link, ACS)',
  },
  {
    name: 'lspci-tv-no-kernel-facts',
    formats: ['lspci-tv'],
    fields: [...NUMA, 'iommuGroup', 'driver'],
    unknownOn: 'b',
    reason: 'lspci -tv prints no NUMA node, IOMMU group or driver',
  },
  {
    name: 'lspci-tv-kind-guess',
    formats: ['lspci-tv'],
    fields: ['kind'],
    when: (d) => d.b === 'endpoint' && (d.a === 'host-bridge' || d.a === 'rc-integrated-endpoint'),
    reason:
      'lspci -tv has no class code or port type, so a non-bridge on a root bus (host bridge, RCiEP) reads as an endpoint',
  },
  {
    name: 'lspci-tv-no-bars',
    formats: ['lspci-tv'],
    fields: ['bars'],
    when: (d) => isEmptyList(d.b),
    reason: 'lspci -tv prints no BARs',
  },
  {
    name: 'lspci-tv-no-sriov',
    formats: ['lspci-tv'],
    fields: ['physfn'],
    when: (d) => d.b === null,
    reason: 'lspci -tv cannot tell an SR-IOV VF from a PF',
  },
  // hwloc XML
  {
    name: 'hwloc-no-cpu-ids',
    formats: ['hwloc'],
    fields: CPU_IDS,
    unknownOn: 'b',
    reason: 'hwloc XML carries the CPU model name only, not vendor/family/model numbers',
  },
  {
    name: 'hwloc-no-acs',
    formats: ['hwloc'],
    fields: ['acs'],
    unknownOn: 'b',
    reason: 'hwloc carries no ACS',
  },
  {
    name: 'hwloc-no-driver',
    formats: ['hwloc'],
    fields: ['driver'],
    unknownOn: 'b',
    reason: 'hwloc XML carries no driver binding',
  },
  {
    name: 'hwloc-no-iommu-group',
    formats: ['hwloc'],
    fields: ['iommuGroup', 'machine.iommu.enabled'],
    unknownOn: 'b',
    reason: 'hwloc XML carries no IOMMU groups or IOMMU state',
  },
  {
    name: 'hwloc-no-bars',
    formats: ['hwloc'],
    fields: ['bars'],
    when: (d) => isEmptyList(d.b),
    reason: 'hwloc XML carries no BARs',
  },
  {
    name: 'hwloc-no-linkcap',
    formats: ['hwloc'],
    fields: ['linkCap'],
    unknownOn: 'b',
    reason: 'hwloc records the trained link only (pci_link_speed), not Link Capabilities',
  },
  {
    name: 'hwloc-gbps-ambiguous',
    formats: ['hwloc'],
    fields: ['linkStatus'],
    when: (d) => {
      const [a, b] = [linkOf(d.a), linkOf(d.b)];
      return a !== null && b !== null && Math.abs(linkGBps(a) - linkGBps(b)) < 1e-6;
    },
    reason: 'hwloc records links as GB/s, which cannot tell e.g. 2.5 GT/s x4 from 5 GT/s x2',
  },
  {
    name: 'hwloc-locality-not-numa',
    formats: ['hwloc'],
    fields: NUMA,
    unknownOn: 'b',
    reason:
      "hwloc XML carries CPU locality, not the kernel's numa_node: a locality spanning several NUMA nodes (or -1) reads as unknown",
  },
  {
    name: 'hwloc-forced-locality',
    formats: ['hwloc'],
    machines: ['fakepcilocalities'],
    fields: NUMA,
    at: [
      'pci0000:80',
      '0000:80:01.0',
      '0000:80:03.0',
      '0000:80:05.0',
      '0000:80:07.0',
      '0000:80:09.0',
      '0000:80:14.0',
    ],
    reason:
      "fixture: hwloc's test forced HWLOC_PCI_LOCALITY='0000:82-c0 0x88,88888888', merging pci0000:80 into package 3 (node 3); sysfs numa_node says 2",
  },
  // loader bugs (to be routed; each must still reproduce): none open. Add entries with
  // `knownBug: '<description>'` and `at`/`when` narrowing them to the exact difference.
];

const loaded = new Map<string, Promise<Fabric>>();
function load(src: string): Promise<Fabric> {
  let p = loaded.get(src);
  if (!p) {
    p = loadSource(src).then((r) => r.fabric);
    loaded.set(src, p);
  }
  return p;
}

for (const [format, impl] of Object.entries(FORMATS) as [Format, (typeof FORMATS)[Format]][]) {
  describe(`conformance: sysfs ≡ ${impl.what}`, () => {
    for (const m of MACHINES) {
      const src = impl.source(m);
      if (src === undefined) continue;
      test(m.name, async (t) => {
        const skips = SKIPS.filter(
          (s) =>
            s.formats.includes(format) && (s.machines === undefined || s.machines.includes(m.name)),
        );
        const { diffs, used } = compareFabrics(await load(m.sysfs), await load(src), skips);
        for (const [name, n] of used) if (n > 0) t.diagnostic(`skip ${name}: ${n}`);
        assert.equal(
          diffs.length,
          0,
          `${m.name}: ${diffs.length} unexpected differences (sysfs vs ${format}):\n${formatDiffs(diffs, ['sysfs', format])}`,
        );
        for (const s of skips) {
          if (s.knownBug !== undefined) {
            assert.ok(
              (used.get(s.name) ?? 0) > 0,
              `knownBug '${s.name}' no longer reproduces on ${m.name}: remove it from SKIPS`,
            );
          }
        }
      });
    }
  });
}

test('conformance: the skip table is well formed', () => {
  const names = SKIPS.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'skip names are unique');
  for (const s of SKIPS) {
    assert.ok(s.reason.length > 10, `${s.name} has a reason`);
    assert.ok(s.fields.length > 0 && s.formats.length > 0, `${s.name} names fields and formats`);
  }
});

describe('compare helper', () => {
  test('a fabric equals itself; a changed field is reported, and a skip absorbs it by name', () => {
    assert.deepEqual(compareFabrics(switchFabric(), switchFabric()).diffs, []);
    const on = switchFabric({ redirect: true });
    const off = switchFabric({ redirect: false });
    const { diffs } = compareFabrics(on, off);
    assert.deepEqual(
      diffs.map((d: Difference) => `${d.at} ${d.field}`),
      ['0000:02:00.0 acs', '0000:02:01.0 acs'],
    );
    const skip: Skip = { name: 'acs', fields: ['acs'], reason: 'test' };
    const res = compareFabrics(on, off, [skip]);
    assert.deepEqual([res.diffs, res.used.get('acs')], [[], 2]);
    assert.match(
      formatDiffs(diffs, ['on', 'off']),
      /0000:02:00\.0 +acs +on=.*"ctrl":29.* off=.*"ctrl":0/,
    );
  });

  test('unknownOn absorbs only a missing value; machine facts and missing functions are compared', () => {
    const amd = switchFabric({ cpuVendor: 'AuthenticAMD', cpuFamily: 0x17 });
    const skip: Skip = {
      name: 'cpu',
      fields: ['machine.cpu.vendor', 'machine.cpu.family'],
      unknownOn: 'b',
      reason: 'test',
    };
    const { diffs } = compareFabrics(switchFabric(), amd, [skip]);
    assert.deepEqual(
      diffs.map((d) => [d.field, d.a, d.b]),
      [
        ['machine.cpu.vendor', 'GenuineIntel', 'AuthenticAMD'],
        ['machine.cpu.family', 6, 0x17],
      ],
    );
    const one = new FabricBuilder()
      .hostBridge({ domain: 0, rootBus: 0 })
      .fn({ bdf: '0000:00:00.0' });
    const missing = compareFabrics(switchFabric(), one.build()).diffs.filter(
      (d) => d.field === 'present',
    );
    assert.equal(missing.length, switchFabric().size - 1);
    assert.ok(missing.every((d) => d.a === true && d.b === false));
  });
});

// ---- every fixture loads -------------------------------------------------------------------------

const BDF_DIR = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** BDFs of the function directories under `sys/devices/pci*` in a tarball: an independent count. */
function tarballBdfs(file: string): string[] {
  const out = new Set<string>();
  list({
    file,
    sync: true,
    onReadEntry: (e) => {
      const parts = e.path.split('/');
      const i = parts.findIndex(
        (p, k) => p.startsWith('pci') && parts[k - 1] === 'devices' && parts[k - 2] === 'sys',
      );
      if (i < 0) return;
      for (const p of parts.slice(i + 1))
        if (BDF_DIR.test(p)) out.add(p.replace(/^0+(?=[0-9a-f]{4}:)/, ''));
    },
  });
  return [...out].sort();
}

function hwlocBdfs(file: string): string[] {
  const ids = readFileSync(file, 'utf8').matchAll(/pci_busid="([^"]+)"/g);
  return [...new Set([...ids].map((m) => m[1]!.toLowerCase()))].sort();
}

interface FixtureCase {
  readonly label: string;
  readonly src: string;
  readonly bdfs: () => string[];
}

const fixtureCases = (): FixtureCase[] => {
  const out: FixtureCase[] = [];
  const sysfsDir = join(FIXTURES, 'sysfs');
  for (const f of readdirSync(sysfsDir)
    .filter((x) => x.endsWith('.tar.gz'))
    .sort()) {
    const src = join(sysfsDir, f);
    out.push({ label: `sysfs/${f}`, src, bdfs: () => tarballBdfs(src) });
  }
  const hwlocDir = join(FIXTURES, 'hwloc');
  for (const f of readdirSync(hwlocDir)
    .filter((x) => x.endsWith('.xml'))
    .sort()) {
    const src = join(hwlocDir, f);
    out.push({ label: `hwloc/${f}`, src, bdfs: () => hwlocBdfs(src) });
  }
  for (const m of ORACLE_MACHINES) {
    const at = (f: string) => join(ORACLE, m, f);
    const bdfs = () => tarballBdfs(at('sysfs.tar.gz'));
    out.push({ label: `${m}/sysfs.tar.gz`, src: at('sysfs.tar.gz'), bdfs });
    for (const files of [
      ['lspci-tvnn.txt', 'lspci-vvvnn.txt'],
      ['lspci-vvvnn.txt', 'lspci-tvnn.txt'],
      ['lspci-tv.txt'],
      ['lspci-tvnn.txt'],
      ['lspci-vvvnn.txt'],
    ]) {
      out.push({ label: `${m}/${files.join(',')}`, src: files.map(at).join(','), bdfs });
    }
  }
  return out;
};

describe('every fixture loads through loadSource', () => {
  for (const c of fixtureCases()) {
    test(c.label, async () => {
      const { fabric } = await loadSource(c.src);
      const bdfs = fabric.functions.map((f) => f.bdf as string);
      const want = c.bdfs();
      assert.ok(want.length > 0, `${c.label}: the fixture holds PCI functions`);
      assert.deepEqual(bdfs, [...want].sort(), `${c.label}: BDFs equal the raw fixture's`);
      const bridges = new Set(fabric.hostBridges.map((h) => h.id));
      for (const f of fabric.functions)
        assert.ok(bridges.has(f.hostBridge), `${f.bdf}: host bridge ${f.hostBridge} listed`);
    });
  }
});

test("loadSource('live') reads this machine's /sys", async () => {
  const res = await loadSource('live');
  const dir = '/sys/bus/pci/devices';
  const want = existsSync(dir) ? readdirSync(dir).filter((d) => BDF_DIR.test(d)) : [];
  assert.equal(res.fabric.size, want.length, 'one function per /sys/bus/pci/devices entry');
  if (want.length === 0) {
    assert.ok(res.warnings.length > 0, 'an empty live fabric comes with a warning');
  } else {
    for (const f of res.fabric.functions) assert.ok(isKnown(f.vendor), `${f.bdf}: vendor read`);
  }
});
