import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../ingest/spec/index.js';
import { listExampleNames, readExample } from '../node/examples.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import { rateText } from '../report/bandwidth.js';
import {
  AtLeastCells,
  bandwidthOf,
  cells,
  judge,
  pairBandwidth,
  perfModelOf,
  rulesByVersion,
  rulesForStop,
  sliderStop,
  uniP2pRate,
} from './judge.js';
import { NO_EDITS } from './whatif.js';

const base = loadSpec({ name: 'example:default', text: readExample('default').text }).fabric;
const inputs = { rules: null, cmdline: '', edits: NO_EDITS };

describe('bandwidth metric of the heatmap', () => {
  const j = judge(base, inputs);
  const devs = j.matrix.devices;
  const idx = (name: string) => devs.findIndex((f) => f.name === name);
  const cellOf = (cs: ReturnType<typeof cells>, a: string, b: string) =>
    cs.find((c) => c.i === idx(a) && c.j === idx(b))!;

  it('every off-diagonal cell has a GB/s number; the diagonal has none', () => {
    const cs = cells(j, bandwidthOf(j));
    for (const c of cs) {
      if (c.i === c.j) assert.equal(c.GBps, null);
      else {
        assert.ok(c.GBps !== null && c.GBps > 0, `${c.provider}→${c.client}`);
        assert.match(c.GBpsText, /^(≥ )?\d+\.\d\d(–\d+\.\d\d)?$/);
        assert.equal(c.GBpsText.startsWith('≥ '), c.atLeast);
      }
    }
    // Without the bandwidth matrices the cells carry no number (the metric is computed on demand).
    assert.ok(cells(j).every((c) => c.GBps === null && c.GBpsText === ''));
  });

  it('the matrix cell agrees with the pair solve (the CLI `bandwidth --src --dst` record)', () => {
    const c = cellOf(cells(j, bandwidthOf(j)), 'accel0', 'nic0');
    const p = pairBandwidth(j, 'accel0', 'nic0');
    assert.ok(Math.abs(c.GBps! - p.p2p.rate.lo) < 0.01, `${c.GBps} vs ${p.p2p.rate.lo}`);
    assert.ok(p.bounce.rate.lo > 0);
    assert.notEqual(p.p2p.bottleneck, '');
  });

  it('is recomputed after what-if edits: ACS off lets accel0→nic0 through the switch', () => {
    const acs = Object.fromEntries(
      base.functions.filter((f) => f.kind === 'switch-downstream').map((f) => [f.bdf, false]),
    );
    const edited = judge(base, { ...inputs, edits: { ...NO_EDITS, acs } });
    const before = pairBandwidth(j, 'accel0', 'nic0');
    const after = pairBandwidth(edited, 'accel0', 'nic0');
    assert.equal(before.p2p.mapType, 'THRU_HOST_BRIDGE');
    assert.equal(after.p2p.mapType, 'BUS_ADDR');
    assert.notEqual(after.p2p.bottleneck, before.p2p.bottleneck);
    const c0 = cellOf(cells(j, bandwidthOf(j)), 'accel0', 'nic0');
    const c1 = cellOf(cells(edited, bandwidthOf(edited)), 'accel0', 'nic0');
    assert.ok(Math.abs(c1.GBps! - after.p2p.rate.lo) < 0.01);
    assert.notEqual(c1.GBpsText, c0.GBpsText);
  });
});

