import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PeerdmaError } from '../errors/index.js';
import { fabricToSpec, loadSpec, specToYaml } from '../ingest/spec/index.js';
import { machineIommuMode } from '../iommu/machine-mode.js';
import { readExample } from '../node/examples.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { switchSpec } from '../server/testing/machines.js';
import { decodeState, encodeState, type PageState, VIEWS } from './state.js';
import { applyEdits, canAddAcs, NO_EDITS, redirectOn, slotsOf } from './whatif.js';

const load = (name: string) =>
  loadSpec({ name: `example:${name}`, text: readExample(name).text }).fabric;
const mapType = (f: ReturnType<typeof load>, a: string, b: string, rules?: string) =>
  new P2pdma(f, rules).verdict(f.resolve(a), f.resolve(b)).mapType;

describe('what-if edits', () => {
  const base = load('default');
  const dps = base.functions.filter((f) => f.kind === 'switch-downstream');

  it('turning ACS redirect off on every switch port equals example:default-acs-off', () => {
    const acs = Object.fromEntries(dps.map((f) => [f.bdf, false]));
    const edited = applyEdits(base, { ...NO_EDITS, acs });
    const off = load('default-acs-off');
    assert.equal(mapType(base, 'accel0', 'nic0'), 'THRU_HOST_BRIDGE');
    assert.equal(mapType(edited, 'accel0', 'nic0'), 'BUS_ADDR');
    for (const f of edited.functions) assert.deepEqual(f.acs, off.require(f.bdf).acs, f.bdf);
    assert.ok(dps.every((f) => redirectOn(edited.require(f.bdf)) === false));
  });

  it('turning it back on restores the base verdicts; the base fabric is untouched', () => {
    const off = load('default-acs-off');
    const dp = off.functions.filter((f) => f.kind === 'switch-downstream');
    const on = applyEdits(off, {
      ...NO_EDITS,
      acs: Object.fromEntries(dp.map((f) => [f.bdf, true])),
    });
    for (const f of on.functions) assert.deepEqual(f.acs, base.require(f.bdf).acs, f.bdf);
    assert.equal(mapType(off, 'accel0', 'nic0'), 'BUS_ADDR');
  });

  it('moving a NIC under another switch changes its route and keeps the tree valid', () => {
    const off = load('default-acs-off');
    const nic = off.resolve('nic0');
    const slot = off.resolve('sw1-dp2'); // nic1's port
    const moved = applyEdits(off, { ...NO_EDITS, moves: [{ device: nic.bdf, to: slot.bdf }] });
    const now = moved.resolve('nic0');
    assert.notEqual(now.bdf, nic.bdf);
    assert.equal(now.parent, slot.bdf);
    assert.equal(now.addr.bus, slot.buses!.secondary);
    assert.equal(mapType(off, 'accel2', 'nic0'), 'THRU_HOST_BRIDGE');
    assert.equal(mapType(moved, 'accel2', 'nic0'), 'BUS_ADDR');
    // The edited machine writes out as a spec that loads back to the same verdicts.
    const again = loadSpec({ name: 'rt', text: specToYaml(fabricToSpec(moved)) }).fabric;
    assert.equal(mapType(again, 'accel2', 'nic0'), 'BUS_ADDR');
    assert.equal(again.resolve('nic0').bdf, now.bdf);
  });

  it('refuses to move a bridge or into a non-slot', () => {
    const bad = (device: string, to: string) =>
      assert.throws(
        () => applyEdits(base, { ...NO_EDITS, moves: [{ device, to }] }),
        (e: unknown) => e instanceof PeerdmaError && e.code === 'E_UNSUPPORTED',
      );
    bad(base.resolve('sw0').bdf, base.resolve('sw1-dp0').bdf);
    bad(base.resolve('accel0').bdf, base.resolve('accel1').bdf);
    assert.ok(slotsOf(base).length >= 12);
  });

  it('sets the IOMMU mode the map-cost and demo read', () => {
    for (const mode of ['none', 'passthrough', 'strict', 'lazy'] as const) {
      const f = applyEdits(base, { ...NO_EDITS, iommu: mode });
      assert.equal(machineIommuMode(f).mode, mode);
    }
  });
});

