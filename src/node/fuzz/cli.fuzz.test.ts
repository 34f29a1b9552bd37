/**
 * Fuzz property for the CLI's argument parsing, in-process: any argv built from the commands,
 * options and awkward values a user (or a script) can type gives exit 0, 1 or 2 with at most a
 * one-line `peerdma: …` error — never exit 3 (an untyped exception), never a hang. Runs in a
 * scratch directory so relative `-o`/`--svg` paths land there. The seed is printed; see params.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { captureIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { readExample } from '../examples.js';
import { fuzzParams, fuzzRun } from './params.js';

const COMMANDS = [
  'topo',
  'check',
  'matrix',
  'demo',
  'map-cost',
  'report',
  'snapshot',
  'examples',
  'bandwidth',
  'buffers',
  'help',
  'nope',
  '',
];
const OPTIONS = [
  '--from',
  '--pci-ids',
  '--format',
  '--json',
  '--all',
  '-v',
  '--verbose',
  '--quiet',
  '--rules',
  '--iommu',
  '--size',
  '--chunk',
  '--strategy',
  '--provider',
  '--client',
  '--max-seg',
  '--calibration',
  '--svg',
  '--class',
  '--show',
  '--pinned',
  '--root',
  '-o',
  '--output',
  '--help',
  '--version',
  '--kernel-cmdline',
  '--',
  '-',
  '--from=example:default',
  '--json=1',
  '-xyz',
];

describe('fuzz: CLI argument parsing', () => {
  let dir = '';
  const cwd = process.cwd();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'peerdma-clifuzz-'));
    mkdirSync(join(dir, 'empty-dir'));
    writeFileSync(join(dir, 'spec.yaml'), readExample('default').text);
    writeFileSync(join(dir, 'bad.yaml'), 'peerdma: 1\ndevices: [\n');
    writeFileSync(join(dir, 'cal.yaml'), 'schemaVersion: 1\niotlbSyncNs: 1236\n');
    writeFileSync(join(dir, 'cal-deep.yaml'), `a: ${'['.repeat(5000)}`);
    process.chdir(dir);
  });
  after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  const VALUES = [
    'example:default',
    'example:workstation',
    'example:nope',
    'example:',
    'spec.yaml',
    'bad.yaml',
    'cal.yaml',
    'cal-deep.yaml',
    'empty-dir',
    '/dev/zero',
    '/nonexistent/file',
    'out.svg',
    'out.tar.gz',
    'sysfs',
    'lspci',
    'hwloc',
    'spec',
    'xml',
    'accel0',
    'nic0',
    'gpu0',
    '0000:00:00.0',
    '00.0',
    ':',
    'linux-6.1',
    'linux-6.19',
    'linux-99.1',
    'none',
    'pt',
    'strict',
    'lazy',
    'all',
    'sg-table',
    'iova-link',
    'phys-vec',
    '4KiB',
    '2MiB',
    '64GiB',
    '1TiB',
    '0',
    '-1',
    '1e99',
    '0x10',
    'NaN',
    '99999999999999999999',
    'mixed:1GiB*50%,8KiB*50%',
    'mixed:',
    'mixed:1GiB*150%',
    'maptype',
    'class',
    'distance',
    'gpu,nic',
    'pci=disable_acs_redir=0000:00:01.0',
    'iommu=pt',
    '',
    ' ',
    '-',
    '--',
    '\u00e9\ud83d',
    'a'.repeat(300),
  ];

  it('any argv: exit 0, 1 or 2, never an internal error', { timeout: 20 * 60_000 }, async (t) => {
    const word = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...OPTIONS) },
      { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );
    const argv = fc
      .tuple(fc.constantFrom(...COMMANDS), fc.array(word, { maxLength: 7 }))
      .map(([c, rest]) => (c === '' ? rest : [c, ...rest]));
    const { diagnostic, ...params } = fuzzParams<[string[]]>(fuzzRun(40));
    t.diagnostic(diagnostic);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const io = captureIo();
        const code = await main(args, io);
        const errText = io.err();
        assert.doesNotMatch(errText, /internal error/, `${JSON.stringify(args)}: ${errText}`);
        assert.ok([0, 1, 2].includes(code), `${JSON.stringify(args)} → exit ${code}: ${errText}`);
        assert.doesNotMatch(errText, /"E_INTERNAL"/, `${JSON.stringify(args)}: ${errText}`);
        // A usage error is one `peerdma: …` line (under --json one JSON error document); a bare
        // `peerdma` prints the help instead.
        if (code === 2 && errText.startsWith('{')) {
          const doc = JSON.parse(errText) as { error?: { code?: string } };
          assert.match(doc.error?.code ?? '', /^E_[A-Z_]+$/, JSON.stringify(args));
        } else if (code === 2) {
          assert.match(errText, /^peerdma: |Usage: peerdma/m, JSON.stringify(args));
        }
      }),
      params,
    );
  });
});
