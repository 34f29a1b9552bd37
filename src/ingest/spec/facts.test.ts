import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerdmaError } from '../../errors/index.js';
import { isKnown } from '../../pci/types.js';
import { fabricToSpec, loadSpec, specToYaml } from './index.js';
import { PARTITIONED_SPEC } from './testing/chip.js';

const load = (text: string) => loadSpec({ name: 'm.yaml', text }).fabric;
const fails = (text: string, field: string, re: RegExp) =>
  assert.throws(
    () => load(text),
    (e: unknown) =>
      e instanceof PeerdmaError &&
      e.code === 'E_SCHEMA' &&
      re.test(e.message) &&
      (e.location.field ?? '').endsWith(field),
  );

describe('spec facts for the bandwidth model', () => {
  const f = load(PARTITIONED_SPEC);

  it('every partition of a chip carries the chip id and its fabric, wherever it was stated', () => {
    assert.deepEqual(f.resolve('swA').switchChip, { id: 'pex', fabricGBps: 64 });
    assert.deepEqual(f.resolve('swB').switchChip, { id: 'pex', fabricGBps: 64 });
    assert.equal(f.resolve('dpA0').switchChip, undefined);
    // the kernel still sees two hierarchies
    assert.equal(f.commonUpstream(f.resolve('gpu0'), f.resolve('gpu2')), null);
  });

  it('reads a driver that refuses P2P and the DevCtl MPS/MRRS', () => {
    assert.equal(f.resolve('gpu1').driverP2p, 'refuses');
    assert.equal(f.resolve('gpu0').driverP2p, undefined);
    const p = f.resolve('gpu0').pcie;
    assert.ok(p !== null && isKnown(p));
    assert.equal(p.mps, 256);
    assert.equal(p.mrrs, 512);
    const rp = f.resolve('rp0').pcie;
    assert.ok(rp !== null && isKnown(rp));
    assert.equal(rp.mps, 512);
    assert.equal(rp.mrrs, undefined);
  });

  it('topo --spec writes the facts and loading them again gives the same fabric', () => {
    const text = specToYaml(fabricToSpec(f));
    assert.match(text, /chip: pex/);
    assert.match(text, /fabricGBps: 64/);
    assert.match(text, /p2p: refuses/);
    assert.match(text, /mrrs: 512/);
    const g = load(text);
    assert.deepStrictEqual(g.functions, f.functions);
    assert.equal(specToYaml(fabricToSpec(g)), text);
  });

  it('refuses facts in the wrong place, naming the field', () => {
    fails(
      PARTITIONED_SPEC.replace('class: gpu, driver: nvidia', 'class: gpu, chip: x, driver: nvidia'),
      'chip',
      /switch upstream port, not a endpoint/,
    );
    fails(
      PARTITIONED_SPEC.replace('chip: pex\n                fabricGBps', 'fabricGBps'),
      'fabricGBps',
      /needs chip/,
    );
    fails(
      PARTITIONED_SPEC.replace(
        'chip: pex\n                vendor',
        'chip: pex\n                fabricGBps: 32\n                vendor',
      ),
      'fabricGBps',
      /already has fabricGBps 64/,
    );
    fails(PARTITIONED_SPEC.replace('mps: 256', 'mps: 300'), 'mps', /./);
    fails(
      PARTITIONED_SPEC.replace('mps: 512\n', 'mps: 512\n            p2p: refuses\n'),
      'p2p',
      /endpoints/,
    );
  });
});
