/**
 * `pci=disable_acs_redir=` and `pci=config_acs=` as what-if inputs, parsed with the kernel's syntax
 * (pci_setup splits on ',', pci_dev_str_match, vsscanf) and applied to the captured ACS control
 * values; malformed input yields the kernel's own complaint and the rest still applies as the kernel
 * would.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelArgs } from './cmdline.js';
import { P2pdma } from './p2pdma.js';
import { standard } from './testing/build.js';

const redirected = () => standard({ dspAcs: 'redirect' });
const pair = (m: P2pdma) => m.verdict('03:00.0', '04:00.0');

describe('kernel command line tokenising', () => {
  test('spaces, double quotes, and "--" ending kernel parameters', () => {
    assert.deepEqual(
      kernelArgs('console=ttyS0 "pci=disable_acs_redir=0000:00:01.0" pci="noats" quiet -- pci=x'),
      [
        ['console', 'ttyS0'],
        ['pci', 'disable_acs_redir=0000:00:01.0'],
        ['pci', 'noats'],
        ['quiet', null],
      ],
    );
  });
});

describe('pci=disable_acs_redir= (linux-6.1 semantics: clear RR|CR|EC in place)', () => {
  test('the hint the kernel prints, applied, turns the pair into BUS_ADDR', () => {
    const before = pair(new P2pdma(redirected(), 'linux-6.1'));
    assert.equal(before.mapType, 'NOT_SUPPORTED');
    const hint = before.issues.find((i) => i.code === 'acs_redirect')!.hint!;
    assert.equal(hint, 'pci=disable_acs_redir=0000:02:00.0;0000:02:01.0');
    const after = new P2pdma(redirected(), 'linux-6.1', `quiet ${hint}`);
    assert.equal(pair(after).mapType, 'BUS_ADDR');
    assert.equal(pair(after).distance, 4);
    assert.deepEqual(after.env.overlay.bootLog, [
      'pci 0000:02:00.0: disabled ACS redirect',
      'pci 0000:02:01.0: disabled ACS redirect',
    ]);
  });

  test('path form [dom:]bus:dev.fn/dev.fn…: matched from the tail up through pci_upstream_bridge', () => {
    const m = new P2pdma(redirected(), 'linux-6.1', 'pci=disable_acs_redir=00:01.0/00.0/00.0');
    assert.deepEqual(m.env.overlay.bootLog, ['pci 0000:02:00.0: disabled ACS redirect']);
    assert.deepEqual(pair(m).acsBridges, ['0000:02:01.0']);
  });

  test('pci:vvvv:dddd form: ids unknown on the DSPs → the match (and so the verdict) is uncertain', () => {
    const v = pair(
      new P2pdma(
        standard({ dspAcs: 'redirect', hb: [0x8086, 0x2020] }),
        'linux-6.1',
        'pci=disable_acs_redir=pci:10b5:8747',
      ),
    );
    assert.equal(v.mapType, 'uncertain');
    if (v.mapType === 'uncertain') assert.equal(v.missing.fact, 'acs-cmdline-match');
  });

  test('pci:0:0 matches every device; devices without ACS get the kernel warning (≤ v6.10)', () => {
    const m = new P2pdma(redirected(), 'linux-6.1', 'pci=disable_acs_redir=pci:0:0');
    assert.ok(
      m.env.overlay.bootLog.includes(
        'pci 0000:03:00.0: cannot disable ACS redirect for this hardware as it does not have ACS capabilities',
      ),
    );
    assert.equal(pair(m).mapType, 'BUS_ADDR');
  });

  test('unparsable entry: the complaint once, entries before it still applied, entries after it not', () => {
    const param = '0000:02:00.0;junk;0000:02:01.0';
    const m = new P2pdma(redirected(), 'linux-6.1', `pci=disable_acs_redir=${param}`);
    assert.deepEqual(m.env.overlay.bootLog, [
      `PCI: Can't parse disable_acs_redir parameter: ${param}`,
      'pci 0000:02:00.0: disabled ACS redirect',
    ]);
    assert.deepEqual(pair(m).acsBridges, ['0000:02:01.0']);
  });

  test("',' ends the option: pci_setup splits the pci= value first", () => {
    const m = new P2pdma(
      redirected(),
      'linux-6.1',
      'pci=disable_acs_redir=0000:02:00.0,0000:02:01.0',
    );
    assert.deepEqual(m.env.overlay.bootLog, [
      "PCI: Unknown option `0000:02:01.0'",
      'pci 0000:02:00.0: disabled ACS redirect',
    ]);
  });

  test('pci=config_acs= does not exist in 6.1: unknown option, nothing applied', () => {
    const m = new P2pdma(redirected(), 'linux-6.1', 'pci=config_acs=000000@0000:02:00.0');
    assert.deepEqual(m.env.overlay.bootLog, [
      "PCI: Unknown option `config_acs=000000@0000:02:00.0'",
    ]);
    assert.deepEqual(pair(m).acsBridges, ['0000:02:00.0', '0000:02:01.0']);
  });
});

describe('linux-6.19 semantics: ctrl = (fw_ctrl & ~mask) | (flags & mask)', () => {
  test('disable_acs_redir parse complaint has the v6.11+ wording', () => {
    const m = new P2pdma(redirected(), 'linux-6.19', 'pci=disable_acs_redir=junk');
    assert.deepEqual(m.env.overlay.bootLog, ["PCI: Can't parse ACS command line parameter"]);
  });

  test('disable_acs_redir on a device without ACS is silent in v6.11+', () => {
    const m = new P2pdma(redirected(), 'linux-6.19', 'pci=disable_acs_redir=0000:03:00.0');
    assert.deepEqual(m.env.overlay.bootLog, []);
  });

  test('config_acs with every redirect bit in the mask is decided', () => {
    const m = new P2pdma(
      redirected(),
      'linux-6.19',
      'pci=config_acs=000000@0000:02:00.0;000000@0000:02:01.0',
    );
    assert.equal(pair(m).mapType, 'BUS_ADDR');
    // pci_info("Configured ACS to %#06x"): C's '#' adds no 0x to zero, so zero prints as 000000.
    assert.deepEqual(m.env.overlay.bootLog, [
      'pci 0000:02:00.0: Configured ACS to 000000',
      'pci 0000:02:01.0: Configured ACS to 000000',
    ]);
  });

  test('a non-zero value prints as %#06x does: 0x and four digits', () => {
    const m = new P2pdma(redirected(), 'linux-6.19', 'pci=config_acs=0000001@0000:02:00.0');
    assert.deepEqual(m.env.overlay.bootLog, ['pci 0000:02:00.0: Configured ACS to 0x0001']);
  });

  test('config_acs leaving RR/CR to firmware: IOMMU on → firmware value unknown → uncertain', () => {
    const v = pair(
      new P2pdma(redirected(), 'linux-6.19', 'pci=config_acs=1@0000:02:00.0;1@0000:02:01.0'),
    );
    assert.equal(v.mapType, 'uncertain');
    if (v.mapType === 'uncertain') assert.equal(v.missing.fact, 'acs-firmware-value');
  });

  test('config_acs leaving RR/CR to firmware: IOMMU off → firmware value is the captured one', () => {
    const f = standard({
      dspAcs: 'redirect',
      machine: { cpu: { vendor: 'GenuineIntel', family: 6 }, iommu: { enabled: false } },
    });
    const v = pair(new P2pdma(f, 'linux-6.19', 'pci=config_acs=1@0000:02:00.0;1@0000:02:01.0'));
    assert.equal(v.mapType, 'NOT_SUPPORTED');
  });

  test('config_acs complaints: bad flag characters, missing @, flags beyond bit 6', () => {
    const log = (p: string) =>
      new P2pdma(redirected(), 'linux-6.19', `pci=config_acs=${p}`).env.overlay.bootLog;
    assert.ok(log('12@0000:02:00.0').includes('pci 0000:02:00.0: Invalid ACS flags... Ignoring'));
    assert.ok(log('0000:02:00.0').includes('pci 0000:00:01.0: ACS Flags missing'));
    assert.ok(
      log('10000000@0000:02:00.0').includes('pci 0000:02:00.0: Invalid ACS flags specified'),
    );
  });
});
