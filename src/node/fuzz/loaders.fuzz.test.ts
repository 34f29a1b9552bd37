/**
 * Fuzz properties, one per loader: whatever the input — a mutated real capture, a random tree, a
 * crafted archive, random text — the loader returns a LoadResult or throws one PeerdmaError (which
 * the CLI prints as one line with exit 2). Never another exception (exit 3), never a hang (each
 * test has a timeout), never unbounded memory (inputs are bounded; the loaders' limits hold).
 * Every run prints its seed; PEERDMA_FUZZ_SEED replays it, PEERDMA_FUZZ_RUNS scales the run
 * (`npm run fuzz`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isPeerdmaError } from '../../errors/index.js';
import { loadHwloc } from '../../ingest/hwloc/index.js';
import { loadLspci } from '../../ingest/lspci/index.js';
import { loadSpec } from '../../ingest/spec/index.js';
import { loadSysfs } from '../../ingest/sysfs/index.js';
import { makeConfig } from '../../ingest/sysfs/synth.js';
import { ORACLE_FIXTURES, SHARED } from '../../ingest/sysfs/testing/fixtures.js';
import { nestingBound } from '../../util/nesting.js';
import { listExamples, readExample } from '../examples.js';
import { loadSource } from '../load.js';
import { flattenVfs, memoryVfs, tarVfs } from '../vfs.js';
import { fuzzParams, fuzzRun } from './params.js';

const TIMEOUT = { timeout: 10 * 60_000 };
const INTERNAL =
  /Maximum call stack|out of range|Invalid array length|Invalid string length|is not a function|of undefined|of null/;

/** Runs `fn`; a PeerdmaError is a fine outcome, anything else fails the property. */
async function typedOrOk(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isPeerdmaError(e)) throw e;
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), 'one line');
    // An engine failure wrapped in a typed error is still a crash the user cannot act on.
    assert.doesNotMatch(e.message, INTERNAL);
  }
}

/** Run a property with a recorded seed. */
async function check<T>(
  t: { diagnostic(s: string): void },
  runs: number,
  prop: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>,
): Promise<void> {
  const { diagnostic, ...params } = fuzzParams<T>(fuzzRun(runs));
  t.diagnostic(diagnostic);
  await fc.assert(prop, params);
}