describe('lower-bound cells (≥)', () => {
  it('every cell says ≥ exactly when the pair panel (the pair solve) does, on every example', () => {
    let floors = 0;
    for (const name of listExampleNames()) {
      const fabric = loadSpec({ name, text: readExample(name).text }).fabric;
      // ACS off too: more pairs go peer to peer, fewer through the root complex.
      const acs = Object.fromEntries(
        fabric.functions.filter((f) => f.kind === 'switch-downstream').map((f) => [f.bdf, false]),
      );
      for (const edits of [NO_EDITS, { ...NO_EDITS, acs }]) {
        const jj = judge(fabric, { ...inputs, edits });
        const bw = bandwidthOf(jj);
        const model = perfModelOf(jj);
        const at = new AtLeastCells(jj, bw, model);
        const devs = jj.matrix.devices;
        const cs = cells(jj, bw);
        for (let a = 0; a < devs.length; a++) {
          for (let b = 0; b < devs.length; b++) {
            if (a === b) continue;
            const want = model.solve([{ src: devs[a]!, dst: devs[b]!, mode: 'p2p' }])[0]!.rate;
            const where = `${name} ${devs[a]!.bdf}→${devs[b]!.bdf}`;
            assert.equal(at.at(a, b), want.atLeast, where);
            // The cell's text is the panel's text, digit for digit (rateText rounds through
            // float32, the matrices' precision, so a .xx5 edge rounds the same way on both).
            const text = cs[a * devs.length + b]!.GBpsText;
            assert.equal(text.startsWith('≥ '), want.atLeast, where);
            const r = uniP2pRate(bw, a, b, at)!;
            assert.equal(r.atLeast, want.atLeast, where);
            assert.ok(Math.abs(r.lo - want.lo) < 0.006 && Math.abs(r.hi - want.hi) < 0.006, where);
            assert.equal(text, rateText(r), where);
            assert.equal(text, rateText(want), where);
            if (want.atLeast) floors++;
          }
        }
      }
    }
    // The examples do hold floors (the default machine's root complex), so the check bites.
    assert.ok(floors > 0);
  });
});

describe("the kernel slider follows the machine's kernel", () => {
  const ordered = rulesByVersion();
  const names = ordered.map((r) => r.name);
  const withKernel = (release: string | null) =>
    loadSpec({
      name: 'k.yaml',
      text: readExample('default').text.replace(
        /^kernel:\n {2}release: .*\n/m,
        release === null ? 'kernel:\n' : `kernel:\n  release: ${release}\n`,
      ),
    }).fabric;

  it('a mainline rule set sits on its own stop; a point release on its release; a newer name on the newest', () => {
    for (const [i, r] of ordered.entries()) assert.equal(sliderStop(r, ordered), i);
    assert.equal(names[sliderStop(getRuleSet('linux-6.1.0'))], 'linux-6.1');
    assert.equal(names[sliderStop(getRuleSet('linux-6.8.12'))], 'linux-6.8');
    assert.equal(sliderStop(getRuleSet('linux-99.0')), ordered.length - 1);
  });

  it("the page judges with the rules the machine's kernel picks, and its stop stores no choice", () => {
    // The default example runs 6.8.0-45-generic: judged as linux-6.8.0, not the newest release.
    const j = judge(base, inputs);
    assert.equal(j.env.rules.name, chooseRules(base.machine).rules.name);
    assert.notEqual(j.env.rules.name, ordered.at(-1)!.name);
    assert.equal(names[sliderStop(j.env.rules)], 'linux-6.8');
    assert.equal(rulesForStop(base, 'linux-6.8'), null);
    assert.equal(rulesForStop(base, ordered.at(-1)!.name), ordered.at(-1)!.name);
    assert.equal(rulesForStop(base, 'linux-4.20'), 'linux-4.20');
    // A machine whose kernel is not known is judged with the newest rules: that stop is the default.
    const unknown = withKernel(null);
    assert.equal(judge(unknown, inputs).env.rules.name, ordered.at(-1)!.name);
    assert.equal(rulesForStop(unknown, ordered.at(-1)!.name), null);
    assert.equal(rulesForStop(unknown, 'linux-6.8'), 'linux-6.8');
    // Before p2pdma (v4.20): the earliest rules, on the first stop.
    const old = withKernel('4.15.0-20-generic');
    assert.equal(names[sliderStop(judge(old, inputs).env.rules)], 'linux-4.20');
    assert.equal(rulesForStop(old, 'linux-4.20'), null);
  });
});
