import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { loadCompiledSpec } from '../ingest/spec/compiled.js';
import { fabricToSpec, loadSpec, specToYaml } from '../ingest/spec/index.js';
import { categoryOf } from '../pci/classes.js';
import { ACS, isKnown, type PciFunction } from '../pci/types.js';
import { writeCompiledExamples } from './compile-examples.js';
import {
  DEFAULT_EXAMPLE,
  listExampleNames,
  listExamples,
  readCompiledExample,
  readExample,
} from './examples.js';

const load = (name: string) => loadSpec({ name: `example:${name}`, text: readExample(name).text });
const count = (fs: readonly PciFunction[], cat: string) =>
  fs.filter((f) => f.physfn === null && categoryOf(f) === cat).length;
const redirect = (f: PciFunction) => f.acs.state === 'present' && (f.acs.ctrl & ACS.RR) !== 0;

describe('bundled examples', () => {
  const list = listExamples();

  it('lists default first, with unique names, titles and descriptions', () => {
    assert.equal(list[0]?.name, DEFAULT_EXAMPLE);
    assert.equal(new Set(list.map((e) => e.name)).size, list.length);
    for (const name of ['default', 'default-acs-off', 'amd-epyc-gpus', 'workstation'])
      assert.ok(
        list.some((e) => e.name === name),
        name,
      );
    for (const e of list) {
      assert.ok(e.title.length > 10, e.name);
      assert.match(e.description, /Demonstrates/, e.name);
    }
  });

  for (const e of listExamples()) {
    it(`example:${e.name} loads without warnings and round-trips`, () => {
      const { fabric, warnings } = load(e.name);
      assert.deepEqual(warnings, []);
      assert.equal(fabric.machine.name, e.name);
      const again = loadSpec({ name: 'rt', text: specToYaml(fabricToSpec(fabric)) }).fabric;
      assert.deepStrictEqual(again.functions, fabric.functions);
      for (const hb of fabric.hostBridges)
        assert.ok(fabric.hostBridgeDevice(hb.id), `${e.name} ${hb.id} has a host-bridge device`);
    });
  }

  it('default: 2-socket Ice Lake-SP, 8 Gaudi2 + 4 ConnectX behind 4 switches with ACS redirect', () => {
    const { fabric } = load('default');
    const fs = fabric.functions;
    assert.equal(fabric.machine.cpu.vendor, 'GenuineIntel');
    assert.equal(fabric.machine.sockets, 2);
    assert.equal(fabric.machine.iommu.enabled, true);
    assert.equal(count(fs, 'accel'), 8);
    assert.equal(count(fs, 'nic'), 4);
    assert.equal(count(fs, 'nvme'), 1);
    assert.equal(fs.filter((f) => f.kind === 'switch-upstream').length, 4);
    const accels = fs.filter((f) => categoryOf(f) === 'accel');
    for (const a of accels) {
      assert.equal(a.vendor, 0x1da3);
      assert.equal(a.device, 0x1020);
      assert.equal(a.deviceMemory, 96n << 30n);
      assert.ok(a.bars.some((b) => b.is64 && b.prefetchable && b.size >= 96n << 30n));
    }
    for (const hb of fabric.hostBridges)
      assert.equal(fabric.hostBridgeDevice(hb.id)?.device, 0x09a2);
    const dsps = fs.filter((f) => f.kind === 'switch-downstream');
    assert.equal(dsps.length, 12);
    assert.ok(dsps.every(redirect));
    // two accelerators and one NIC per switch, two switches per socket
    for (const usp of fs.filter((f) => f.kind === 'switch-upstream')) {
      const below = fabric.children(usp.bdf).flatMap((p) => fabric.children(p.bdf));
      assert.deepEqual(below.map(categoryOf).sort(), ['accel', 'accel', 'nic']);
    }
    const sockets = fabric.hostBridges
      .filter((h) =>
        fabric.functions.some((f) => f.kind === 'switch-upstream' && f.hostBridge === h.id),
      )
      .map((h) => h.socket);
    assert.deepEqual(sockets, [0, 0, 1, 1]);
  });

  it('default-acs-off: same machine, no redirect on the switch downstream ports', () => {
    const on = load('default').fabric;
    const off = load('default-acs-off').fabric;
    assert.deepEqual(
      off.functions.map((f) => f.bdf),
      on.functions.map((f) => f.bdf),
    );
    const dsps = off.functions.filter((f) => f.kind === 'switch-downstream');
    assert.equal(dsps.length, 12);
    assert.ok(dsps.every((f) => f.acs.state === 'present' && !redirect(f)));
    assert.ok(off.functions.filter((f) => f.kind === 'root-port').every(redirect));
  });

  it('amd-epyc-gpus: AMD Zen 4, 4 GPUs and 4 NVMe each on a root port', () => {
    const { fabric } = load('amd-epyc-gpus');
    assert.equal(fabric.machine.cpu.vendor, 'AuthenticAMD');
    assert.equal(fabric.machine.cpu.family, 0x19);
    assert.equal(count(fabric.functions, 'gpu'), 4);
    assert.equal(count(fabric.functions, 'nvme'), 4);
    for (const f of fabric.functions.filter((x) => x.kind === 'endpoint'))
      assert.equal(fabric.upstreamBridge(f)?.kind, 'root-port');
    for (const hb of fabric.hostBridges)
      assert.equal(fabric.hostBridgeDevice(hb.id)?.vendor, 0x1022);
  });

  it('workstation: Intel desktop host bridge 8086:4660, GPU on the CPU, NVMe on the PCH, IOMMU off', () => {
    const { fabric } = load('workstation');
    assert.equal(fabric.hostBridges.length, 1);
    assert.equal(fabric.hostBridgeDevice('pci0000:00')?.device, 0x4660);
    assert.equal(fabric.machine.iommu.enabled, false);
    assert.equal(fabric.resolve('gpu0').iommuGroup, null);
    assert.deepEqual(
      fabric.siblings(fabric.resolve('gpu0')).map((f) => f.name),
      ['gpu0-audio'],
    );
    assert.equal(fabric.upstreamBridge(fabric.resolve('nvme0'))?.name, 'pch-rp');
    const gpu = fabric.resolve('gpu0');
    assert.ok(isKnown(gpu.classCode) && gpu.classCode >> 16 === 0x03);
  });

  it('unknown names fail with the list of examples', () => {
    assert.throws(
      () => readExample('nope'),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_NOT_FOUND' &&
        /available: default, /.test(e.message),
    );
    assert.throws(
      () => readExample('../package'),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_NOT_FOUND',
    );
  });
});