/** Text edits: delete, duplicate or replace lines; insert, replace or delete characters. */
const TEXT_NOISE = [
  '[',
  ']',
  '{',
  '}',
  '<',
  '>',
  '/',
  '"',
  "'",
  '-',
  '+',
  '\\',
  ':',
  '.',
  '=',
  '#',
  ' ',
  '\t',
  '\n',
  '\0',
  'ff',
  '0x',
  '99999999999999999999',
  '-1',
  'NaN',
  '\u00e9',
  '\ud83d',
];
const textEdit = fc.oneof(
  fc.record({ k: fc.constant('delLine' as const), at: fc.nat() }),
  fc.record({
    k: fc.constant('dupLine' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({ k: fc.constant('cut' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    k: fc.constant('put' as const),
    at: fc.nat(),
    s: fc.oneof(fc.constantFrom(...TEXT_NOISE), fc.string({ maxLength: 12 })),
  }),
);
type TextEdit = typeof textEdit extends fc.Arbitrary<infer E> ? E : never;

function applyText(text: string, edits: readonly TextEdit[]): string {
  let s = text;
  for (const e of edits) {
    if (e.k === 'delLine' || e.k === 'dupLine') {
      const lines = s.split('\n');
      const i = e.at % lines.length;
      if (e.k === 'delLine') lines.splice(i, 1);
      else lines.splice(i, 0, ...Array<string>(e.n).fill(lines[i]!));
      s = lines.join('\n');
    } else {
      const i = s.length === 0 ? 0 : e.at % (s.length + 1);
      s = e.k === 'cut' ? s.slice(0, i) + s.slice(i + e.n) : s.slice(0, i) + e.s + s.slice(i);
    }
  }
  return s;
}

const edits = fc.array(textEdit, { minLength: 1, maxLength: 8 });

describe('crafted inputs found by fuzzing (regressions)', () => {
  it('a 10,000-deep spec is E_TOO_LARGE naming the line, before the parser recurses', () => {
    const deep = [
      ['machine: ', '['],
      ['machine: ', '{"a":'],
      ['machine:\n', '- '],
    ] as const;
    for (const [key, open] of deep) {
      assert.throws(
        () => loadSpec({ name: 'm.yaml', text: `peerdma: 1\n${key}${open.repeat(10_000)}x` }),
        (e: unknown) => isPeerdmaError(e) && e.code === 'E_TOO_LARGE' && /nested/.test(e.message),
        open,
      );
    }
  });

  it('every shipped example stays far below the nesting limit', () => {
    for (const ex of listExamples())
      assert.ok(nestingBound(readExample(ex.name).text).depth < 32, ex.name);
  });

  it('--from /dev/zero, a FIFO or a directory that is not sysfs: typed, and nothing is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerdma-special-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    await assert.rejects(
      loadSource('/dev/zero'),
      (e: unknown) => isPeerdmaError(e) && e.code === 'E_IO' && /character device/.test(e.message),
    );
    await assert.rejects(
      loadSource(join(dir, 'nope')),
      (e: unknown) => isPeerdmaError(e) && /no such file/.test(e.message),
    );
    const { spawnSync } = await import('node:child_process');
    assert.equal(
      spawnSync('mkfifo', [join(dir, 'fifo')]).status,
      0,
      'mkfifo (coreutils) makes the FIFO',
    );
    await assert.rejects(
      loadSource(join(dir, 'fifo')),
      (e: unknown) => isPeerdmaError(e) && /FIFO/.test(e.message),
    );
  });
});

describe('fuzz: text loaders', () => {
  const lspciTree = readFileSync(join(ORACLE_FIXTURES, 'c-iommu/lspci-tvnn.txt'), 'utf8');
  const lspciVerbose = readFileSync(join(ORACLE_FIXTURES, 'c-iommu/lspci-vvvnn.txt'), 'utf8');
  const hwloc = readFileSync(join(SHARED, 'fixtures/hwloc/24em64t-2n6c2t-pci.xml'), 'utf8');
  const spec = readExample('default').text;

  it('lspci -vvvnn and -tvnn, mutated', TIMEOUT, async (t) => {
    await check(
      t,
      120,
      fc.asyncProperty(edits, edits, fc.boolean(), async (ev, et, withTree) => {
        const verbose = { name: 'v.txt', text: applyText(lspciVerbose, ev) };
        const tree = { name: 't.txt', text: applyText(lspciTree, et) };
        await typedOrOk(() => loadLspci(withTree ? [tree, verbose] : [verbose]));
      }),
    );
  });

  it('hwloc XML, mutated, with objects and attributes of any value', TIMEOUT, async (t) => {
    const attr = fc.tuple(
      fc.constantFrom(
        'type',
        'os_index',
        'pci_busid',
        'pci_type',
        'pci_link_speed',
        'bridge_type',
        'depth',
        'cpuset',
        'name',
        'value',
        'gp_index',
      ),
      fc.oneof(
        fc.constantFrom(
          'PCIDev',
          'Bridge',
          'Package',
          'NUMANode',
          '0000:00:01.0',
          '0604 [8086:1234] [0000:0000] 01',
          '-1',
          '1e400',
          '0:1-2',
          '0x',
        ),
        fc.string({ maxLength: 10 }),
      ),
    );
    const object = fc
      .tuple(fc.array(attr, { maxLength: 5 }), fc.integer({ min: 1, max: 400 }))
      .map(([as, depth]) => {
        const open = `<object ${as.map(([k, v]) => `${k}="${v.replace(/["<&]/g, '')}"`).join(' ')}>`;
        return open.repeat(depth) + '</object>'.repeat(depth);
      });
    await check(
      t,
      120,
      fc.asyncProperty(
        edits,
        fc.array(fc.tuple(fc.nat(), object), { maxLength: 3 }),
        async (ed, objs) => {
          let text = applyText(hwloc, ed);
          for (const [at, o] of objs) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + o + text.slice(i);
          }
          await typedOrOk(() => loadHwloc({ name: 'h.xml', text }));
        },
      ),
    );
  });

  it('YAML/JSON specs: mutated examples, random documents, deep nesting', TIMEOUT, async (t) => {
    const deep = fc
      .tuple(
        fc.constantFrom('[', '{"a":', '- ', '  ', 'a:\n', '? '),
        fc.integer({ min: 1, max: 20_000 }),
      )
      .map(([open, n]) => `peerdma: 1\nmachine: ${open.repeat(n)}`);
    const doc = fc.jsonValue({ maxDepth: 6 }).map((v) =>
      JSON.stringify({
        peerdma: 1,
        ...(typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { devices: v }),
      }),
    );
    await check(
      t,
      120,
      fc.asyncProperty(
        fc.oneof(
          edits.map((e) => applyText(spec, e)),
          doc,
          deep,
        ),
        async (text) => {
          await typedOrOk(() => loadSpec({ name: 'm.yaml', text }));
        },
      ),
    );
  });

  it('any bytes as a --from file: detection, decoding, every loader', TIMEOUT, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'peerdma-fuzz-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'input');
    const heads = [
      'peerdma: 1\n',
      '<?xml version="1.0"?>\n<topology>',
      '00:00.0 Host bridge',
      '-[0000:00]-',
      '\x1f\x8b',
      '{"peerdma": 1',
    ];
    await check(
      t,
      80,
      fc.asyncProperty(
        fc.constantFrom(...heads),
        fc.uint8Array({ maxLength: 2000 }),
        async (head, tail) => {
          writeFileSync(file, Buffer.concat([Buffer.from(head, 'latin1'), tail]));
          await typedOrOk(() => loadSource(file));
        },
      ),
    );
  });
});

