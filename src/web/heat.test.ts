import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadSpec } from '../ingest/spec/index.js';
import { listExampleNames, readExample } from '../node/examples.js';
import { localityClass } from '../p2pdma/locality.js';
import { wideSpec } from '../server/testing/machines.js';
import {
  cellAt,
  cellCentre,
  gridValue,
  heatLayout,
  LABEL_PX,
  labelled,
  MT_COLORS,
  metricGrid,
  paintRgba,
  parseColour,
} from './heat.js';
import { bandwidthOf, cells, judge } from './judge.js';
import { NO_EDITS } from './whatif.js';

const inputs = { rules: null, cmdline: '', edits: NO_EDITS };
const j = judge(loadSpec({ name: 'default', text: readExample('default').text }).fabric, inputs);

describe('metric grids', () => {
  it('hold the same value as the cell records, for every metric', () => {
    const bw = bandwidthOf(j);
    const cs = cells(j, bw);
    const n = j.matrix.devices.length;
    const want = {
      maptype: (k: number) => cs[k]!.mapType,
      class: (k: number) => cs[k]!.locality,
      distance: (k: number) => cs[k]!.distance,
      bandwidth: (k: number) => cs[k]!.GBps,
    };
    for (const show of ['maptype', 'class', 'distance', 'bandwidth'] as const) {
      const g = metricGrid(j, show, bw);
      assert.equal(g.n, n);
      for (let k = 0; k < n * n; k++) {
        const v = gridValue(g, k);
        const w = want[show](k);
        if (typeof v === 'number' && typeof w === 'number') assert.ok(Math.abs(v - w) < 1e-9);
        else assert.equal(v, w, `${show} ${k}`);
      }
    }
  });

  it('map types keep the legend order; other categories are sorted; numbers carry their extent', () => {
    assert.deepEqual(metricGrid(j, 'maptype').domain, [...MT_COLORS.keys()]);
    const cls = metricGrid(j, 'class');
    assert.equal(cls.kind, 'ordinal');
    if (cls.kind === 'ordinal') assert.deepEqual(cls.domain, [...cls.domain].sort());
    const d = metricGrid(j, 'distance');
    assert.equal(d.kind, 'continuous');
    if (d.kind === 'continuous') {
      const vals = [...d.values];
      assert.deepEqual(d.domain, [Math.min(...vals), Math.max(...vals)]);
    }
    assert.throws(() => metricGrid(j, 'bandwidth'), /needs the bandwidth matrices/);
  });

  it('locality classes asked once per pair of parent bridges equal asking every pair', () => {
    const machines = [
      ...listExampleNames().map((n) => loadSpec({ name: n, text: readExample(n).text }).fabric),
      loadSpec({
        name: 'wide',
        text: wideSpec({ hostBridges: 2, rootPorts: 2, downstreamPorts: 3, functions: 4 }),
      }).fabric,
    ];
    for (const fabric of machines) {
      const jj = judge(fabric, inputs);
      const g = metricGrid(jj, 'class');
      const devs = jj.matrix.devices;
      for (let a = 0; a < devs.length; a++)
        for (let b = 0; b < devs.length; b++)
          assert.equal(
            gridValue(g, a * devs.length + b),
            localityClass(fabric, devs[a]!, devs[b]!),
            `${fabric.machine.name} ${devs[a]!.bdf} ${devs[b]!.bdf}`,
          );
    }
  });

  it('a 1,024-endpoint machine is a million cells in typed arrays', () => {
    const big = judge(loadSpec({ name: 'wide', text: wideSpec() }).fabric, inputs);
    const g = metricGrid(big, 'maptype');
    assert.equal(g.n, 1024);
    assert.ok(g.kind === 'ordinal' && g.index.length === 1024 * 1024);
  });
});

describe('canvas layout and hit-testing', () => {
  it('a cell centre hits that cell; points outside the cells hit nothing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2048 }),
        fc.nat(),
        fc.nat(),
        fc.double({ min: -0.49, max: 0.49, noNaN: true }),
        (n, r0, c0, jitter) => {
          const l = heatLayout(n);
          const [r, c] = [r0 % n, c0 % n];
          const [x, y] = cellCentre(l, r, c);
          assert.deepEqual(cellAt(l, x + jitter * l.cell, y - jitter * l.cell), [r, c]);
          assert.equal(cellAt(l, l.left - 0.5, y), null);
          assert.equal(cellAt(l, x, l.top - 0.5), null);
          assert.equal(cellAt(l, l.left + n * l.cell, y), null);
          assert.equal(cellAt(l, x, l.top + n * l.cell + 0.1), null);
        },
      ),
    );
  });

  it('cells shrink to one pixel at 1,024 endpoints; labels stay LABEL_PX apart', () => {
    assert.equal(heatLayout(65).cell, 14);
    assert.equal(heatLayout(1024).cell, 1);
    assert.equal(heatLayout(4096).cell, 1);
    for (const n of [65, 128, 300, 1024]) {
      const l = heatLayout(n);
      const at = labelled(l);
      assert.equal(at[0], 0);
      for (let k = 1; k < at.length; k++) assert.ok((at[k]! - at[k - 1]!) * l.cell >= LABEL_PX);
      // …and no closer than needed: one step less would overlap.
      if (l.labelStep > 1) assert.ok((l.labelStep - 1) * l.cell < LABEL_PX);
    }
  });
});

describe('painting', () => {
  it('asks the colour of each distinct value once and leaves empty cells transparent', () => {
    const bw = bandwidthOf(j);
    const g = metricGrid(j, 'bandwidth', bw);
    const asked: (string | number)[] = [];
    const px = paintRgba(g, (v) => {
      asked.push(v);
      return [1, 2, 3, 255];
    });
    assert.equal(new Set(asked).size, asked.length);
    const n = g.n;
    assert.equal(px.length, n * n * 4);
    for (let i = 0; i < n; i++) {
      assert.equal(px[(i * n + i) * 4 + 3], 0, 'the diagonal has no figure');
      if (n > 1)
        assert.deepEqual(
          [...px.subarray((i * n + ((i + 1) % n)) * 4, (i * n + ((i + 1) % n)) * 4 + 4)],
          [1, 2, 3, 255],
        );
    }
  });

  it('reads the colours Plot schemes give', () => {
    assert.deepEqual(parseColour('#1a9850'), [0x1a, 0x98, 0x50, 255]);
    assert.deepEqual(parseColour('#fff'), [255, 255, 255, 255]);
    assert.deepEqual(parseColour('rgb(8, 48, 107)'), [8, 48, 107, 255]);
    assert.deepEqual(parseColour('rgba(8, 48, 107, 0.5)'), [8, 48, 107, 128]);
    assert.equal(parseColour('steelblue'), null);
  });
});
