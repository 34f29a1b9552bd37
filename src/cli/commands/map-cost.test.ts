/** `peerdma map-cost` end to end, in-process, on the default example machine. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../testing/run.js';

const run = async (args: string[]) => {
  const r = await runCli(['map-cost', ...args]);
  return { out: r.stdout, err: r.stderr, code: r.code };
};

test('table: accelerator → nearest NIC, the machine mode, both founding cases and a conclusion', async () => {
  const { out, code } = await run(['--size', '64GiB']);
  assert.equal(code, 0);
  assert.match(out, /provider accel0 \(0000:19:00\.0\) → client nic0 \(0000:1b:00\.0\)/);
  assert.match(out, /IOMMU: lazy \(machine: default domain DMA-FQ\)/);
  assert.match(out, /map-resource +65536 +32768 +0\/32768\/0 +32768 queued/);
  assert.match(out, /founding case: 4KiB in 4KiB chunks/);
  assert.match(out, /A dma_map_resource loop \(32768 calls for 32768 chunks\) makes 32768 IOVA/);
  assert.match(out, /32768 queued IOTLB invalidations \(128 flush-queue drains\)/);
  assert.match(out, /p2p-pages needs 1 GiB of struct pages/);
  // where no published number exists the output says so and shows the assumption
  assert.match(out, /^assumed \(no published number exists; override with --calibration\):$/m);
  assert.match(out, /^ {2}directCallNs = 20 ns per call: /m);
});

test('--calibration: an overridden assumption is no longer listed as assumed, and changes the costs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mapcost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cal = join(dir, 'cal.json');
  writeFileSync(cal, '{"schemaVersion": 1, "directCallNs": 40}');
  const base = JSON.parse((await run(['--json', '--iommu', 'none', '--size', '1GiB'])).out);
  const { out, code } = await run([
    '--json',
    '--iommu',
    'none',
    '--size',
    '1GiB',
    '--calibration',
    cal,
  ]);
  assert.equal(code, 0);
  const doc = JSON.parse(out);
  assert.deepEqual(doc.calibration.overridden, ['directCallNs']);
  const keys = doc.calibration.assumptions.map((a: { key: string }) => a.key);
  assert.ok(!keys.includes('directCallNs') && keys.includes('iovaAllocNs'));
  const cpu = (d: typeof doc) =>
    d.export.strategies.find((s: { strategy: string }) => s.strategy === 'map-resource').cpuNs;
  // 512 chunks on the direct path: 512 map + 512 unmap calls, 20 ns more each
  assert.equal(cpu(doc) - cpu(base), 1024 * 20);
});

test('--json: schemaVersion 1, strict mode, synchronous invalidations; --svg writes a chart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mapcost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const svg = join(dir, 'c.svg');
  const args = [
    '--json',
    '--iommu',
    'strict',
    '--chunk',
    'mixed:2MiB*90%,4KiB*10%',
    '--size',
    '1GiB',
  ];
  const { out, code } = await run([...args, '--svg', svg]);
  assert.equal(code, 0);
  const doc = JSON.parse(out);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.iommu.mode, 'strict');
  const mr = doc.export.strategies.find((s: { strategy: string }) => s.strategy === 'map-resource');
  // 460 × 2 MiB + 26 624 × 4 KiB chunks → one invalidation per dma_unmap_resource
  assert.equal(mr.unmap.counts.iotlbInvRange, 460 + 26624);
  assert.equal(doc.foundingCases.length, 2);
  const chart = readFileSync(svg, 'utf8');
  assert.match(chart, /^<svg /);
  assert.equal((chart.match(/<polyline/g) ?? []).length, 8); // 4 strategies × (CPU, memory)
  await run([...args, '--svg', `${svg}2`]);
  assert.equal(readFileSync(`${svg}2`, 'utf8'), chart, 'deterministic');
});

test('bad input exits 2 with one line naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mapcost-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cal = join(dir, 'cal.yaml');
  writeFileSync(cal, 'pteWriteNs: 3\nwat: 1\n');
  const a = await run(['--calibration', cal]);
  assert.equal(a.code, 2);
  assert.match(a.err, /cal\.yaml:2:1: wat: unknown calibration key/);
  const b = await run(['--chunk', '3MiB']);
  assert.equal(b.code, 2);
  assert.match(b.err, /--chunk: chunk size 3MiB must be a power of two/);
  const c = await run(['--iommu', 'maybe']);
  assert.equal(c.code, 2);
});