describe('fuzz: sysfs trees and archives', async () => {
  const archive = readFileSync(join(ORACLE_FIXTURES, 'c-iommu/sysfs.tar.gz'));
  const base = flattenVfs(await tarVfs(archive, 'fixture'));
  const paths = [...base.keys()].sort();
  const enc = new TextEncoder();
  const attrText = fc.oneof(
    fc.constantFrom(
      '0x8086\n',
      '0x060400\n',
      '0x020000\n',
      '8.0 GT/s PCIe\n',
      'Unknown\n',
      '16\n',
      '-1\n',
      '0\n',
      '255\n',
      '',
      '\n',
      '0x\n',
      '0xffffffffffffffffff\n',
    ),
    fc
      .constant('0x00000000fe000000 0x00000000fe0fffff 0x0000000000040200\n')
      .map((l) => l.repeat(3)),
    fc.string({ maxLength: 80 }),
  );
  const attrBytes = fc.oneof(
    attrText.map((s) => enc.encode(s)),
    fc.uint8Array({ maxLength: 300 }),
    fc
      .record({
        portType: fc.constantFrom(
          'root-port',
          'switch-upstream',
          'switch-downstream',
          'endpoint' as const,
        ),
        ctrl: fc.nat(0xffff),
        cap: fc.nat(0xffff),
        cut: fc.integer({ min: 0, max: 4096 }),
      })
      .map(({ portType, ctrl, cap, cut }) =>
        makeConfig({ classCode: 0x060400, portType, acs: { cap, ctrl } }).subarray(0, cut),
      ),
  );
  const target = fc.oneof(
    fc.constantFrom(...paths).map((p) => `../${p}`),
    fc.constantFrom(...paths).map((p) => `/${p}`),
    fc.constantFrom('.', '..', '../../../../../../..', 'loop', '/'),
    fc.string({ maxLength: 20 }),
  );
  const treeEdit = fc.oneof(
    fc.record({ k: fc.constant('file' as const), p: fc.constantFrom(...paths), data: attrBytes }),
    fc.record({ k: fc.constant('link' as const), p: fc.constantFrom(...paths), target }),
    fc.record({ k: fc.constant('dir' as const), p: fc.constantFrom(...paths) }),
    fc.record({ k: fc.constant('del' as const), p: fc.constantFrom(...paths) }),
    fc.record({
      k: fc.constant('new' as const),
      p: fc.constantFrom(...paths),
      name: fc.constantFrom(
        '0000:00:1f.7',
        '0000:zz:00.0',
        'pci0000:00',
        'virtfn0',
        'physfn',
        'iommu_group',
        'config',
        'vendor',
        'x',
      ),
      link: fc.option(target, { nil: undefined }),
    }),
  );

  it('a real capture with random files, links, loops and deletions', TIMEOUT, async (t) => {
    await check(
      t,
      150,
      fc.asyncProperty(fc.array(treeEdit, { minLength: 1, maxLength: 10 }), async (es) => {
        const tree = new Map(base);
        for (const e of es) {
          if (e.k === 'file') tree.set(e.p, { t: 'file', data: e.data });
          else if (e.k === 'link') tree.set(e.p, { t: 'link', target: e.target });
          else if (e.k === 'dir') tree.set(e.p, { t: 'dir' });
          else if (e.k === 'del') {
            for (const k of [...tree.keys()]) {
              if (k === e.p || k.startsWith(`${e.p}/`)) tree.delete(k);
            }
          } else {
            const p = `${e.p}/${e.name}`;
            tree.set(p, e.link === undefined ? { t: 'dir' } : { t: 'link', target: e.link });
          }
        }
        await typedOrOk(() => loadSysfs(memoryVfs(tree, 'fuzz'), { label: 'fuzz' }));
      }),
    );
  });

  it('a real .tar.gz with corrupted, truncated or crafted bytes', TIMEOUT, async (t) => {
    const raw = gunzipSync(archive);
    const headers: number[] = [];
    for (let o = 0; o + 512 <= raw.length; o += 512) {
      if (raw.subarray(o + 257, o + 262).toString('latin1') === 'ustar') headers.push(o);
    }
    const field = fc.constantFrom(0, 100, 124, 136, 148, 156, 157, 257, 345); // name, mode, size, mtime, chksum, type, link, magic, prefix
    const byteEdit = fc.oneof(
      // Anywhere in a header block, then the checksum fixed so the edit gets past it.
      fc.record({
        k: fc.constant('header' as const),
        h: fc.nat(),
        f: field,
        bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
        fix: fc.boolean(),
      }),
      fc.record({ k: fc.constant('flip' as const), at: fc.nat(), v: fc.nat(255) }),
      fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        k: fc.constant('pax' as const),
        h: fc.nat(),
        key: fc.constantFrom('size', 'path', 'linkpath', 'mtime', 'x'),
        value: fc.oneof(
          fc.constantFrom('99999999999999999999', '1073741823', 'abc', '-1', '', '16777216', '512'),
          fc.string({ maxLength: 30 }),
        ),
      }),
    );
    await check(
      t,
      100,
      fc.asyncProperty(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (es) => {
        let buf = Buffer.from(raw);
        for (const e of es) {
          if (e.k === 'truncate') buf = buf.subarray(0, e.at % (buf.length + 1));
          else if (e.k === 'flip') {
            if (buf.length > 0) buf[e.at % buf.length] = e.v;
          } else {
            const h = headers[e.h % headers.length]!;
            if (h + 512 > buf.length) continue;
            if (e.k === 'header') {
              buf.set(e.bytes.subarray(0, 512 - e.f), h + e.f);
              if (e.fix) fixChecksum(buf, h);
            } else {
              buf = Buffer.concat([buf.subarray(0, h), paxEntry(e.key, e.value), buf.subarray(h)]);
            }
          }
        }
        await typedOrOk(async () =>
          loadSysfs(await tarVfs(gzipSync(buf), 'f.tar.gz'), { label: 'f.tar.gz' }),
        );
      }),
    );
  });
});

function fixChecksum(b: Buffer, o: number): void {
  b.fill(0x20, o + 148, o + 156);
  let sum = 0;
  for (let i = o; i < o + 512; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, o + 148, 'latin1');
}

function paxEntry(key: string, value: string): Buffer {
  const rest = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(rest) + 1;
  while (String(n).length + Buffer.byteLength(rest) !== n) n++;
  const body = Buffer.from(`${n}${rest}`);
  const h = Buffer.alloc(512);
  h.write('PaxHeader', 0);
  h.write('0000644\0', 100);
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('x', 156);
  h.write('ustar\0', 257);
  fixChecksum(h, 0);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}
