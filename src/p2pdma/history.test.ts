/**
 * Conformance per release, derived from the history data (issue 9 items 1 and 7): every mainline
 * release's allowlist and logic as the fold says, the rule-set names, and a table of cases whose
 * answer flips between releases, each on both sides of the change that flips it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { Fabric } from '../pci/index.js';
import { firstFlip } from './flips.js';
import {
  MAINLINE_RELEASES,
  NEWEST_RELEASE,
  P2PDMA_HISTORY,
  type Release,
  releaseAtMost,
} from './history.js';
import { historyMarkdown } from './history-doc.js';
import { chooseRules, parseKernelRelease } from './kernel-release.js';
import { P2pdma } from './p2pdma.js';
import { foldRuleSet, getRuleSet } from './rulesets.js';
import { AMD_ZEN, fab, hbFabric, INTEL_ICX, standard } from './testing/build.js';

const id = (v: number, d: number | 'any') =>
  `${v.toString(16).padStart(4, '0')}:${d === 'any' ? 'any' : d.toString(16).padStart(4, '0')}`;

describe('the history as data', () => {
  test('entries are in release order, each cited, commits 12 hex digits', () => {
    for (let i = 1; i < P2PDMA_HISTORY.length; i++)
      assert.ok(releaseAtMost(P2PDMA_HISTORY[i - 1]!.release, P2PDMA_HISTORY[i]!.release));
    for (const e of P2PDMA_HISTORY) {
      assert.ok(e.source.length > 10, e.subject);
      if (e.commit !== null) assert.match(e.commit, /^[0-9a-f]{12}$/);
    }
  });
  test('every release v4.20 … newest has a rule set named after it; point releases too', () => {
    assert.equal(MAINLINE_RELEASES.length, 1 + 20 + 20 + NEWEST_RELEASE[1] + 1);
    for (const r of MAINLINE_RELEASES) {
      const rs = getRuleSet(`linux-${r[0]}.${r[1]}`);
      assert.deepEqual(rs.release, r);
      assert.equal(rs.caveat, undefined);
    }
    assert.equal(getRuleSet('linux-6.6.48').name, 'linux-6.6.48');
    assert.equal(getRuleSet('linux-6.6.48').allowlist, getRuleSet('linux-6.6.48').allowlist);
  });
  test('refusals: before v4.20 (no p2pdma), not a release, malformed — typed errors', () => {
    assert.throws(() => getRuleSet('linux-4.19'), { code: 'E_UNSUPPORTED' });
    assert.throws(() => getRuleSet('linux-3.10.0'), /no PCI P2PDMA/);
    assert.throws(() => getRuleSet('linux-5.20'), { code: 'E_NOT_FOUND' });
    assert.throws(() => getRuleSet('linux-6'), /unknown rule set 'linux-6'/);
  });
  test('past the newest release: the newest rules, under the asked name, saying so', () => {
    const rs = getRuleSet('linux-9.1');
    assert.equal(rs.name, 'linux-9.1');
    assert.deepEqual(rs.release, NEWEST_RELEASE);
    assert.deepEqual(rs.allowlist, foldRuleSet(NEWEST_RELEASE).allowlist);
    assert.match(
      rs.caveat ?? '',
      /newer than the newest release in the p2pdma history \(linux-7\.2\)/,
    );
  });
  test('stable backport with an unknown point release: the mainline fold of its series', () => {
    // 0ba76b19fd4c reached 7.1.y in July 2026, point release not recorded: 7.1.N keeps 7.1 rules.
    assert.deepEqual(getRuleSet('linux-7.1.9').allowlist, getRuleSet('linux-7.1').allowlist);
  });
});

/** The allowlist of each era, as the kernel's table listed it (ids only). */
const ALLOWLIST_BY_RELEASE: readonly [Release, readonly string[]][] = [
  [[4, 20], []],
  [[5, 3], []],
  [
    [5, 4],
    ['1022:1450', '8086:3c00', '8086:3c01', '8086:2f00', '8086:2f01'],
  ],
  [
    [5, 6],
    ['1022:1450', '8086:3c00', '8086:3c01', '8086:2f00', '8086:2f01', '8086:2030', '8086:2020'],
  ],
  [
    [5, 8],
    [
      '1022:1450',
      '8086:3c00',
      '8086:3c01',
      '8086:2f00',
      '8086:2f01',
      '8086:2030',
      '8086:2020',
      '8086:2031',
      '8086:2032',
      '8086:2033',
      '1022:15d0',
      '1022:1630',
    ],
  ],
  [
    [5, 9],
    [
      '8086:3c00',
      '8086:3c01',
      '8086:2f00',
      '8086:2f01',
      '8086:2030',
      '8086:2020',
      '8086:2031',
      '8086:2032',
      '8086:2033',
    ],
  ],
  [
    [6, 19],
    [
      '8086:3c00',
      '8086:3c01',
      '8086:2f00',
      '8086:2f01',
      '8086:2030',
      '8086:2020',
      '8086:2031',
      '8086:2032',
      '8086:2033',
      '8086:09a2',
    ],
  ],
];

