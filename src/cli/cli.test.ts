/**
 * The CLI as a user meets it, in a child process: every kind of bad input gives exactly one line on
 * stderr starting with `peerdma: `, naming the input (and line), exit status 2 and no stack trace;
 * `topo` prints a tree and a schemaVersion-1 JSON document, byte-identical from run to run.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packTarGz } from '../node/snapshot.js';
import { type CliRun, linesOf, runCli } from './testing/run.js';

const ORACLE = fileURLToPath(new URL('../../../shared/fixtures/kernel-oracle/', import.meta.url));
const HWLOC = fileURLToPath(new URL('../../../shared/fixtures/hwloc/', import.meta.url));
const isRoot = process.getuid?.() === 0;

let tmp = '';
const at = (name: string) => join(tmp, name);

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'peerdma-cli-'));
  mkdirSync(at('not-sysfs'));
  writeFileSync(at('not-sysfs/notes.txt'), 'just a folder\n');
  writeFileSync(at('empty.txt'), '');
  writeFileSync(
    at('bad-lspci.txt'),
    '00:00.0 Host bridge [0600]: Intel Corporation 82G33/G31/P35/P31 DRAM Controller [8086:29c0]\n' +
      '\tSubsystem: Red Hat, Inc. QEMU Virtual Machine [1af4:1100]\n' +
      'this line is not lspci output\n',
  );
  writeFileSync(
    at('bad-spec.yaml'),
    'peerdma: 1\nmachine:\n  name: broken\ndevices: [a, b\n  - c\n',
  );
  const tgz = readFileSync(join(ORACLE, 'a-same-switch', 'sysfs.tar.gz'));
  writeFileSync(at('truncated.tar.gz'), tgz.subarray(0, Math.floor(tgz.length / 3)));
  writeFileSync(at('huge.txt'), '');
  truncateSync(at('huge.txt'), 600 * 1024 * 1024); // sparse: over the 512 MiB default limit
  writeFileSync(at('unreadable.txt'), '-[0000:00]-+-00.0  Intel Corporation 82G33\n');
  chmodSync(at('unreadable.txt'), 0o000);
  const xml = readFileSync(join(HWLOC, '24em64t-2n6c2t-pci.xml'), 'utf8');
  writeFileSync(at('truncated.xml'), xml.slice(0, 3000)); // ends inside <object> on line 31
  writeFileSync(
    at('bad.json'),
    '{"peerdma": 1,\n "machine": {"name": "x"},\n "sockets": [ {"id": 0,\n',
  );
  const vvv = readFileSync(join(ORACLE, 'a-same-switch', 'lspci-vvvnn.txt'), 'utf8');
  const firstBlock = `${vvv.split('\n\n')[0]}\n\n`;
  writeFileSync(at('dup-lspci.txt'), firstBlock + firstBlock);
  writeFileSync(
    at('spec-dup.yaml'),
    'peerdma: 1\nsockets:\n  - id: 0\n    hostBridges:\n      - bus: 0\n        devices:\n' +
      '          - {bdf: "0000:00:01.0", kind: endpoint}\n          - {bdf: "0000:00:01.0", kind: endpoint}\n',
  );
  // 80 MiB of zeros in one member: a small .tar.gz that would unpack far beyond any sysfs file.
  const big = new Uint8Array(80 << 20);
  writeFileSync(
    at('bomb.tar.gz'),
    packTarGz([{ path: 'm/sys/bus/pci/devices/big', type: 'file', data: big }]),
  );
  writeFileSync(
    at('not-sysfs.tar.gz'),
    packTarGz([{ path: 'notes/a.txt', type: 'file', data: new TextEncoder().encode('hi\n') }]),
  );
});

after(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

interface BadInput {
  readonly name: string;
  readonly args: () => string[];
  /** Text the one error line must contain (a path, a name). */
  readonly names: () => string;
  /** A pattern for the location, e.g. `file:3` or `file:4:1`. */
  readonly where?: () => RegExp;
  readonly skip?: string | false;
  readonly todo?: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `topo --from <tmp>/FILE`: the error line must name the file. */
const fromFile = (name: string, file: string, more: Partial<BadInput> = {}): BadInput => ({
  name,
  args: () => ['topo', '--from', at(file)],
  names: () => at(file),
  ...more,
});
const atLine = (file: string, loc: string) => () => new RegExp(`${esc(at(file))}${loc}`);

