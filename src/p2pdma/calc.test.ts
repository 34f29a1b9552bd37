/**
 * The kernel's worked examples (comment above calc_map_type_and_dist, spec §3.5) as a table, each
 * tagged with the rule sets it holds for; then every allowlist entry and flag; then every rule-set
 * difference as a named case.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Fabric, FabricBuilder } from '../pci/index.js';
import { acsListText } from './calc.js';
import { cellMapType, fastMatrix, MT_THRU_HOST_BRIDGE, MT_UNCERTAIN } from './matrix.js';
import { P2pdma } from './p2pdma.js';
import { ALLOWLIST_LINUX_6_1, ALLOWLIST_LINUX_6_19, getRuleSet } from './rulesets.js';
import { AMD_ZEN, CPU_UNKNOWN, fab, hbFabric, INTEL_ICX, standard } from './testing/build.js';

const ALL = ['linux-6.19', 'linux-6.1', 'linux-4.20'];
const HB = ['linux-6.19', 'linux-6.1'];

interface Row {
  readonly name: string;
  readonly rules: readonly string[];
  readonly fabric: () => Fabric;
  readonly provider: string;
  readonly client: string;
  readonly mapType: string;
  readonly distance: number | null;
  readonly log?: readonly string[];
}

/** What the kernel prints on the client when the two DSPs of the standard fabric redirect. */
const ACS_LINES = [
  'mlx5_core 0000:04:00.0: ACS redirect is set between the client and provider (0000:03:00.0)',
  'mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0',
];