describe('per release: allowlist and logic from the history', () => {
  for (const [r, ids] of ALLOWLIST_BY_RELEASE) {
    test(`linux-${r.join('.')}: ${ids.length} allowlist entries`, () => {
      assert.deepEqual(
        foldRuleSet(r).allowlist.map((e) => id(e.vendor, e.device)),
        ids,
      );
    });
  }
  test('logic eras: semantics, CPU rule, host bridge device, warning, cache, buffer, enum', () => {
    const row = (r: Release) => {
      const s = foldRuleSet(r);
      return [
        s.semantics,
        s.cpuRule,
        s.hostBridgeDevice,
        s.hostBridgeWarning,
        s.mapTypeCache,
        s.mapTypeOnMiss,
        s.acsListBuffer,
        s.acsParams,
        s.mapTypeValues.NOT_SUPPORTED,
      ];
    };
    const early = ['none', 'devfn0', false, false, 'unknown', null, 'legacy', 1];
    assert.deepEqual(row([4, 20]), ['early', ...early]);
    assert.deepEqual(row([5, 1]), ['early', ...early]);
    assert.deepEqual(row([5, 2]), ['root-complex', ...early]);
    assert.deepEqual(row([5, 4]), [
      'host-bridge',
      'none',
      'devfn0',
      false,
      true,
      'unknown',
      null,
      'legacy',
      1,
    ]);
    assert.deepEqual(row([5, 9]), [
      'host-bridge',
      'amd-zen',
      'devfn0',
      false,
      true,
      'unknown',
      null,
      'legacy',
      1,
    ]);
    assert.deepEqual(row([5, 14]), [
      'host-bridge',
      'amd-zen',
      'devfn0',
      true,
      true,
      'unknown',
      128,
      'legacy',
      1,
    ]);
    assert.deepEqual(row([5, 19]), [
      'host-bridge',
      'amd-zen',
      'devfn0-or-root-port',
      true,
      true,
      'unknown',
      128,
      'legacy',
      1,
    ]);
    assert.deepEqual(row([6, 0]), [
      'host-bridge',
      'amd-zen',
      'devfn0-or-root-port',
      true,
      true,
      'compute',
      128,
      'legacy',
      1,
    ]);
    assert.deepEqual(row([6, 11]), [
      'host-bridge',
      'amd-zen',
      'devfn0-or-root-port',
      true,
      true,
      'compute',
      128,
      'config-acs',
      1,
    ]);
    assert.deepEqual(row([6, 17]), [
      'host-bridge',
      'amd-zen',
      'devfn0-or-root-port',
      true,
      true,
      'compute',
      128,
      'config-acs',
      2,
    ]);
  });
});

interface FlipCase {
  readonly name: string;
  readonly fabric: () => Fabric;
  readonly pair: readonly [string, string];
  /** [release, answer] on each side of the change. */
  readonly before: readonly [string, string];
  readonly after: readonly [string, string];
}

/** An Ice Lake-SP style machine: 8086:09a2 first on the root bus, two root ports. */
const icelake = () => hbFabric([0x8086, 0x09a2], false);
/** Sky Lake-E: no 00.0 device; Root Port A (8086:2030) first on the root bus at 00:01.0. */
const skylakeRootPort = () =>
  fab(INTEL_ICX, [
    { k: 'rp', bdf: '00:01.0', vendor: 0x8086, device: 0x2030 },
    { k: 'ep', bdf: '01:00.0', parent: '00:01.0' },
    { k: 'rp', bdf: '00:02.0', vendor: 0x8086, device: 0x2031 },
    { k: 'ep', bdf: '02:00.0', parent: '00:02.0' },
  ]);

