/** `peerdma check` and `peerdma matrix` in-process on kernel-oracle fixtures. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../testing/run.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIX = join(HERE, '../../../../shared/fixtures/kernel-oracle');
const skip = existsSync(FIX) ? false : `fixtures not found at ${FIX}`;
const A = join(FIX, 'a-same-switch', 'sysfs.tar.gz');

async function run(args: string[]): Promise<{ out: string; err: string; code: number | null }> {
  const r = await runCli(args);
  return { out: r.stdout, err: r.stderr, code: r.code };
}

test('check: verdict, route, reasons, the fix and the kernel log', { skip }, async () => {
  const { out, code } = await run([
    'check',
    '--from',
    join(FIX, 'c-iommu', 'sysfs.tar.gz'),
    '06:00.0',
    '06:00.1',
    '--rules',
    'linux-6.1',
  ]);
  assert.equal(code, 0);
  assert.match(out, /verdict: {2}NOT_SUPPORTED, distance -1/);
  assert.match(out, /0000:00:06\.0 {2}root-port {2}◀ common upstream; ACS redirect on \(RR CR\)\n/);
  assert.match(out, /no route: the kernel refuses peer-to-peer DMA/);
  assert.match(out, /add the kernel parameter: pci=disable_acs_redir=0000:00:06\.0/);
  assert.match(out, /pci 0000:00:00\.0: Host bridge not in P2PDMA whitelist: 8086:29c0/);
});

test('check --json: schemaVersion 1 verdict record', { skip }, async () => {
  const { out } = await run([
    'check',
    '--from',
    A,
    '03:00.0',
    '04:00.0',
    '--rules',
    'linux-6.1',
    '--json',
  ]);
  const doc = JSON.parse(out);
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.mapType, 'BUS_ADDR');
  assert.equal(doc.distance, 4);
  assert.equal(doc.ruleSet, 'linux-6.1');
  assert.equal(doc.class, 'PIX');
});

test('check: unknown device → E_NOT_FOUND with closest matches; unknown rule set → E_NOT_FOUND naming the releases', {
  skip,
}, async () => {
  const a = await run(['check', '--from', A, '03:00.0', '99:00.0']);
  assert.equal(a.code, 2);
  assert.match(a.err, /no PCI function or device named '99:00\.0'; closest: /);
  const b = await run(['check', '--from', A, '03:00.0', '04:00.0', '--rules', 'linux-9']);
  assert.equal(b.code, 2);
  assert.match(b.err, /unknown rule set 'linux-9': .*linux-4\.20 … linux-\d+\.\d+/);
});

test('matrix: nvidia-smi style layout with legend; --json compact, --json --pairs every pair in full', {
  skip,
}, async () => {
  const src = join(FIX, 'i-switch-multifunction-sriov', 'sysfs.tar.gz');
  const { out } = await run(['matrix', '--from', src, '--rules', 'linux-6.1']);
  // Columns headed by the device names, as nvidia-smi does, and a NUMA column.
  assert.match(out, /^ +03:00\.0 +03:00\.1 .* NUMA\n03:00\.0 +X +BUS/);
  assert.match(out, /Legend:/);
  const doc = JSON.parse(
    (await run(['matrix', '--from', src, '--rules', 'linux-6.1', '--json'])).out,
  );
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.stats.pairs, doc.devices.length ** 2);
  assert.equal(doc.mapType.join('').length, doc.devices.length ** 2);
  const full = JSON.parse(
    (await run(['matrix', '--from', src, '--rules', 'linux-6.1', '--json', '--pairs'])).out,
  );
  assert.equal(full.schemaVersion, 1);
  assert.equal(full.pairs.length, doc.devices.length ** 2);
  // The same map type in both layouts, pair by pair.
  const n = doc.devices.length;
  for (const [k, p] of full.pairs.entries())
    assert.equal(p.mapType, doc.mapTypes[Number(doc.mapType[Math.floor(k / n)][k % n])]);
  const bad = await run(['matrix', '--from', src, '--show', 'colour']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown --show 'colour'/);
});

test('check --kernel-cmdline malformed: the kernel complaint, entries before it still applied', async () => {
  const { out, code } = await run([
    'check',
    '--from',
    'example:default',
    'accel0',
    'nic0',
    '--rules',
    'linux-6.1',
    '--kernel-cmdline',
    'quiet pci=disable_acs_redir=0000:18:00.0;zz:qq;0000:18:02.0,bogus',
  ]);
  assert.equal(code, 0);
  assert.match(out, /boot log \(command line\):\n {2}PCI: Unknown option `bogus'/);
  assert.match(
    out,
    /PCI: Can't parse disable_acs_redir parameter: 0000:18:00\.0;zz:qq;0000:18:02\.0/,
  );
  assert.match(out, /pci 0000:18:00\.0: disabled ACS redirect/);
  // 18:02.0 comes after the bad entry: still redirecting, so the pair still goes up.
  assert.match(out, /verdict: {2}THRU_HOST_BRIDGE/);
  assert.match(out, /add the kernel parameter: pci=disable_acs_redir=0000:18:02\.0\n/);
});

test('matrix shows the boot log of the what-if command line; a release past the history says which rules answer', async () => {
  const m = await run([
    'matrix',
    '--from',
    'example:default',
    '--kernel-cmdline',
    'pci=disable_acs_redir=junk',
  ]);
  // The example machine runs Ubuntu's 6.8.0-45-generic: its rules (pre-6.11, no config_acs) parse
  // the list as disable_acs_redir= alone, and the matrix says which kernel decided.
  assert.match(
    m.out,
    /boot log \(command line\):\n {2}PCI: Can't parse disable_acs_redir parameter: junk/,
  );
  assert.match(
    m.out,
    /^rules linux-6\.8 \(from the machine's kernel 6\.8\.0-45-generic, Ubuntu\)$/m,
  );
  const c = await run([
    'check',
    '--from',
    'example:default',
    'accel0',
    'nic0',
    '--rules',
    'linux-5.4',
  ]);
  assert.doesNotMatch(c.out, /^note:/m);
  assert.match(c.out, /verdict: {2}NOT_SUPPORTED, distance -1/);
  const future = await run(['check', 'accel0', 'nic0', '--rules', 'linux-99.0']);
  assert.match(
    future.out,
    /^note: +linux-99\.0 is newer than the newest release in the p2pdma history/m,
  );
  const j = JSON.parse(
    (await run(['check', 'accel0', 'nic0', '--rules', 'linux-99.0', '--json'])).out,
  );
  assert.equal(j.ruleSet, 'linux-99.0');
  assert.match(j.ruleSetNote, /answered with linux-\d+\.\d+ rules/);
});
