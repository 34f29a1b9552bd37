import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLogChart, svgDocument } from './svg.js';

const chart = () =>
  logLogChart({
    title: 'cost',
    xLabel: 'export size',
    yLabel: 'ns',
    series: [
      {
        name: 'a<b',
        points: [
          [10, 100],
          [1000, 10000],
        ],
      },
      {
        name: 'b',
        points: [
          [10, 0],
          [100, 50],
        ],
      },
    ],
  });

test('log-log chart: decade ticks, one polyline per drawable series, escaped legend', () => {
  const g = chart();
  // x spans 1e1..1e3 (3 ticks), y spans 1e1..1e4 (4 ticks)
  assert.equal((g.match(/text-anchor="middle">1e/g) ?? []).length, 3);
  assert.equal((g.match(/text-anchor="end">1e/g) ?? []).length, 4);
  assert.equal((g.match(/<polyline/g) ?? []).length, 1); // series b has one positive point only
  assert.ok(g.includes('a&lt;b'));
  // the first point of series a sits at the left edge of the plot area (x = 70)
  assert.ok(g.includes('points="70.0,'));
});

test('documents are deterministic', () => {
  assert.equal(svgDocument([chart()]), svgDocument([chart()]));
  assert.ok(svgDocument([chart(), chart()]).includes('height="800"'));
});

test('explicit y ticks, crossover marks and one dash pattern per series', () => {
  const g = logLogChart({
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    series: [
      {
        name: 's1',
        points: [
          [1, 2],
          [8, 64],
        ],
      },
      {
        name: 's2',
        points: [
          [1, 4],
          [8, 32],
        ],
      },
    ],
    yTicks: [1, 32, 1024],
    yTick: (v) => `${v}B`,
    marks: [{ x: 4, label: 'cross' }],
  });
  for (const l of ['1B', '32B', '1024B']) assert.ok(g.includes(`text-anchor="end">${l}<`), l);
  assert.ok(!g.includes('end">1e'), 'no default decade labels when ticks are given');
  assert.match(g, /stroke-dasharray="3 3"\/>\n<text [^>]*>cross<\/text>/);
  const dashes = [...g.matchAll(/<polyline[^>]*?( stroke-dasharray="([^"]+)")? points/g)].map(
    (m) => m[2] ?? 'solid',
  );
  assert.deepEqual(dashes, ['solid', '7 4']);
});
