import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { loadSource } from '../node/load.js';
import { paxFields } from '../node/vfs-tree.js';
import { topoJson } from '../report/topo.js';
import { loadFiles } from './load.js';
import { readTar, treeVfs } from './tar.js';

const ORACLE = '../shared/fixtures/kernel-oracle';
const HWLOC = '../shared/fixtures/hwloc/24em64t-2n6c2t-pci.xml';
const bytes = (p: string) => new Uint8Array(readFileSync(p));
/**
 * The tree as `topo --json` prints it, without pci.ids names: `--from` names sysfs devices from the
 * system's pci.ids, the browser has none (it shows `Device 8086:29c0`).
 */
const facts = (f: Parameters<typeof topoJson>[0]) =>
  JSON.parse(JSON.stringify(topoJson(f), (k, v) => (k === 'names' ? undefined : v))) as unknown;

/** A minimal ustar header + body (what `tar` writes), for hand-made archives. */
function entry(name: string, type: string, body = '', link = ''): Uint8Array {
  const data = new TextEncoder().encode(body);
  const h = new Uint8Array(512);
  const put = (s: string, at: number) => h.set(new TextEncoder().encode(s), at);
  put(name, 0);
  put('0000644\0', 100);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  put(type, 156);
  put(link, 157);
  put('ustar\x0000', 257);
  put('        ', 148);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const out = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
  out.set(h);
  out.set(data, 512);
  return out;
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('browser tar reader', () => {
  it('reads files, directories, symlinks and hard links', () => {
    const tar = cat(
      entry('a/', '5'),
      entry('a/x', '0', 'hello'),
      entry('a/l', '2', '', 'x'),
      entry('a/h', '1', '', 'a/x'),
      new Uint8Array(1024),
    );
    const vfs = treeVfs(readTar(tar, 't.tar'), 't.tar');
    assert.equal(vfs.kind('a'), 'dir');
    assert.equal(vfs.kind('a/l'), 'link');
    assert.equal(vfs.readlink('a/l'), 'x');
    assert.equal(new TextDecoder().decode(vfs.read('a/l')), 'hello');
    assert.equal(new TextDecoder().decode(vfs.read('a/h')), 'hello');
    assert.deepEqual(vfs.list('a'), ['h', 'l', 'x']);
  });

  it('refuses a bad checksum and a truncated body with E_PARSE naming the file', () => {
    const good = entry('f', '0', 'x'.repeat(600));
    const broken = good.slice();
    broken[0] = 0x5a;
    for (const [buf, re] of [
      [broken, /checksum/],
      [good.subarray(0, 700), /truncated/],
    ] as const) {
      assert.throws(
        () => readTar(buf, 'bad.tar'),
        (e: unknown) => e instanceof PeerdmaError && e.code === 'E_PARSE' && re.test(e.toLine()),
      );
    }
  });

  const pax = (text: string) =>
    paxFields(new TextEncoder().encode(text), 0, (m) => new PeerdmaError('E_PARSE', m));

  it('parses pax records', () => {
    const rec = (k: string, v: string) => {
      const body = ` ${k}=${v}\n`;
      let n = body.length + 2;
      if (String(n).length + body.length !== n) n++;
      return `${n}${body}`;
    };
    const m = pax(rec('path', 'a/very/long/name') + rec('size', '12'));
    assert.equal(m.path, 'a/very/long/name');
    assert.equal(m.size, 12);
  });

  it('pax record lengths count UTF-8 bytes; an empty path is no value', () => {
    const rec = (k: string, v: string) => {
      const bytes = new TextEncoder().encode(` ${k}=${v}\n`).length;
      let n = bytes + 1;
      while (String(n).length + bytes !== n) n++;
      return `${n} ${k}=${v}\n`;
    };
    const m = pax(rec('path', 'sys/é/ü') + rec('linkpath', ''));
    assert.equal(m.path, 'sys/é/ü');
    assert.equal('linkpath' in m, false);
  });
});

describe('loadFiles (dropped files) agrees with --from', { skip: !existsSync(ORACLE) }, () => {
  for (const dir of ['a-same-switch', 'c-iommu']) {
    it(`${dir}: snapshot .tar.gz`, async () => {
      const p = join(ORACLE, dir, 'sysfs.tar.gz');
      const web = await loadFiles([{ name: p, bytes: bytes(p) }]);
      const cli = await loadSource(p);
      assert.deepEqual(facts(web.fabric), facts(cli.fabric));
    });
    it(`${dir}: lspci tree + verbose dropped together`, async () => {
      const a = join(ORACLE, dir, 'lspci-tvnn.txt');
      const b = join(ORACLE, dir, 'lspci-vvvnn.txt');
      const web = await loadFiles([
        { name: a, bytes: bytes(a) },
        { name: b, bytes: bytes(b) },
      ]);
      assert.deepEqual(topoJson(web.fabric), topoJson((await loadSource(`${a},${b}`)).fabric));
    });
  }
  it('hwloc XML', async () => {
    const web = await loadFiles([{ name: HWLOC, bytes: bytes(HWLOC) }]);
    assert.deepEqual(topoJson(web.fabric), topoJson((await loadSource(HWLOC)).fabric));
  });
});

describe('loadFiles errors are the CLI one-liners', () => {
  const fails = async (files: { name: string; bytes: Uint8Array }[], code: string, re: RegExp) => {
    await assert.rejects(
      () => loadFiles(files),
      (e: unknown) => e instanceof PeerdmaError && e.code === code && re.test(e.toLine()),
    );
  };
  it('unknown text, corrupt gzip, non-UTF-8, bad spec', async () => {
    const t = (s: string) => new TextEncoder().encode(s);
    await fails([{ name: 'x.txt', bytes: t('hello\n') }], 'E_FORMAT_UNKNOWN', /^x\.txt:1: /);
    await fails(
      [{ name: 's.tar.gz', bytes: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]) }],
      'E_PARSE',
      /^s\.tar\.gz: /,
    );
    await fails([{ name: 'b.bin', bytes: new Uint8Array([0xff, 0xfe, 0x00]) }], 'E_PARSE', /UTF-8/);
    await fails(
      [{ name: 'm.yaml', bytes: t('peerdma: 1\nmachine: {name: x}\nbogus: 1\n') }],
      'E_SCHEMA',
      /^m\.yaml:3:1: .*unknown field 'bogus'/,
    );
  });
  it('a gzip that is not a tar is E_PARSE', async () => {
    const gz = new Uint8Array(gzipSync(Buffer.from('not a tar archive at all')));
    await fails([{ name: 'n.tar.gz', bytes: gz }], 'E_PARSE', /^n\.tar\.gz: /);
  });
});