const BAD_INPUTS: readonly BadInput[] = [
  fromFile('a missing file', 'missing.txt'),
  fromFile('an unreadable file (chmod 000)', 'unreadable.txt', {
    skip: isRoot && 'running as root: chmod 000 does not stop root from reading',
  }),
  fromFile('a directory that is not a sysfs tree', 'not-sysfs'),
  fromFile('an empty file', 'empty.txt'),
  fromFile('a malformed lspci line', 'bad-lspci.txt', { where: atLine('bad-lspci.txt', ':3\\b') }),
  fromFile('a malformed YAML spec', 'bad-spec.yaml', {
    where: atLine('bad-spec.yaml', ':\\d+:\\d+: '),
  }),
  fromFile('a truncated .tar.gz', 'truncated.tar.gz'),
  fromFile('a file over the size limit', 'huge.txt'),
  // Every format, forced, meets the size limit before anything is read.
  ...(['sysfs', 'lspci', 'hwloc', 'spec'] as const).map(
    (fmt): BadInput => ({
      name: `a file over the size limit, --format ${fmt}`,
      args: () => ['topo', '--from', at('huge.txt'), '--format', fmt],
      names: () => at('huge.txt'),
    }),
  ),
  fromFile('a truncated hwloc XML', 'truncated.xml', { where: atLine('truncated.xml', ':31\\b') }),
  fromFile('a malformed JSON spec', 'bad.json', { where: atLine('bad.json', ':\\d+:\\d+: ') }),
  fromFile('a BDF listed twice by lspci -vvv', 'dup-lspci.txt', {
    where: atLine('dup-lspci.txt', ':\\d+\\b'),
  }),
  fromFile('a BDF given twice in a spec', 'spec-dup.yaml'),
  fromFile('a .tar.gz that unpacks to a huge member', 'bomb.tar.gz'),
  fromFile('a .tar.gz that is not a sysfs capture', 'not-sysfs.tar.gz'),
  {
    name: 'a snapshot read as lspci text (--format lspci on a .tar.gz)',
    args: () => [
      'topo',
      '--from',
      join(ORACLE, 'a-same-switch', 'sysfs.tar.gz'),
      '--format',
      'lspci',
    ],
    names: () => join(ORACLE, 'a-same-switch', 'sysfs.tar.gz'),
  },
  {
    name: 'an unknown --format',
    args: () => ['topo', '--from', 'example:default', '--format', 'pcap'],
    names: () => 'pcap',
  },
  {
    name: 'an unknown example',
    args: () => ['topo', '--from', 'example:no-such-machine'],
    names: () => 'no-such-machine',
  },
  {
    name: 'an unknown command',
    args: () => ['frobnicate'],
    names: () => 'frobnicate',
  },
  {
    name: 'an unknown option',
    args: () => ['topo', '--no-such-option'],
    names: () => '--no-such-option',
  },
];

function assertOneErrorLine(r: CliRun, c: BadInput): void {
  const shown = `stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 400)}`;
  assert.equal(r.code, 2, `exit status 2\n${shown}`);
  assert.ok(
    !r.stderr.includes('    at ') && !r.stdout.includes('    at '),
    `no stack trace\n${shown}`,
  );
  const lines = linesOf(r.stderr);
  assert.equal(lines.length, 1, `exactly one line on stderr\n${shown}`);
  const line = lines[0]!;
  assert.ok(line.startsWith('peerdma: '), `starts with 'peerdma: '\n${shown}`);
  assert.ok(line.includes(c.names()), `names '${c.names()}'\n${shown}`);
  if (c.where) assert.match(line, c.where(), `gives the location\n${shown}`);
  assert.equal(r.stdout, '', 'nothing on stdout');
}

describe('CLI bad input: one line, peerdma: prefix, exit 2, no stack', { concurrency: 4 }, () => {
  for (const c of BAD_INPUTS) {
    const opts = c.todo !== undefined ? { todo: c.todo } : { skip: c.skip ?? false };
    test(c.name, opts, async () => assertOneErrorLine(await runCli(c.args()), c));
  }
});

const BDF = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

interface TopoJson {
  readonly schemaVersion: number;
  readonly functions: readonly Record<string, unknown>[];
}

