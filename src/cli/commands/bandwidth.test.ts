/** `peerdma bandwidth` end to end, in-process. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../testing/run.js';

const run = (args: string[]) => runCli(['bandwidth', ...args]);

test('one pair: P2P and bounce with the limiting link; ACS redirect costs the same-switch pair its turnaround', async () => {
  const off = await run(['accel0', 'accel1', '--bidir', '--from', 'example:default-acs-off']);
  assert.equal(off.code, 0, off.stderr);
  assert.match(
    off.stdout,
    /P2P BUS_ADDR, via the switch +25\.93 GB\/s +limited by link accel0–sw0-dp0 \(Gen4 x16\) up/,
  );
  assert.match(off.stdout, /P2P +51\.87 GB\/s/);
  const on = await run(['accel0', 'accel1', '--bidir', '--json']);
  const doc = JSON.parse(on.stdout);
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.p2p.mapType, 'THRU_HOST_BRIDGE');
  assert.equal(doc.p2p.route, 'root-complex');
  const bidi = doc.bidir.p2p.reduce((t: number, f: { GBps: { hi: number } }) => t + f.GBps.hi, 0);
  // both directions share the switch uplink each way: at most one link's worth, half of ACS-off
  assert.ok(bidi <= 25.94, `ACS-on bidi ${bidi}`);
  assert.ok(doc.p2p.notes.some((n: { code: string }) => n.code === 'rc_unmeasured'));
});

test('flows and patterns: one rate per flow and its bottleneck; the fan-out collapse is flagged', async () => {
  const r = await run(['--flows', 'accel0>accel2,accel1>accel4,nic0>accel5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.kind, 'flows');
  assert.equal(doc.flows.length, 3);
  for (const f of doc.flows) assert.ok(f.GBps.lo > 0 && f.bottleneck.length > 0);
  assert.ok(doc.flows[0].notes.some((n: { code: string }) => n.code === 'rc_fanout_collapse'));
  const ring = await run([
    '--pattern',
    'ring',
    '--class',
    'accel',
    '--from',
    'example:default-acs-off',
  ]);
  assert.equal(ring.code, 0, ring.stderr);
  assert.match(ring.stdout, /8 concurrent flows/);
});

test('matrices like p2pBandwidthLatencyTest, and an SVG heatmap', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bw-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const svg = join(tmp, 'bw.svg');
  const r = await run(['--class', 'accel', '--svg', svg, '--from', 'example:default-acs-off']);
  assert.equal(r.code, 0, r.stderr);
  for (const t of [
    'Unidirectional P2P=Disabled Bandwidth Matrix (GB/s)',
    'Unidirectional P2P=Enabled Bandwidth Matrix (GB/s)',
    'Bidirectional P2P=Disabled Bandwidth Matrix (GB/s)',
    'Bidirectional P2P=Enabled Bandwidth Matrix (GB/s)',
    'P2P=Enabled Latency (P2P Writes) Matrix (us, fabric only)',
  ])
    assert.ok(r.stdout.includes(t), t);
  assert.match(readFileSync(svg, 'utf8'), /^<svg [^>]*>/);
});

test('--op read: the matrices for DMA reads agree with the pair run, cell by cell', async () => {
  const from = ['--from', 'example:default-acs-off', '--class', 'accel'];
  const r = await run(['--op', 'read', '--json', ...from]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.op, 'read');
  const names: string[] = doc.devices.map((d: { name: string }) => d.name);
  const [i, j] = [names.indexOf('accel0'), names.indexOf('accel1')];
  const pair = JSON.parse(
    (await run(['accel0', 'accel1', '--op', 'read', '--json', ...from])).stdout,
  );
  assert.equal(pair.p2p.route, 'switch');
  assert.equal(doc.unidirectional.p2pEnabled.lo[i][j], pair.p2p.GBps.lo);
  assert.equal(doc.unidirectional.p2pDisabled.lo[i][j], pair.bounce.GBps.lo);
  assert.equal(doc.latencyNs.p2pEnabled[i][j], pair.p2p.latencyNs);
  const text = await run(['--op', 'read', ...from]);
  assert.match(text.stdout, /DMA reads, large transfers/);
  assert.ok(text.stdout.includes('P2P=Enabled Latency (P2P Reads) Matrix (us, fabric only)'));
});

test('bad input: one line, exit 2', async () => {
  for (const [args, re] of [
    [
      ['--flows', 'accel0>nosuch'],
      /^peerdma: --flows: entry 1: no PCI function or device named 'nosuch'.*\[E_NOT_FOUND\]\n$/,
    ],
    [
      ['--flows', 'accel0>accel1,,accel2>accel3'],
      /^peerdma: --flows: entry 2 '' is not SRC>DST.*\[E_USAGE\]\n$/,
    ],
    [['--flows', 'accel0 accel1'], /^peerdma: --flows: entry 1 'accel0 accel1' is not SRC>DST/],
    [
      ['--pattern', 'ring', '--class', 'storage'],
      /needs at least 2 eligible devices, found 0.*\[E_USAGE\]\n$/,
    ],
    [['--pattern', 'star'], /unknown --pattern 'star'.*\[E_USAGE\]\n$/],
    [['accel0'], /give both SRC and DST.*\[E_USAGE\]\n$/],
  ] as const) {
    const r = await run([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
});