// Arithmetic in the names: dist_a + dist_b, counted as steps up to the common device.
const WORKED: readonly Row[] = [
  {
    name: 'same function: 0',
    rules: ALL,
    fabric: () => standard(),
    provider: '03:00.0',
    client: '03:00.0',
    mapType: 'BUS_ADDR',
    distance: 0,
    log: [],
  },
  {
    name: 'two functions of one device (fn→RP→fn): 1 + 1 = 2',
    rules: ALL,
    fabric: () => standard(),
    provider: '06:00.0',
    client: '06:00.1',
    mapType: 'BUS_ADDR',
    distance: 2,
    log: [],
  },
  {
    name: 'two downstream ports of one switch (EP→DSP→USP): 2 + 2 = 4',
    rules: ALL,
    fabric: () => standard(),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'BUS_ADDR',
    distance: 4,
    log: [],
  },
  {
    name: 'VF and its PF share the PF’s upstream bridge: 1 + 1 = 2',
    rules: ALL,
    fabric: () => standard(),
    provider: '05:00.1',
    client: '05:00.0',
    mapType: 'BUS_ADDR',
    distance: 2,
    log: [],
  },
  {
    name: 'two VFs of one PF: 1 + 1 = 2',
    rules: ALL,
    fabric: () => standard(),
    provider: '05:00.1',
    client: '05:00.2',
    mapType: 'BUS_ADDR',
    distance: 2,
    log: [],
  },
  {
    name: 'VF to a device on another DSP: 2 + 2 = 4 (walks through the PF’s DSP)',
    rules: ALL,
    fabric: () => standard(),
    provider: '05:00.2',
    client: '03:00.0',
    mapType: 'BUS_ADDR',
    distance: 4,
    log: [],
  },
  {
    name: 'ACS redirect on both DSPs, allowlisted Sky Lake-E host bridge: THRU_HOST_BRIDGE, 4',
    rules: HB,
    fabric: () => standard({ dspAcs: 'redirect', hb: [0x8086, 0x2020] }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'THRU_HOST_BRIDGE',
    distance: 4,
    log: ACS_LINES,
  },
  {
    name: 'ACS redirect, host bridge not listed, Intel CPU: NOT_SUPPORTED, whitelist warning printed in both queries',
    rules: HB,
    fabric: () => standard({ dspAcs: 'redirect' }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'NOT_SUPPORTED',
    distance: -1,
    log: [
      ...ACS_LINES,
      'pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0',
      'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:03:00.0) do not share an upstream bridge or whitelisted host bridge',
      'pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0',
    ],
  },
  {
    name: 'ACS redirect, AMD Zen CPU: THRU_HOST_BRIDGE, the allowlist is not consulted',
    rules: HB,
    fabric: () => standard({ dspAcs: 'redirect', machine: AMD_ZEN }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'THRU_HOST_BRIDGE',
    distance: 4,
    log: ACS_LINES,
  },
  {
    name: 'redirect on the common device counts (provider side includes it): root port of a two-function device',
    rules: HB,
    fabric: () => standard({ rpAcs: 'redirect' }),
    provider: '06:00.0',
    client: '06:00.1',
    mapType: 'NOT_SUPPORTED',
    distance: -1,
  },
  {
    name: 'redirect above the common device is never read',
    rules: ALL,
    fabric: () => standard({ rpAcs: 'redirect' }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'BUS_ADDR',
    distance: 4,
    log: [],
  },
  {
    name: 'no common upstream, same host bridge, not listed: NOT_SUPPORTED (no whitelist warning: acs_redirects is false)',
    rules: HB,
    fabric: () => standard(),
    provider: '03:00.0',
    client: '06:00.0',
    mapType: 'NOT_SUPPORTED',
    distance: -1,
    log: [
      'pci 0000:06:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:03:00.0) do not share an upstream bridge or whitelisted host bridge',
    ],
  },
  {
    name: 'no common upstream, allowlisted: full chains 4 + 2 = 6',
    rules: HB,
    fabric: () => standard({ hb: [0x8086, 0x09a2] }),
    provider: '03:00.0',
    client: '06:00.0',
    mapType: 'THRU_HOST_BRIDGE',
    distance: 6,
    log: [],
  },
  {
    name: 'RCiEP to root-port device, AMD Zen: 1 + 2 = 3',
    rules: HB,
    fabric: () => standard({ machine: AMD_ZEN }),
    provider: '00:10.0',
    client: '06:00.1',
    mapType: 'THRU_HOST_BRIDGE',
    distance: 3,
    log: [],
  },
  {
    name: 'early: ACS redirect refuses (-2 → -1) with the early wording',
    rules: ['linux-4.20'],
    fabric: () => standard({ dspAcs: 'redirect', machine: AMD_ZEN }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'NOT_SUPPORTED',
    distance: -1,
    log: [
      'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as ACS redirect is set between the client and provider (0000:03:00.0)',
      'mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0',
    ],
  },
  {
    name: 'early: no common upstream bridge refuses even on AMD Zen with an allowlisted bridge',
    rules: ['linux-4.20'],
    fabric: () => standard({ machine: AMD_ZEN, hb: [0x8086, 0x2020] }),
    provider: '03:00.0',
    client: '06:00.0',
    mapType: 'NOT_SUPPORTED',
    distance: -1,
    log: [
      'pci 0000:06:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:03:00.0) do not share an upstream bridge',
    ],
  },
  {
    name: 'CPU unknown, pair below one switch: the CPU does not matter',
    rules: ALL,
    fabric: () => standard({ machine: CPU_UNKNOWN }),
    provider: '03:00.0',
    client: '05:00.1',
    mapType: 'BUS_ADDR',
    distance: 4,
    log: [],
  },
  {
    name: 'CPU unknown, host-bridge route needed: uncertain',
    rules: HB,
    fabric: () => standard({ machine: CPU_UNKNOWN }),
    provider: '03:00.0',
    client: '06:00.0',
    mapType: 'uncertain',
    distance: null,
  },
  {
    name: 'ACS unknown on a checked DSP: uncertain (BUS_ADDR or THRU_HOST_BRIDGE, both 4)',
    rules: HB,
    fabric: () => standard({ dspAcs: 'unknown', machine: AMD_ZEN }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'uncertain',
    distance: 4,
  },
  {
    name: 'ACS unknown on a checked DSP: uncertain (BUS_ADDR 4 or refused -1)',
    rules: ['linux-4.20'],
    fabric: () => standard({ dspAcs: 'unknown' }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'uncertain',
    distance: null,
  },
  {
    name: 'ACS unknown only above the common device: certain',
    rules: ALL,
    fabric: () => standard({ rpAcs: 'unknown' }),
    provider: '03:00.0',
    client: '04:00.0',
    mapType: 'BUS_ADDR',
    distance: 4,
    log: [],
  },
];

describe('worked examples', () => {
  for (const row of WORKED) {
    for (const rules of row.rules) {
      test(`[${rules}] ${row.name}`, () => {
        const v = new P2pdma(row.fabric(), rules).verdict(row.provider, row.client);
        assert.equal(v.mapType, row.mapType);
        assert.equal(v.distance, row.distance);
        if (row.log) assert.deepEqual(v.kernelLog, row.log);
        assert.equal(v.ruleSet, rules);
      });
    }
  }

  test('uncertain verdicts name the missing fact and list the possible outcomes', () => {
    const v = new P2pdma(standard({ machine: CPU_UNKNOWN }), 'linux-6.1').verdict(
      '03:00.0',
      '06:00.0',
    );
    assert.equal(v.mapType, 'uncertain');
    if (v.mapType !== 'uncertain') return;
    assert.deepEqual(v.possible, ['NOT_SUPPORTED', 'THRU_HOST_BRIDGE']);
    assert.deepEqual(v.missing, { fact: 'cpu-vendor-family', devices: [] });
    const acs = new P2pdma(standard({ dspAcs: 'unknown', machine: AMD_ZEN }), 'linux-6.1').verdict(
      '03:00.0',
      '04:00.0',
    );
    assert.equal(acs.mapType, 'uncertain');
    if (acs.mapType === 'uncertain')
      assert.deepEqual(acs.missing, {
        fact: 'acs-control',
        devices: ['0000:02:00.0', '0000:02:01.0'],
      });
  });

  test('a device with ACS redirect of its own lists itself even against itself', () => {
    const f = fab(INTEL_ICX, [
      { k: 'hb', bdf: '00:00.0', vendor: 0x8086, device: 0x29c0 },
      { k: 'rp', bdf: '00:01.0' },
      { k: 'ep', bdf: '01:00.0', parent: '00:01.0', acs: 'redirect' },
    ]);
    const v = new P2pdma(f, 'linux-6.1').verdict('01:00.0', '01:00.0');
    assert.equal(v.mapType, 'NOT_SUPPORTED');
    assert.deepEqual(v.acsBridges, ['0000:01:00.0']);
  });

  test('the ACS list is printed into a 128-byte buffer: truncated to 127 characters', () => {
    const ten = Array.from(
      { length: 10 },
      (_, i) => `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`,
    );
    assert.equal(acsListText(ten.slice(0, 9), 128), ten.slice(0, 9).join(';'));
    assert.equal(acsListText(ten, 128), `${ten.slice(0, 9).join(';')};0000:0a:00`);
    assert.equal(acsListText(ten, null), ten.join(';'));
  });
});

/** Two root ports under one host bridge, or two host bridges, with the given host-bridge device ids. */

describe('every allowlist entry and flag', () => {
  for (const [rules, table] of [
    ['linux-6.1', ALLOWLIST_LINUX_6_1],
    ['linux-7.2', getRuleSet('linux-7.2').allowlist],
  ] as const) {
    for (const e of table) {
      const ids: [number, number] = [e.vendor, e.device === 'any' ? 0x4242 : e.device];
      const tag = `${e.vendor.toString(16)}:${e.device === 'any' ? 'any' : e.device.toString(16)} ${e.name}`;
      test(`[${rules}] ${tag}: same host bridge → THRU_HOST_BRIDGE`, () => {
        assert.equal(
          new P2pdma(hbFabric(ids, false), rules).verdict('01:00.0', '02:00.0').mapType,
          'THRU_HOST_BRIDGE',
        );
      });
      test(`[${rules}] ${tag}: across host bridges → ${e.reqSameHostBridge ? 'NOT_SUPPORTED (REQ_SAME_HOST_BRIDGE)' : 'THRU_HOST_BRIDGE'}`, () => {
        const v = new P2pdma(hbFabric(ids, true), rules).verdict('0000:01:00.0', '0001:01:00.0');
        assert.equal(v.mapType, e.reqSameHostBridge ? 'NOT_SUPPORTED' : 'THRU_HOST_BRIDGE');
        if (e.reqSameHostBridge)
          assert.ok(v.issues.some((i) => i.code === 'host_bridge_requires_same'));
      });
    }
  }
  test('6.1 and 6.19 have the same ten entries; 7.2 adds Google and the Intel accelerators', () => {
    assert.equal(ALLOWLIST_LINUX_6_1.length, 10);
    assert.deepEqual(ALLOWLIST_LINUX_6_19, ALLOWLIST_LINUX_6_1);
    const newest = getRuleSet('linux-7.2').allowlist;
    assert.equal(newest.length, 21);
    for (const e of ALLOWLIST_LINUX_6_1)
      assert.ok(newest.some((n) => n.vendor === e.vendor && n.device === e.device));
  });
  test('no host bridge device (first root-bus device neither 00.0 nor a root port): refused', () => {
    const f = fab(INTEL_ICX, [
      { k: 'ep', bdf: '00:03.0', vendor: 0x8086, device: 0x2020 },
      { k: 'rp', bdf: '00:04.0' },
      { k: 'ep', bdf: '01:00.0', parent: '00:04.0' },
    ]);
    const v = new P2pdma(f, 'linux-6.19').verdict('00:03.0', '01:00.0');
    assert.equal(v.mapType, 'NOT_SUPPORTED');
    assert.ok(v.issues.some((i) => i.code === 'no_host_bridge_device'));
  });
  test('a root port first on the root bus is the host bridge device (Sky Lake-E root ports)', () => {
    const f = fab(INTEL_ICX, [
      { k: 'rp', bdf: '00:02.0', vendor: 0x8086, device: 0x2032 },
      { k: 'ep', bdf: '01:00.0', parent: '00:02.0' },
      { k: 'rp', bdf: '00:03.0', vendor: 0x8086, device: 0x2033 },
      { k: 'ep', bdf: '02:00.0', parent: '00:03.0' },
    ]);
    assert.equal(
      new P2pdma(f, 'linux-6.1').verdict('01:00.0', '02:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
  });
  test('host bridge device id unknown: uncertain on that fact', () => {
    const f = fab(INTEL_ICX, [
      { k: 'hb', bdf: '00:00.0' },
      { k: 'rp', bdf: '00:01.0' },
      { k: 'ep', bdf: '01:00.0', parent: '00:01.0' },
      { k: 'ep', bdf: '00:10.0' },
    ]);
    const v = new P2pdma(f, 'linux-6.19').verdict('01:00.0', '00:10.0');
    assert.equal(v.mapType, 'uncertain');
    if (v.mapType === 'uncertain')
      assert.deepEqual(v.missing, { fact: 'host-bridge-device-id', devices: ['0000:00:00.0'] });
  });
});

describe('host bridge device whose port type is not in the input (§3.3.3)', () => {
  // Root bus starts at 00:02.0 (no 00.0): that function is the host bridge device only if it is a
  // Root Port. 8086:2032 is allowlisted, so the port type decides.
  const build = (pcie: 'unknown' | 'root-port') => {
    const L = { speedGTs: 8, width: 16 };
    const port =
      pcie === 'unknown'
        ? ('unknown' as const)
        : { portType: 'root-port' as const, linkCap: L, linkStatus: L };
    return new FabricBuilder()
      .machine({ cpu: { vendor: 'GenuineIntel', family: 6, model: 0x55, arch: 'x86_64' } })
      .fn({
        bdf: '00:02.0',
        kind: 'root-port',
        vendor: 0x8086,
        device: 0x2032,
        classCode: 0x060400,
        pcie: port,
        acs: { state: 'absent' },
      })
      .fn({
        bdf: '01:00.0',
        parent: '00:02.0',
        kind: 'endpoint',
        classCode: 0x030200,
        pcie: 'unknown',
        acs: { state: 'absent' },
      })
      .fn({
        bdf: '00:03.0',
        kind: 'root-port',
        vendor: 0x8086,
        device: 0x2033,
        classCode: 0x060400,
        pcie: port,
        acs: { state: 'absent' },
      })
      .fn({
        bdf: '02:00.0',
        parent: '00:03.0',
        kind: 'endpoint',
        classCode: 0x030200,
        pcie: 'unknown',
        acs: { state: 'absent' },
      })
      .build();
  };
  test('known Root Port: allowlisted, THRU_HOST_BRIDGE', () => {
    assert.equal(
      new P2pdma(build('root-port'), 'linux-6.19').verdict('01:00.0', '02:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
  });
  test('unknown port type: uncertain on that fact, both outcomes possible, fast path agrees', () => {
    const f = build('unknown');
    const p = new P2pdma(f, 'linux-6.19');
    const v = p.verdict('01:00.0', '02:00.0');
    assert.equal(v.mapType, 'uncertain');
    if (v.mapType === 'uncertain') {
      assert.deepEqual(v.missing, {
        fact: 'host-bridge-device-port-type',
        devices: ['0000:00:02.0'],
      });
      assert.deepEqual([...v.possible].sort(), ['NOT_SUPPORTED', 'THRU_HOST_BRIDGE']);
    }
    const devs = [f.require('0000:01:00.0'), f.require('0000:02:00.0')];
    assert.equal(cellMapType(fastMatrix(p.env, devs), 0, 1), MT_UNCERTAIN);
    assert.equal(
      cellMapType(fastMatrix(new P2pdma(build('root-port')).env, devs), 0, 1),
      MT_THRU_HOST_BRIDGE,
    );
  });
});

describe('rule-set differences, by name', () => {
  test('google-wildcard: allowed from linux-7.1 (70cf146a674c), not by linux-6.19', () => {
    const f = hbFabric([0x1ae0, 0x0042], true);
    assert.equal(
      new P2pdma(f, 'linux-7.1').verdict('0000:01:00.0', '0001:01:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
    for (const r of ['linux-6.19', 'linux-6.1'])
      assert.equal(
        new P2pdma(f, r).verdict('0000:01:00.0', '0001:01:00.0').mapType,
        'NOT_SUPPORTED',
        r,
      );
  });
  test('dsa-as-host-bridge-device: 8086:0b25 is refused through 7.1 and allowed from 7.2 (0ba76b19fd4c)', () => {
    const f = hbFabric([0x8086, 0x0b25], false);
    for (const rules of ['linux-7.1', 'linux-6.19', 'linux-6.1']) {
      const v = new P2pdma(f, rules).verdict('01:00.0', '02:00.0');
      assert.equal(v.mapType, 'NOT_SUPPORTED', rules);
      assert.equal(
        v.issues.some((i) => i.code === 'host_bridge_not_allowlisted'),
        true,
        rules,
      );
    }
    assert.equal(
      new P2pdma(f, 'linux-7.2').verdict('01:00.0', '02:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
  });
  test('amd-zen-cpu-rule: opens the host-bridge route from 5.9 (dea286bb71ba), not in 5.8 or 4.20', () => {
    const f = standard({ machine: AMD_ZEN });
    for (const r of ['linux-5.9', 'linux-6.1'])
      assert.equal(new P2pdma(f, r).verdict('03:00.0', '06:00.0').mapType, 'THRU_HOST_BRIDGE', r);
    for (const r of ['linux-5.8', 'linux-4.20'])
      assert.equal(new P2pdma(f, r).verdict('03:00.0', '06:00.0').mapType, 'NOT_SUPPORTED', r);
  });
  test('amd-pre-zen and hygon: refused by the CPU rule', () => {
    for (const vendor of ['AuthenticAMD', 'HygonGenuine']) {
      const f = standard({
        machine: {
          cpu: { vendor, family: vendor === 'AuthenticAMD' ? 0x15 : 0x18, arch: 'x86_64' },
        },
      });
      assert.equal(
        new P2pdma(f, 'linux-6.19').verdict('03:00.0', '06:00.0').mapType,
        'NOT_SUPPORTED',
      );
    }
  });
  test('early-acs-refused: linux-4.20 returns -1 where 6.x routes via the host bridge', () => {
    const f = standard({ dspAcs: 'redirect', machine: AMD_ZEN });
    assert.equal(
      new P2pdma(f, 'linux-6.19').verdict('03:00.0', '04:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
    const early = new P2pdma(f, 'linux-4.20').verdict('03:00.0', '04:00.0');
    assert.equal(early.distance, -1);
    assert.equal(
      early.issues.some((i) => i.code === 'early_acs_refused'),
      true,
    );
  });
  test('early-no-common-switch: linux-4.20 refuses even an allowlisted host bridge, with its own text', () => {
    const f = hbFabric([0x8086, 0x2020], false);
    assert.equal(
      new P2pdma(f, 'linux-6.1').verdict('01:00.0', '02:00.0').mapType,
      'THRU_HOST_BRIDGE',
    );
    const early = new P2pdma(f, 'linux-4.20').verdict('01:00.0', '02:00.0');
    assert.equal(early.mapType, 'NOT_SUPPORTED');
    assert.equal(early.distance, -1);
    assert.deepEqual(early.kernelLog, [
      'pci 0000:02:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:01:00.0) do not share an upstream bridge',
    ]);
    assert.equal(
      early.issues.some((i) => i.code === 'early_no_common_switch'),
      true,
    );
  });
  test('early-acs-refused: linux-4.20 prints "cannot be used … as ACS redirect is set" (-2 → -1)', () => {
    const early = new P2pdma(standard({ dspAcs: 'redirect' }), 'linux-4.20').verdict(
      '03:00.0',
      '04:00.0',
    );
    assert.deepEqual(early.kernelLog, [
      'mlx5_core 0000:04:00.0: cannot be used for peer-to-peer DMA as ACS redirect is set between the client and provider (0000:03:00.0)',
      'mlx5_core 0000:04:00.0: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0',
    ]);
  });
  test('acs-list-buffer: 128 bytes on the stack from 5.14 (e4ece59abd70), a page before', () => {
    assert.equal(getRuleSet('linux-6.1').acsListBuffer, 128);
    assert.equal(getRuleSet('linux-5.14').acsListBuffer, 128);
    assert.equal(getRuleSet('linux-5.13').acsListBuffer, null);
    assert.equal(getRuleSet('linux-5.4').acsListBuffer, null);
  });
  test('linux-5.4 is the real 5.4: host-bridge route, AMD 1022:1450 allowlisted, no CPU rule, no caveat', () => {
    const r = getRuleSet('linux-5.4');
    assert.equal(r.semantics, 'host-bridge');
    assert.equal(r.cpuRule, 'none');
    assert.deepEqual(
      r.allowlist.map(
        (e) =>
          `${e.vendor.toString(16)}:${String(e.device === 'any' ? 'any' : e.device.toString(16))}`,
      ),
      ['1022:1450', '8086:3c00', '8086:3c01', '8086:2f00', '8086:2f01'],
    );
    assert.equal(r.caveat, undefined);
    assert.match(r.models, /mainline v5\.4/);
  });
  test('map-type-cache: exists from 5.4, not in linux-4.20', () => {
    const f = standard();
    const m61 = new P2pdma(f, 'linux-6.1');
    m61.addProvider('03:00.0');
    m61.distance('03:00.0', ['06:00.0'], false);
    assert.deepEqual(m61.cache('03:00.0')!.entries(), [[0x0600, 'NOT_SUPPORTED']]);
    const m420 = new P2pdma(f, 'linux-4.20');
    m420.addProvider('03:00.0');
    m420.distance('03:00.0', ['06:00.0'], false);
    assert.deepEqual(m420.cache('03:00.0')!.entries(), []);
  });
  test('map-type enum values: 6.1 UNKNOWN 0 / NOT_SUPPORTED 1 / BUS_ADDR 2 / THRU 3; from 6.17 NONE → 2 / 3 / 4', () => {
    assert.deepEqual(new P2pdma(standard(), 'linux-6.16').ruleSet.mapTypeValues, {
      UNKNOWN: 0,
      NOT_SUPPORTED: 1,
      BUS_ADDR: 2,
      THRU_HOST_BRIDGE: 3,
    });
    assert.deepEqual(new P2pdma(standard(), 'linux-6.17').ruleSet.mapTypeValues, {
      UNKNOWN: 0,
      NOT_SUPPORTED: 2,
      BUS_ADDR: 3,
      THRU_HOST_BRIDGE: 4,
    });
  });
  test('unknown rule set: a typed error naming it', () => {
    assert.throws(() => new P2pdma(standard(), 'linux-5.25'), /not a mainline release/);
    assert.throws(() => new P2pdma(standard(), 'rhel-9'), /unknown rule set 'rhel-9'/);
    assert.throws(() => new P2pdma(standard(), 'linux-4.19'), /has no PCI P2PDMA/);
  });
});
