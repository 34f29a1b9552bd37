import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PERF as CAL } from './calibration.js';
import { generationOf, linkPayloadGBps, rawGBps, wireGBps } from './link.js';

const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= Math.abs(want) * tol, `${what}: ${got} vs ${want}`);

test('raw x16 rates per direction match §3.1 "Raw x16 bandwidth after encoding, per direction"', () => {
  // Gen1 4.00, Gen2 8.00, Gen3 15.75, Gen4 31.51, Gen5 63.02
  const want: [number, number][] = [
    [2.5, 4],
    [5, 8],
    [8, 15.75],
    [16, 31.51],
    [32, 63.02],
  ];
  for (const [s, gbps] of want) near(rawGBps({ speedGTs: s, width: 16 }), gbps, 0.001, `${s} GT/s`);
  assert.equal(generationOf(16), 4);
  assert.equal(generationOf(3), null);
});

test('Gen6 FLIT: 256 B flits carrying 236 B of TLPs ≈ 118 GB/s x16 (§3.1 "Gen6 FLIT layout")', () => {
  near(wireGBps({ speedGTs: 64, width: 16 }, CAL), 118, 0.001, 'Gen6 x16 TLP layer');
});

test('large transfers land where §3.2 measured them (default MPS 128)', () => {
  // Gen3 x16: 15.754 × (1 − 0.02 − 0.0026) / (152/128) = 12.97 (measured D2H 12.89–13.17)
  near(linkPayloadGBps({ speedGTs: 8, width: 16 }, CAL, 128, 512, 'write'), 12.97, 0.002, 'Gen3');
  // Gen4 x16: 25.93 (measured D2H 26.25–27.11, H2D 23.9–26.38)
  near(linkPayloadGBps({ speedGTs: 16, width: 16 }, CAL, 128, 512, 'write'), 25.93, 0.002, 'Gen4');
  // Gen5 x16: 51.87 (measured D2H SM copy 52.77)
  near(linkPayloadGBps({ speedGTs: 32, width: 16 }, CAL, 128, 512, 'write'), 51.87, 0.002, 'Gen5');
});

test('bigger payloads and reads cost fewer wire bytes; narrower links scale linearly', () => {
  const l = { speedGTs: 16, width: 16 };
  const w128 = linkPayloadGBps(l, CAL, 128, 512, 'write');
  const w256 = linkPayloadGBps(l, CAL, 256, 512, 'write');
  const r256 = linkPayloadGBps(l, CAL, 256, 512, 'read');
  assert.ok(w128 < w256 && w256 < r256);
  near(linkPayloadGBps({ speedGTs: 16, width: 4 }, CAL, 256, 512, 'write'), w256 / 4, 1e-12, 'x4');
});