describe('URL state', () => {
  it('round-trips', () => {
    const bdf = fc.stringMatching(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
    const state: fc.Arbitrary<PageState> = fc.record({
      source: fc.oneof(fc.constant('server'), fc.constant('example:default'), fc.string()),
      view: fc.constantFrom(...VIEWS),
      rules: fc.option(fc.constantFrom('linux-6.1', 'linux-5.4')),
      cmdline: fc.string(),
      edits: fc.record({
        acs: fc.dictionary(bdf, fc.boolean()),
        moves: fc.array(fc.record({ device: bdf, to: bdf }), { maxLength: 3 }),
        iommu: fc.option(fc.constantFrom('none', 'passthrough', 'strict', 'lazy')),
      }),
      pair: fc.option(fc.tuple(bdf, bdf)),
      size: fc.constantFrom('64GiB', '1TiB'),
      search: fc.string(),
    });
    fc.assert(
      fc.property(state, (s) => {
        const plain = (x: PageState) => JSON.parse(JSON.stringify(x)) as unknown;
        assert.deepEqual(plain(decodeState(encodeState(s))), plain(s));
      }),
    );
  });
  it('drops malformed keys', () => {
    const s = decodeState('#src=x&view=nope&acs=<script>~1&pair=a&iommu=weird');
    assert.equal(s.view, 'tree');
    assert.deepEqual(s.edits.acs, {});
    assert.equal(s.pair, null);
    assert.equal(s.edits.iommu, null);
  });
});

describe('what-if: add an ACS capability to a port that lacks one', () => {
  const bare = loadSpec({ name: 'bare', text: switchSpec('') }).fabric;
  const dps = bare.functions.filter((f) => f.kind === 'switch-downstream');
  const gpus = bare.functions.filter((f) => f.kind === 'endpoint');

  it('only root and downstream ports without ACS can get one', () => {
    assert.equal(dps.length, 2);
    assert.ok(dps.every(canAddAcs));
    assert.ok(gpus.every((f) => !canAddAcs(f)));
  });

  for (const on of [true, false]) {
    it(`added with redirect ${on ? 'on' : 'off'}: the same port as the spec's acsRedirect: ${on}, the same verdict`, () => {
      const want = loadSpec({ name: 'spec', text: switchSpec(`acsRedirect: ${on},`) }).fabric;
      const acs = Object.fromEntries(dps.map((f) => [f.bdf, on]));
      const edited = applyEdits(bare, { ...NO_EDITS, acs });
      for (const f of edited.functions) assert.deepEqual(f.acs, want.require(f.bdf).acs, f.bdf);
      const [a, b] = [gpus[0]!.bdf, gpus[1]!.bdf];
      assert.equal(mapType(edited, a, b), mapType(want, a, b));
      assert.equal(mapType(edited, a, b), on ? 'THRU_HOST_BRIDGE' : 'BUS_ADDR');
      assert.equal(mapType(bare, a, b), 'BUS_ADDR');
    });
  }

  it('the URL state carries it like any ACS edit, and a bridge that is no port still refuses', () => {
    const s = decodeState(
      encodeState({ ...decodeState(''), edits: { ...NO_EDITS, acs: { [dps[0]!.bdf]: true } } }),
    );
    assert.equal(redirectOn(applyEdits(bare, s.edits).require(dps[0]!.bdf)), true);
    const sw = bare.functions.find((f) => f.kind === 'switch-upstream')!;
    assert.throws(() => applyEdits(bare, { ...NO_EDITS, acs: { [sw.bdf]: true } }), {
      code: 'E_UNSUPPORTED',
    });
  });
});
