/**
 * The conventions the README promises, in process (runCli with a pretend terminal): --json on
 * every command and errors as one JSON document under it; colour only on a terminal (NO_COLOR,
 * FORCE_COLOR); ASCII under a non-UTF-8 locale; --quiet and --verbose; wide matrices wrap by
 * column groups; a filtered matrix says what it left out.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { x as extract } from 'tar';
import { ORACLE_FIXTURES } from '../ingest/sysfs/testing/fixtures.js';
import { asciiText } from '../report/format.js';
import { localeIsUtf8, outputStyle } from './io.js';
import { linesOf, runCli } from './testing/run.js';

const ESC = '\u001b[';
const NON_ASCII = /[^\u0000-\u007f]/;

const tmp = mkdtempSync(join(tmpdir(), 'peerdma-conv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A captured machine (sys/ and proc/) unpacked: for `buffers` and `snapshot`. */
const root = join(tmp, 'root');
before(async () => {
  mkdirSync(root);
  await extract({ file: join(ORACLE_FIXTURES, 'b-root-ports/sysfs.tar.gz'), cwd: root });
});

/** A spec whose 25 devices each give a load warning (bdf not on the bus it is listed under). */
function warningSpec(): string {
  const devs = Array.from(
    { length: 25 },
    (_, i) =>
      `          - {name: nic${i}, kind: endpoint, bdf: "0000:05:${i.toString(16).padStart(2, '0')}.0", vendor: mellanox, device: 0x101b}\n`,
  ).join('');
  const file = join(tmp, 'warn.yaml');
  writeFileSync(
    file,
    `peerdma: 1\nmachine: {name: warn}\nsockets:\n  - id: 0\n    hostBridges:\n      - bus: 0x00\n        devices:\n${devs}`,
  );
  return file;
}