describe('compiled examples (the build-time fast path of check, matrix, …)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-compiled-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const files = writeCompiledExamples(dir);

  it('writes one file per example', () => {
    assert.deepEqual(
      files.map((f) => f.slice(dir.length + 1)),
      listExampleNames().map((n) => `${n}.json`),
    );
  });

  it('loading the compiled form gives the same machine and warnings as loading the YAML', () => {
    for (const name of listExampleNames()) {
      const ex = readExample(name);
      const compiled = readCompiledExample(ex, dir);
      assert.ok(compiled, name);
      const fast = loadCompiledSpec(compiled, `example:${name}`);
      const slow = load(name);
      assert.deepEqual(fast.warnings, slow.warnings, name);
      assert.deepEqual(fast.fabric, slow.fabric, name);
      // The builder's source locations were recorded with their lines (errors and warnings name them).
      const locs = Object.values(compiled.locations);
      assert.ok(locs.length > 0 && locs.every((l) => (l.line ?? 0) > 0), name);
    }
  });

  it('an edited example, a foreign or a missing file is not used (the YAML loads instead)', () => {
    const ex = readExample(DEFAULT_EXAMPLE);
    assert.equal(readCompiledExample({ ...ex, text: `${ex.text}\n# edited\n` }, dir), null);
    assert.equal(readCompiledExample({ ...ex, name: 'no-such-example' }, dir), null);
    writeFileSync(join(dir, 'foreign.json'), '{"compiledSpec": 99}');
    assert.equal(readCompiledExample({ ...ex, name: 'foreign' }, dir), null);
    writeFileSync(join(dir, 'broken.json'), '{');
    assert.equal(readCompiledExample({ ...ex, name: 'broken' }, dir), null);
  });
});