const FLIPS: readonly FlipCase[] = [
  {
    name: 'Ice Lake-SP 8086:09a2 joins the allowlist (feaea1fe8b36)',
    fabric: icelake,
    pair: ['01:00.0', '02:00.0'],
    before: ['linux-5.17', 'NOT_SUPPORTED'],
    after: ['linux-5.18', 'THRU_HOST_BRIDGE'],
  },
  {
    name: 'AMD Zen CPU rule (dea286bb71ba): any Zen, whatever the host bridge',
    fabric: () => standard({ machine: AMD_ZEN }),
    pair: ['03:00.0', '06:00.0'],
    before: ['linux-5.8', 'NOT_SUPPORTED'],
    after: ['linux-5.9', 'THRU_HOST_BRIDGE'],
  },
  {
    name: 'ACS redirect era: -2 refusal until v5.3, host-bridge route from v5.4 (AMD 1022:1450 listed)',
    fabric: () => standard({ hb: [0x1022, 0x1450], dspAcs: 'redirect' }),
    pair: ['03:00.0', '04:00.0'],
    before: ['linux-5.3', 'NOT_SUPPORTED'],
    after: ['linux-5.4', 'THRU_HOST_BRIDGE'],
  },
  {
    name: 'root port first on the root bus counts from v5.19 (1af7c26c59eb)',
    fabric: skylakeRootPort,
    pair: ['01:00.0', '02:00.0'],
    before: ['linux-5.18', 'NOT_SUPPORTED'],
    after: ['linux-5.19', 'THRU_HOST_BRIDGE'],
  },
  {
    name: 'Google wildcard (70cf146a674c)',
    fabric: () => hbFabric([0x1ae0, 0x0042], false),
    pair: ['01:00.0', '02:00.0'],
    before: ['linux-7.0', 'NOT_SUPPORTED'],
    after: ['linux-7.1', 'THRU_HOST_BRIDGE'],
  },
  {
    name: 'Intel QAT 4xxx first on its root bus (0ba76b19fd4c)',
    fabric: () => hbFabric([0x8086, 0x4940], false),
    pair: ['01:00.0', '02:00.0'],
    before: ['linux-7.1', 'NOT_SUPPORTED'],
    after: ['linux-7.2', 'THRU_HOST_BRIDGE'],
  },
];

describe('flip table: answers that change between releases, both sides', () => {
  for (const c of FLIPS) {
    test(c.name, () => {
      for (const [rules, want] of [c.before, c.after]) {
        const v = new P2pdma(c.fabric(), rules).verdict(c.pair[0], c.pair[1]);
        assert.equal(v.mapType, want, rules);
      }
    });
  }
  test('v5.2 – v5.3: AMD Zen root complexes without an IOMMU accepted at 0x1000 + d; with one refused', () => {
    const noIommu = { ...AMD_ZEN, iommu: { enabled: false } };
    const f = hbFabric([0x1022, 0x1450], true, noIommu);
    const v = new P2pdma(f, 'linux-5.2').verdict('0000:01:00.0', '0001:01:00.0');
    assert.equal(v.mapType, 'THRU_HOST_BRIDGE');
    assert.equal(v.distance, 0x1000 + 4);
    assert.equal(
      v.issues.some((i) => i.code === 'root_complex_allowlisted'),
      true,
    );
    const off = new P2pdma(hbFabric([0x1022, 0x1450], true, AMD_ZEN), 'linux-5.2');
    assert.equal(off.verdict('0000:01:00.0', '0001:01:00.0').mapType, 'NOT_SUPPORTED');
    assert.equal(
      new P2pdma(f, 'linux-5.1').verdict('0000:01:00.0', '0001:01:00.0').mapType,
      'NOT_SUPPORTED',
    );
  });
  test('host-bridge warning line: printed from v5.14 (cf201bfe8cdc), not in v5.13', () => {
    const f = standard({ hb: [0x8086, 0x1234], dspAcs: 'redirect' });
    const log = (r: string) => new P2pdma(f, r).verdict('03:00.0', '04:00.0').kernelLog;
    assert.equal(
      log('linux-5.14').some((l) => l.includes('Host bridge not in P2PDMA whitelist: 8086:1234')),
      true,
    );
    assert.equal(
      log('linux-5.13').some((l) => l.includes('Host bridge not in P2PDMA whitelist')),
      false,
    );
  });
  test('map type of a client never computed: mapping fails in v5.19 (UNKNOWN), computed in v6.0', () => {
    const f = standard();
    const old = new P2pdma(f, 'linux-5.19');
    old.addProvider('03:00.0');
    assert.equal(old.mapType('03:00.0', '04:00.0'), 'NOT_SUPPORTED');
    const now = new P2pdma(f, 'linux-6.0');
    now.addProvider('03:00.0');
    assert.equal(now.mapType('03:00.0', '04:00.0'), 'BUS_ADDR');
  });
  test('firstFlip names the change a later release brings for the pair', () => {
    const f = icelake();
    const flip = firstFlip(f, getRuleSet('linux-5.14'), f.resolve('01:00.0'), f.resolve('02:00.0'));
    assert.equal(flip?.ruleSet, 'linux-5.18');
    assert.equal(flip?.mapType, 'THRU_HOST_BRIDGE');
    assert.deepEqual(
      flip?.changes.map((e) => e.commit),
      ['feaea1fe8b36'],
    );
    assert.equal(
      firstFlip(f, getRuleSet('linux-6.1'), f.resolve('01:00.0'), f.resolve('02:00.0')),
      null,
    );
  });
});