describe('--json on every command', () => {
  const commands: Array<[string, string[]]> = [
    ['report', ['report']],
    ['topo', ['topo']],
    ['check', ['check', 'accel0', 'nic0']],
    ['matrix', ['matrix']],
    ['bandwidth', ['bandwidth', 'accel0', 'nic0']],
    ['demo', ['demo']],
    ['map-cost', ['map-cost']],
    ['examples', ['examples']],
    ['buffers', ['buffers', '--from', root]],
  ];
  for (const [name, args] of commands) {
    it(`${name}: one JSON document with schemaVersion on stdout, nothing on stderr`, async () => {
      const r = await runCli([...args, '--json'], { isTTY: true, env: { FORCE_COLOR: '1' } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.ok(!r.stdout.includes(ESC), 'no colour in JSON');
      const doc = JSON.parse(r.stdout) as { schemaVersion?: unknown };
      assert.equal(typeof doc.schemaVersion, 'number');
    });
  }

  it('report --json holds each section as its own command prints it', async () => {
    const [rep, topo, cost] = await Promise.all([
      runCli(['report', '--json']),
      runCli(['topo', '--json']),
      runCli(['map-cost', '--json']),
    ]);
    const doc = JSON.parse(rep.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), [
      'schemaVersion',
      'topology',
      'p2p',
      'demo',
      'mapCost',
      'bandwidth',
    ]);
    assert.deepEqual(doc['topology'], JSON.parse(topo.stdout));
    assert.deepEqual(doc['mapCost'], JSON.parse(cost.stdout));
    const p2p = doc['p2p'] as { devices: string[]; mapType: string[] };
    assert.equal(p2p.mapType.length, p2p.devices.length);
  });

  it('snapshot --json: the summary as a document on stdout, the archive written', async () => {
    const out = join(tmp, 'snap.tar.gz');
    const r = await runCli(['snapshot', '--root', root, '-o', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(doc['schemaVersion'], 1);
    assert.equal(doc['functions'], 12);
    assert.equal(doc['output'], out);
    assert.ok(Array.isArray(doc['notCaptured']));
  });
});

describe('errors under --json', () => {
  const parseErr = (stderr: string) => {
    assert.equal(linesOf(stderr).length, 1, stderr);
    return JSON.parse(stderr) as { schemaVersion: number; error: Record<string, unknown> };
  };

  it('a bad device name: one JSON document on stderr, exit 2, stdout empty', async () => {
    const r = await runCli(['check', 'nope', 'nic0', '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const doc = parseErr(r.stderr);
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.error['code'], 'E_NOT_FOUND');
    assert.match(String(doc.error['message']), /nope/);
  });

  it('bad input names the file and line', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'peerdma: 1\nmachine: {name: x}\nsockets:\n  - id: [\n');
    const r = await runCli(['topo', '--from', file, '--json']);
    assert.equal(r.code, 2);
    const doc = parseErr(r.stderr);
    assert.equal(doc.error['file'], file);
    assert.equal(typeof doc.error['line'], 'number');
  });

  it('a missing file says "no such file", in text and in JSON', async () => {
    const missing = join(tmp, 'missing.yaml');
    const text = await runCli(['topo', '--from', missing]);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /no such file/);
    assert.doesNotMatch(text.stderr, /ENOENT/);
    const json = await runCli(['topo', '--from', missing, '--json']);
    assert.equal(json.code, 2);
    assert.match(String(parseErr(json.stderr).error['message']), /no such file/);
  });

  it('usage errors are JSON too (E_USAGE)', async () => {
    const r = await runCli(['check', '--bogus', '--json']);
    assert.equal(r.code, 2);
    assert.equal(parseErr(r.stderr).error['code'], 'E_USAGE');
    // --json after `--` is an argument, not the option: the error stays text.
    const t = await runCli(['check', '--bogus', '--', '--json']);
    assert.match(t.stderr, /^peerdma: .*\[E_USAGE\]\n$/);
  });

  it('report --json with a section that cannot run exits 2 with the JSON error', async () => {
    // A machine with no accelerator: the demo and map-cost sections have nothing to export.
    const file = join(tmp, 'nic-only.yaml');
    writeFileSync(
      file,
      'peerdma: 1\nmachine: {name: n}\nsockets:\n  - id: 0\n    hostBridges:\n      - bus: 0x00\n        devices:\n          - {name: nic0, kind: endpoint, devfn: "01.0", vendor: mellanox, device: 0x101b}\n',
    );
    const text = await runCli(['report', '--from', file]);
    const r = await runCli(['report', '--from', file, '--json']);
    assert.equal(r.code, text.code);
    if (text.code === 0) return; // every section ran on this machine: nothing more to check
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as Record<string, { error?: { code: string } }>;
    const failed = ['p2p', 'demo', 'mapCost', 'bandwidth'].filter((k) => doc[k]?.error);
    assert.ok(failed.length > 0);
    assert.equal(parseErr(r.stderr).error['code'], doc[failed[0]!]!.error!.code);
  });
});

describe('colour and character set', () => {
  it('colour on a terminal only; NO_COLOR wins; FORCE_COLOR colours piped output', async () => {
    const args = ['check', 'accel0', 'nic0'];
    const tty = await runCli(args, { isTTY: true, env: { LANG: 'C.UTF-8' } });
    assert.ok(tty.stdout.includes(`${ESC}33mTHRU_HOST_BRIDGE`), tty.stdout);
    const noColor = await runCli(args, { isTTY: true, env: { NO_COLOR: '1' } });
    assert.ok(!noColor.stdout.includes(ESC));
    const piped = await runCli(args);
    assert.ok(!piped.stdout.includes(ESC));
    const forced = await runCli(args, { env: { FORCE_COLOR: '1' } });
    assert.ok(forced.stdout.includes(ESC));
    // Colour adds escapes only: without them the text is the piped text.
    assert.equal(tty.stdout.replace(/\u001b\[\d+m/g, ''), piped.stdout);
  });

  it('a non-UTF-8 locale gets ASCII box drawing and arrows; LC_ALL beats LANG', async () => {
    const utf = await runCli(['topo'], { env: { LANG: 'en_US.UTF-8' } });
    assert.match(utf.stdout, /└─ /);
    for (const env of [{ LANG: 'C' }, { LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }, {}]) {
      for (const args of [['topo'], ['check', 'accel0', 'nic0'], ['examples'], ['report']]) {
        const r = await runCli(args, { env });
        assert.equal(r.code, 0, r.stderr);
        const bad = r.stdout.split('\n').find((l) => NON_ASCII.test(l));
        assert.equal(bad, undefined, `${args.join(' ')} ${JSON.stringify(env)}: ${bad}`);
      }
    }
    const ascii = await runCli(['topo'], { env: { LC_CTYPE: 'C', LANG: 'en_US.UTF-8' } });
    assert.match(ascii.stdout, /`- /);
    // Same layout: the tree's columns line up as in UTF-8.
    assert.deepEqual(
      linesOf(ascii.stdout).map((l) => l.length),
      linesOf(utf.stdout).map((l) => [...asciiText(l)].length),
    );
  });

  it('the locale test reads LC_ALL, then LC_CTYPE, then LANG', () => {
    assert.equal(localeIsUtf8({ LANG: 'de_DE.utf8' }), true);
    assert.equal(localeIsUtf8({ LC_ALL: 'C', LANG: 'de_DE.UTF-8' }), false);
    assert.equal(localeIsUtf8({ LC_CTYPE: 'en_GB.UTF-8', LANG: 'C' }), true);
    assert.equal(localeIsUtf8({ LANG: 'en_US.ISO-8859-1' }), false);
    assert.equal(localeIsUtf8({}), false);
    const style = outputStyle({ stdout: { write: () => 0 }, stderr: { write: () => 0 } }, {});
    assert.equal(style.unicode, true, 'no environment given (a library caller): UTF-8');
    assert.equal(style.width, null);
  });
});

describe('--quiet and --verbose', () => {
  const spec = warningSpec();

  it('warnings: the first 20 and a count; --quiet none; --verbose every one', async () => {
    const plain = await runCli(['topo', '--from', spec]);
    assert.equal(plain.code, 0);
    const lines = linesOf(plain.stderr);
    assert.equal(lines.length, 21);
    assert.match(lines[20]!, /and \d+ more warnings/);
    const quiet = await runCli(['topo', '-q', '--from', spec]);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, plain.stdout);
    const verbose = await runCli(['--verbose', 'topo', '--from', spec]);
    const all = linesOf(verbose.stderr);
    assert.ok(all.length > 20);
    assert.ok(all.every((l) => l.startsWith('peerdma: warning: ') && !/more warnings/.test(l)));
  });

  it('-v and --quiet are in the help, not silently ignored', async () => {
    const r = await runCli(['--help']);
    assert.match(r.stdout, /-v, --verbose/);
    assert.match(r.stdout, /-q, --quiet/);
    assert.match(r.stdout, /--width <n>/);
  });
});

describe('matrix width and filter', () => {
  /** The cells of each row, from a rendering in one or more column groups. */
  const cellsByRow = (text: string): Map<string, string[]> => {
    const rows = new Map<string, string[]>();
    for (const l of linesOf(text)) {
      const m = /^(accel\d|nic\d|nvme\d)\s+((?:\s*(?:X|THB|BUS|NS|\?))+)/.exec(l);
      if (m) rows.set(m[1]!, [...(rows.get(m[1]!) ?? []), ...m[2]!.trim().split(/\s+/)]);
    }
    return rows;
  };

  it('--width N wraps by column groups, every line fits, the cells are the same', async () => {
    const whole = await runCli(['matrix']);
    const wrapped = await runCli(['matrix', '--width', '60']);
    assert.equal(wrapped.code, 0);
    const block = linesOf(wrapped.stdout.split('\nrows: ')[0]!);
    assert.ok(block.some((l) => /^clients 1-\d+ of 13:$/.test(l)));
    // Every line of the matrix fits (the last group's NUMA column may run past, as in nvidia-smi).
    const matrixLines = block.filter((l) => /^\s|^(accel|nic|nvme)\d/.test(l));
    assert.ok(matrixLines.length >= 28);
    for (const l of matrixLines) if (!/NUMA|\s\d$/.test(l)) assert.ok(l.length <= 60, l);
    assert.deepEqual(cellsByRow(wrapped.stdout), cellsByRow(whole.stdout));
    assert.equal(cellsByRow(whole.stdout).get('accel0')?.length, 13);
  });

  it('piped output never wraps; a terminal wraps at its width', async () => {
    const piped = await runCli(['matrix', '--all']);
    assert.ok(!/^clients /m.test(piped.stdout));
    assert.ok(Math.max(...linesOf(piped.stdout).map((l) => l.length)) > 80);
    const tty = await runCli(['matrix', '--all'], { isTTY: true, columns: 70, env: {} });
    assert.match(tty.stdout, /^clients 1-\d+ of 18:$/m);
  });

  it('a filtered matrix says how many it left out and how to see them', async () => {
    const r = await runCli(['matrix']);
    assert.match(r.stdout, /5 of 18 non-bridge functions not shown .*--all shows them/);
    const all = await runCli(['matrix', '--all']);
    assert.doesNotMatch(all.stdout, /not shown/);
  });

  it('bandwidth matrices wrap the same way, keeping every cell', async () => {
    const rows = (text: string) => linesOf(text).filter((l) => /^ {2,}\d+ /.test(l));
    const cells = (text: string) =>
      rows(text)
        .flatMap((l) => l.trim().split(/\s+/).slice(1))
        .sort();
    const whole = await runCli(['bandwidth']);
    const wrapped = await runCli(['bandwidth', '--width', '80']);
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.ok(rows(whole.stdout).some((l) => l.length > 80));
    for (const l of rows(wrapped.stdout)) assert.ok(l.length <= 80, l);
    assert.match(wrapped.stdout, /^columns 0-\d+ of 13:$/m);
    assert.deepEqual(cells(wrapped.stdout), cells(whole.stdout));
  });

  it('--width must be a number of columns', async () => {
    const r = await runCli(['matrix', '--width', 'wide']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--width.*\[E_USAGE\]/);
  });
});