describe('CLI topo', { concurrency: 4 }, () => {
  test('topo --from example:default exits 0 and prints a tree', async () => {
    const r = await runCli(['topo', '--from', 'example:default']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pci0000:00 /m, 'a host bridge line');
    assert.match(r.stdout, /^(?:[│ ] {2})*[├└]─ 0000:00:00\.0 /m, 'a function under it');
    assert.match(r.stdout, /^ +[├└]─ 0000:01:00\.0 /m, 'a nested function');
  });

  test('topo --json prints a schemaVersion 1 document; functions carry the core fields', async () => {
    const r = await runCli(['topo', '--from', 'example:default', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as TopoJson;
    assert.equal(doc.schemaVersion, 1);
    assert.ok(doc.functions.length > 0);
    const bdfs = new Set(doc.functions.map((f) => f['bdf']));
    for (const f of doc.functions) {
      for (const k of ['bdf', 'kind', 'upstream', 'hostBridge', 'acs', 'bars'])
        assert.ok(k in f, `${String(f['bdf'])}: ${k}`);
      assert.match(String(f['bdf']), BDF);
      assert.ok(
        f['upstream'] === null || bdfs.has(f['upstream']),
        `${String(f['bdf'])}: upstream is a function`,
      );
      assert.match(String(f['hostBridge']), /^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/);
      assert.ok(Array.isArray(f['bars']));
      assert.ok(['present', 'absent', 'unknown'].includes((f['acs'] as { state: string }).state));
    }
  });

  test("topo --json on a real capture: a VF's upstream is its PF's bridge", async () => {
    const r = await runCli([
      'topo',
      '--from',
      join(ORACLE, 'i-switch-multifunction-sriov', 'sysfs.tar.gz'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as TopoJson;
    const by = new Map(doc.functions.map((f) => [f['bdf'], f]));
    const vfs = doc.functions.filter((f) => f['physfn'] !== null);
    assert.ok(vfs.length > 0, 'the capture has VFs');
    for (const vf of vfs)
      assert.equal(vf['upstream'], by.get(vf['physfn'])?.['parent'], String(vf['bdf']));
  });

  test('topo --spec writes a capture as a spec that loads back to the same --json', async () => {
    const capture = join(ORACLE, 'i-switch-multifunction-sriov', 'sysfs.tar.gz');
    const spec = await runCli(['topo', '--from', capture, '--spec']);
    assert.equal(spec.code, 0, spec.stderr);
    assert.match(spec.stdout, /^peerdma: 1$/m);
    writeFileSync(at('from-capture.yaml'), spec.stdout);
    const [a, b] = await Promise.all([
      runCli(['topo', '--from', capture, '--json']),
      runCli(['topo', '--from', at('from-capture.yaml'), '--json']),
    ]);
    const doc = (r: CliRun) => {
      assert.equal(r.code, 0, r.stderr);
      const d = JSON.parse(r.stdout) as {
        machine: { source: string };
        functions: { names: unknown }[];
      };
      // Names are looked up in pci.ids (sysfs sources), not facts a spec carries.
      const functions = d.functions.map((f) => ({ ...f, names: null }));
      return { ...d, functions, machine: { ...d.machine, source: '' } };
    };
    assert.deepEqual(doc(b), doc(a));
  });

  test('examples --json is one schemaVersion 1 document naming the default', async () => {
    const r = await runCli(['examples', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number;
      default: string;
      examples: { name: string }[];
    };
    assert.equal(doc.schemaVersion, 1);
    assert.ok(doc.examples.some((e) => e.name === doc.default));
    for (const need of ['default', 'default-acs-off', 'amd-epyc-gpus', 'workstation'])
      assert.ok(
        doc.examples.some((e) => e.name === need),
        need,
      );
  });

  const sources = () => [
    ['topo', '--from', 'example:default'],
    ['topo', '--from', 'example:default', '--json'],
    ['topo', '--from', join(ORACLE, 'c-iommu', 'sysfs.tar.gz'), '--json'],
    [
      'topo',
      '--from',
      `${join(ORACLE, 'c-iommu', 'lspci-tvnn.txt')},${join(ORACLE, 'c-iommu', 'lspci-vvvnn.txt')}`,
    ],
  ];
  test('the same input twice gives byte-identical output', async () => {
    const runs = await Promise.all(
      sources().map((args) => Promise.all([runCli(args), runCli(args)])),
    );
    for (const [i, [a, b]] of runs.entries()) {
      const args = sources()[i]!;
      assert.equal(a.code, 0, `${args.join(' ')}: ${a.stderr}`);
      assert.ok(a.stdout.length > 0);
      assert.equal(a.stdout, b.stdout, `${args.join(' ')}: stdout differs between runs`);
      assert.equal(a.stderr, b.stderr, `${args.join(' ')}: stderr differs between runs`);
    }
  });
});
