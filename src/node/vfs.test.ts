import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { packTarGz } from './snapshot.js';
import { dirVfs, memoryVfs, parseTar, tarVfs } from './vfs.js';
import { TarReader } from './vfs-tar.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const isCode = (code: string) => (e: unknown) =>
  e instanceof PeerdmaError && e.code === code && e.location.file === 'a.tar.gz';

const sample = () =>
  packTarGz([
    { path: 'm/sys/a', type: 'dir' },
    { path: 'm/sys/a/x', type: 'file', data: enc('hello\n') },
    { path: 'm/sys/b', type: 'link', target: '../sys/a' },
    { path: 'm/sys/c', type: 'link', target: '/m/sys/b/x' },
    { path: `m/sys/${'d'.repeat(150)}/${'e'.repeat(120)}`, type: 'file', data: enc('long') },
    { path: 'm/sys/loop1', type: 'link', target: 'loop2' },
    { path: 'm/sys/loop2', type: 'link', target: 'loop1' },
  ]);

describe('tarVfs', () => {
  it('keeps symlinks and follows relative and absolute ones', async () => {
    const fs = await tarVfs(sample(), 'a.tar.gz');
    assert.equal(fs.kind('m/sys/b'), 'link');
    assert.equal(fs.readlink('m/sys/b'), '../sys/a');
    assert.equal(dec(fs.read('m/sys/b/x')), 'hello\n');
    assert.equal(dec(fs.read('m/sys/c')), 'hello\n');
    assert.equal(fs.kind('m/sys/b/x'), 'file');
    assert.deepEqual(fs.list('m/sys/b'), ['x']);
    assert.deepEqual(fs.list(''), ['m']);
    assert.equal(fs.kind('m'), 'dir'); // implied parent
    assert.equal(fs.read('m/sys/nothing'), undefined);
  });

  it('reads paths longer than ustar allows (pax)', async () => {
    const fs = await tarVfs(sample(), 'a.tar.gz');
    assert.equal(dec(fs.read(`m/sys/${'d'.repeat(150)}/${'e'.repeat(120)}`)), 'long');
  });

  it('a symlink loop is a typed error', async () => {
    const fs = await tarVfs(sample(), 'a.tar.gz');
    assert.throws(
      () => fs.read('m/sys/loop1'),
      (e: unknown) => e instanceof PeerdmaError && /symlink loop/.test(e.message),
    );
  });

  it('corrupt gzip, truncated gzip and a non-tar payload are E_PARSE naming the archive', async () => {
    const good = sample();
    const flipped = good.slice();
    flipped[20] = flipped[20]! ^ 0xff;
    await assert.rejects(tarVfs(flipped, 'a.tar.gz'), isCode('E_PARSE'));
    await assert.rejects(tarVfs(good.subarray(0, good.length - 30), 'a.tar.gz'), isCode('E_PARSE'));
    await assert.rejects(tarVfs(gzipSync(Buffer.alloc(2048, 0x41)), 'a.tar.gz'), isCode('E_PARSE'));
  });

  it('reads the same tree whatever the sizes of the pieces the stream arrives in', async () => {
    const { gunzipSync } = await import('node:zlib');
    const body = new Uint8Array(5000).map((_, i) => (i * 7) % 251);
    const raw = Buffer.from(
      gunzipSync(
        packTarGz([
          { path: 'm/sys/big', type: 'file', data: body },
          { path: 'm/sys/small', type: 'file', data: enc('x\n') },
        ]),
      ),
    );
    for (const piece of [1, 7, 511, 513, 4096]) {
      const reader = new TarReader('a.tar.gz');
      for (let o = 0; o < raw.length; o += piece) reader.push(raw.subarray(o, o + piece));
      const fs = memoryVfs(reader.end(), 'a.tar.gz');
      assert.deepEqual(fs.read('m/sys/big'), body, `pieces of ${piece}`);
      assert.equal(dec(fs.read('m/sys/small')), 'x\n', `pieces of ${piece}`);
    }
  });

  it('refuses one member over the per-file limit before reading its body', () => {
    const raw = Buffer.alloc(512);
    // A ustar header claiming a 100 MiB member, with no body at all.
    raw.write('m/sys/huge', 0);
    raw.write('0000644\0', 100);
    raw.write(`${(100 * 1024 * 1024).toString(8).padStart(11, '0')}\0`, 124);
    raw.write('0', 156);
    raw.write('        ', 148);
    let sum = 0;
    for (const b of raw) sum += b;
    raw.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    assert.throws(
      () => parseTar(raw, 'a.tar.gz', { bytes: 1 << 30, entries: 10, entryBytes: 1 << 20 }),
      (e: unknown) => isCode('E_TOO_LARGE')(e) && /m\/sys\/huge/.test((e as Error).message),
    );
  });

  it('refuses archives over the entry or size limits (E_TOO_LARGE)', async () => {
    const raw = Buffer.from((await import('node:zlib')).gunzipSync(sample()));
    assert.throws(
      () => parseTar(raw, 'a.tar.gz', { bytes: 1 << 30, entries: 3 }),
      isCode('E_TOO_LARGE'),
    );
    assert.throws(
      () => parseTar(raw, 'a.tar.gz', { bytes: 5, entries: 100 }),
      isCode('E_TOO_LARGE'),
    );
  });
});

describe('dirVfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'peerdma-vfs-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const dev = join(root, 'sys/devices/pci0000:00/0000:00:01.0');
  mkdirSync(dev, { recursive: true });
  writeFileSync(join(dev, 'config'), Buffer.alloc(5000, 1));
  writeFileSync(join(dev, 'resource0'), 'bar memory');
  writeFileSync(join(dev, 'rom'), 'rom');
  writeFileSync(join(dev, 'vendor'), '0x8086\n');
  mkdirSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
  symlinkSync(
    '../../../devices/pci0000:00/0000:00:01.0',
    join(root, 'sys/bus/pci/devices/0000:00:01.0'),
  );

  it('reads files and links, never resourceN or rom, config capped at 4096 bytes', () => {
    const fs = dirVfs(root);
    assert.equal(fs.kind('sys/bus/pci/devices/0000:00:01.0'), 'link');
    assert.equal(dec(fs.read('sys/bus/pci/devices/0000:00:01.0/vendor')), '0x8086\n');
    assert.equal(fs.read('sys/devices/pci0000:00/0000:00:01.0/config')?.length, 4096);
    assert.equal(fs.read('sys/devices/pci0000:00/0000:00:01.0/resource0'), undefined);
    assert.equal(fs.read('sys/devices/pci0000:00/0000:00:01.0/rom'), undefined);
    assert.deepEqual(fs.list('sys/bus/pci/devices'), ['0000:00:01.0']);
    assert.equal(fs.kind('nope'), undefined);
  });
});
