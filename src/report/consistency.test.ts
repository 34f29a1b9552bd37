/**
 * Output consistency (issue 12 item 1), run in-process through the CLI: every rendering shows the
 * ACS state the verdict used, the tree marks where the route really turns, `check` and `demo` draw
 * one route for one pair, the boot log prints the kernel's real ACS value, the matrix summary
 * counts pairs of distinct devices, and numeric fields carry their unit in their name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../cli/testing/run.js';

const FROM = ['--from', 'example:default'];

interface CheckDoc {
  mapType: string;
  acsBridges: string[];
  acsUsed: Record<string, { redirect: boolean | 'unknown'; changedByCmdline: boolean }>;
  route: { kind: string; hops: string[]; turnsAt: string[] };
  bottleneck: { GBps: number } | null;
}

async function checkJson(args: string[]): Promise<CheckDoc> {
  const r = await runCli(['check', ...args, ...FROM, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as CheckDoc;
}

test('check and demo draw the same route for the same pair (one route function)', async () => {
  const d = await runCli(['demo', ...FROM, '--json']);
  assert.equal(d.code, 0, d.stderr);
  const demo = JSON.parse(d.stdout) as {
    founding: { pair: { accel: string; nic: string }; steps: { route: string }[] };
  };
  const { accel, nic } = demo.founding.pair;
  const drawn = demo.founding.steps.map((s) => s.route).find((r) => r.includes('['));
  assert.ok(drawn, 'the demo maps the pair');
  const c = await checkJson([accel, nic]);
  const topo = JSON.parse((await runCli(['topo', ...FROM, '--json'])).stdout) as {
    functions?: { bdf: string; name: string | null }[];
    devices?: { bdf: string; name: string | null }[];
  };
  const fns = topo.functions ?? topo.devices ?? [];
  const name = (id: string) => fns.find((f) => f.bdf === id)?.name ?? id;
  assert.equal(drawn, `${c.route.hops.map(name).join(' → ')} [${c.route.kind}]`);
});

test('ACS redirect sends the pair up: the host bridge is where it turns, in text and JSON', async () => {
  const c = await checkJson(['accel0', 'nic0']);
  assert.equal(c.mapType, 'THRU_HOST_BRIDGE');
  assert.ok(c.acsBridges.length > 0);
  assert.equal(c.route.kind, 'root-complex (ACS redirect)');
  assert.deepEqual(c.route.turnsAt, ['pci0000:16']);
  const r = await runCli(['check', 'accel0', 'nic0', ...FROM]);
  assert.match(r.stdout, /pci0000:16 {2}◀ turns around here \(root complex/);
  assert.equal(r.stdout.match(/turns around here/g)?.length, 1);
});

test('--kernel-cmdline pci=disable_acs_redir: BUS_ADDR and every rendering shows redirect off', async () => {
  const before = await checkJson(['accel0', 'nic0']);
  const cmdline = `pci=disable_acs_redir=${before.acsBridges.join(';')}`;
  const c = await checkJson(['accel0', 'nic0', '--kernel-cmdline', cmdline]);
  assert.equal(c.mapType, 'BUS_ADDR');
  for (const bdf of before.acsBridges) {
    assert.equal(c.acsUsed[bdf]?.redirect, false, bdf);
    assert.equal(c.acsUsed[bdf]?.changedByCmdline, true, bdf);
  }
  assert.equal(c.route.kind, 'switch-local');
  const r = await runCli(['check', 'accel0', 'nic0', ...FROM, '--kernel-cmdline', cmdline]);
  assert.equal(r.code, 0, r.stderr);
  // The ports the verdict had refused on now read off; the root port (not checked) keeps its own.
  for (const bdf of before.acsBridges)
    assert.match(
      r.stdout,
      new RegExp(
        `${bdf} "[^"]+" {2}switch-downstream {2}◀ ACS redirect off \\(after the kernel command line\\)`,
      ),
    );
  assert.match(r.stdout, /common upstream: turns around here/);
  assert.doesNotMatch(r.stdout, /pci0000:16 {2}◀ turns around/);
});

test('pci=config_acs: the boot log prints the value the kernel configured, never a placeholder', async () => {
  const before = await checkJson(['accel0', 'nic0']);
  const bdf = before.acsBridges[0]!;
  // pci=config_acs (v6.11+): every bit given, SV only → the kernel prints %#06x of 0x0001.
  const r = await runCli([
    'check',
    'accel0',
    'nic0',
    ...FROM,
    '--rules',
    'linux-6.19',
    '--kernel-cmdline',
    `pci=config_acs=0000001@${bdf}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`pci ${bdf}: Configured ACS to 0x0001\\n`));
  assert.doesNotMatch(r.stdout, /\?\?\?\?/);
});

test('the report counts ordered pairs of distinct devices, never a device with itself', async () => {
  // default-acs-off has BUS_ADDR pairs: a self-pair counted as BUS_ADDR would show there.
  for (const ex of ['example:default', 'example:default-acs-off']) {
    const m = await runCli(['matrix', '--from', ex, '--json']);
    const doc = JSON.parse(m.stdout) as { devices: unknown[] };
    const n = doc.devices.length;
    assert.ok(n > 2, ex);
    const r = await runCli(['report', '--from', ex]);
    assert.equal(r.code, 0, r.stderr);
    const line =
      /pairs of distinct devices \(ordered\): (\d+) BUS_ADDR, (\d+) THRU_HOST_BRIDGE, (\d+) NOT_SUPPORTED, (\d+) undecided/.exec(
        r.stdout,
      );
    assert.ok(line, r.stdout);
    const sum = line.slice(1).reduce((acc, x) => acc + Number(x), 0);
    assert.equal(sum, n * (n - 1), ex);
  }
});

/** Every key holding a number, with its dotted path (array indices dropped). */
function numericKeys(x: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(x)) for (const v of x) numericKeys(v, at, out);
  else if (x !== null && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) {
      if (typeof v === 'number') out.add(`${at}${k}`);
      numericKeys(v, `${at}${k}.`, out);
    }
  return out;
}

/** Names that say what a number measures but not in which unit. */
const UNITLESS = /^(gbps|mbps|bps|bandwidth|rate|speed|latency|time|duration|delay|elapsed|cost)$/;

test('JSON numbers that measure something carry their unit in the field name', async () => {
  const docs = await Promise.all(
    [
      ['check', 'accel0', 'nic0'],
      ['demo'],
      ['bandwidth', 'accel0', 'nic0'],
      ['bandwidth', 'accel0', 'nic0', '--bidir'],
    ].map(async (args) => {
      const r = await runCli([...args, ...FROM, '--json']);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return [args.join(' '), JSON.parse(r.stdout)] as const;
    }),
  );
  for (const [what, doc] of docs) {
    const keys = numericKeys(doc);
    assert.ok(keys.size > 3, what);
    const bad = [...keys].filter(
      (k) => UNITLESS.test(k.split('.').at(-1)!) || /(^|\.)gbps\./.test(k),
    );
    assert.deepEqual(bad, [], what);
  }
  // The renamed fields are where the documents say they are.
  const check = docs[0]![1] as CheckDoc;
  assert.ok(check.bottleneck !== null && check.bottleneck.GBps > 0);
});