describe("the machine's kernel release", () => {
  const cases: readonly [string, string, number | null, string | null][] = [
    ['5.14.0-427.el9.x86_64', '5.14', null, 'RHEL 9 family'],
    ['4.18.0-513.5.1.el8_9.x86_64', '4.18', null, 'RHEL 8 family'],
    ['5.15.0-200.131.27.el9uek.x86_64', '5.15', null, 'Oracle UEK'],
    ['5.15.0-91-generic', '5.15', null, 'Ubuntu'],
    ['6.8.0-45-generic', '6.8', null, 'Ubuntu'],
    ['5.14.21-150500.55.39-default', '5.14', null, 'SUSE'],
    ['6.1.0-18-amd64', '6.1', null, 'Debian'],
    ['6.5.6-300.fc39.x86_64', '6.5', null, 'Fedora 39'],
    ['6.1.102-108.177.amzn2023.x86_64', '6.1', null, 'Amazon Linux 2023'],
    ['6.1.192-p2poracle', '6.1', 192, null],
    ['6.12.3', '6.12', 3, null],
    ['6.13.0-rc4', '6.13', null, null],
    [
      'Linux version 6.1.192-p2poracle (root@vm) (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC',
      '6.1',
      192,
      null,
    ],
  ];
  for (const [raw, base, point, distro] of cases) {
    test(`${raw.slice(0, 40)} → v${base}${point === null ? '' : `.${point}`}${distro ? ` (${distro})` : ''}`, () => {
      const p = parseKernelRelease(raw);
      assert.ok(p);
      assert.equal(p.base.join('.'), base);
      assert.equal(p.point, point);
      assert.equal(p.distro, distro);
    });
  }
  test('unreadable release strings: null', () => {
    assert.equal(parseKernelRelease(''), null);
    assert.equal(parseKernelRelease('unknown'), null);
  });

  const machine = (kernelRelease: string | symbol) => ({
    ...standard().machine,
    kernelRelease: kernelRelease as string,
  });
  test('the rule-set line: from the machine, from --rules, or a stated default', () => {
    const rhel = chooseRules(machine('5.14.0-427.el9.x86_64'));
    assert.equal(rhel.rules.name, 'linux-5.14');
    assert.equal(rhel.source, 'machine');
    assert.equal(
      rhel.text,
      "rules linux-5.14 (from the machine's kernel 5.14.0-427.el9.x86_64, RHEL 9 family)",
    );
    assert.match(
      rhel.notes.join(' '),
      /distribution kernel \(RHEL 9 family\): answered with its mainline base v5\.14/,
    );
    const opt = chooseRules(machine('5.14.0-427.el9.x86_64'), 'linux-6.1');
    assert.equal(opt.rules.name, 'linux-6.1');
    assert.match(opt.text, /from --rules; the machine's kernel is 5\.14\.0-427\.el9/);
    const none = chooseRules(standard().machine);
    assert.equal(none.source, 'default');
    assert.equal(
      none.text,
      'rules linux-7.2 (default: the newest release; the input carries no kernel release)',
    );
    const stable = chooseRules(machine('6.6.48'));
    assert.equal(stable.rules.name, 'linux-6.6.48');
    const future = chooseRules(machine('7.9.1'));
    assert.match(future.notes.join(' '), /newer than the newest release/);
    const el8 = chooseRules(machine('4.18.0-513.el8.x86_64'));
    assert.equal(el8.rules.name, 'linux-4.20');
    assert.match(el8.notes.join(' '), /has no p2pdma; the distribution backported it/);
  });
  test('Ice Lake-SP on RHEL 9 (5.14): refused as 5.14 refuses, and the 5.18 change is named', () => {
    const f = icelake();
    const choice = chooseRules({ ...f.machine, kernelRelease: '5.14.0-427.el9.x86_64' });
    const v = new P2pdma(f, choice.rules).verdict('01:00.0', '02:00.0');
    assert.equal(v.mapType, 'NOT_SUPPORTED');
    const flip = firstFlip(f, choice.rules, f.resolve('01:00.0'), f.resolve('02:00.0'));
    assert.equal(
      flip?.changes[0]?.subject,
      'PCI/P2PDMA: Add Intel 3rd Gen Intel Xeon Scalable Processors to whitelist',
    );
  });
});

test('docs/p2pdma-history.md is the generated table of the history', () => {
  const doc = readFileSync(new URL('../../docs/p2pdma-history.md', import.meta.url), 'utf8');
  assert.equal(doc, historyMarkdown());
});
