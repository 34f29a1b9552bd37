/**
 * Anything `topo --spec` writes loads back: every bundled example and every shared fixture (sysfs
 * captures, snapshots, hwloc XML, lspci text) → fabricToSpec → YAML → loadSpec gives the same
 * functions and host bridges; so does the same document as JSON data (what `peerdma serve` hands
 * the page, loaded without a YAML parse).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { fabricToSpec, loadSpec, loadSpecValue, specToYaml } from '../ingest/spec/index.js';
import { listExamples } from './examples.js';
import { loadSource } from './load.js';

const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url).pathname;

function sources(): string[] {
  const out = listExamples().map((e) => `example:${e.name}`);
  const files = (dir: string, re: RegExp) =>
    readdirSync(join(FIXTURES, dir))
      .filter((f) => re.test(f))
      .map((f) => join(FIXTURES, dir, f));
  out.push(...files('sysfs', /\.tar\.gz$/), ...files('hwloc', /\.xml$/));
  for (const c of readdirSync(join(FIXTURES, 'kernel-oracle'))) {
    const d = join(FIXTURES, 'kernel-oracle', c);
    if (existsSync(join(d, 'sysfs.tar.gz'))) out.push(join(d, 'sysfs.tar.gz'));
    if (existsSync(join(d, 'lspci-tvnn.txt')))
      out.push(`${join(d, 'lspci-tvnn.txt')},${join(d, 'lspci-vvvnn.txt')}`);
  }
  return out;
}

describe('topo --spec round trip over every example and fixture', () => {
  assert.ok(existsSync(FIXTURES), `fixtures at ${FIXTURES} (../shared beside the checkout)`);
  for (const src of sources()) {
    it(src.replace(FIXTURES, ''), async () => {
      const { fabric } = await loadSource(src);
      const yaml = specToYaml(fabricToSpec(fabric));
      const loaded = loadSpec({ name: 'rt.yaml', text: yaml });
      const again = loaded.fabric;
      assert.deepStrictEqual(again.hostBridges, fabric.hostBridges);
      // Names are looked up from the ids (pci.ids), not facts a spec carries.
      const facts = fabric.functions.map(({ names: _, ...f }) => f);
      assert.deepStrictEqual(again.functions, facts);
      const served = loadSpecValue('rt.json', JSON.parse(JSON.stringify(fabricToSpec(fabric))));
      assert.deepStrictEqual(served.fabric.hostBridges, fabric.hostBridges);
      assert.deepStrictEqual(served.fabric.functions, facts);
      assert.deepStrictEqual(served.fabric.machine, again.machine);
      assert.deepStrictEqual(
        served.warnings.map((w) => w.message),
        loaded.warnings.map((w) => w.message),
      );
    });
  }
});

describe('a spec as plain data (peerdma serve)', () => {
  it('is checked by the same schema; an error names the file and the field', () => {
    const doc = fabricToSpec(loadSpec({ name: 'x.yaml', text: 'peerdma: 1\n' }).fabric);
    assert.doesNotThrow(() => loadSpecValue('ok.json', doc));
    assert.throws(
      () => loadSpecValue('bad.json', { ...doc, iommu: { enabled: 'maybe' } }),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_SCHEMA' &&
        /^bad\.json: iommu\.enabled: /.test(e.toLine()),
    );
  });
});
