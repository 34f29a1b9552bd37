import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PeerdmaError } from '../errors/index.js';
import { packTarGz } from './snapshot.js';
import { craft } from './testing/tar-craft.js';
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

  it('a directory view (`at`) answers every name as the full path does', async () => {
    const fs = await tarVfs(sample(), 'a.tar.gz');
    const answer = (f: () => unknown) => {
      try {
        const v = f();
        return v instanceof Uint8Array ? [...v] : v;
      } catch (e) {
        return e instanceof PeerdmaError ? `${e.code} ${e.message} ${e.location.field}` : e;
      }
    };
    const whole = (h: { bytes: Uint8Array; size: number } | undefined) => {
      if (h === undefined) return undefined;
      const out = new Uint8Array(h.size);
      out.set(h.bytes);
      return out;
    };
    let dirs = 0;
    const visit = (dir: string) => {
      const view = fs.at!(dir)!;
      dirs++;
      const names = [...(fs.list(dir) ?? []), 'nothing', '', '.', '..', 'x/y', '../a/x', 'b/x'];
      for (const n of names) {
        const full = dir === '' ? n : n === '' ? dir : `${dir}/${n}`;
        for (const m of ['kind', 'list', 'readlink', 'read'] as const) {
          assert.deepEqual(
            answer(() => view[m](n)),
            answer(() => fs[m](full)),
            `${m} ${full}`,
          );
        }
        assert.deepEqual(
          answer(() => whole(view.readHeld!(n))),
          answer(() => fs.read(full)),
          full,
        );
        assert.equal(
          answer(() => view.at!(n) === undefined),
          answer(() => !fs.list(full)),
          full,
        );
      }
      for (const n of fs.list(dir) ?? []) {
        const full = dir === '' ? n : `${dir}/${n}`;
        if (fs.kind(full) === 'dir') visit(full);
      }
    };
    visit('');
    assert.equal(dirs, 5);
    // Through a link to a directory, and a view of a view.
    assert.equal(dec(fs.at!('m/sys/b')!.read('x')), 'hello\n');
    assert.equal(dec(fs.at!('m')!.at!('sys')!.read('c')), 'hello\n');
    assert.equal(fs.at!('m/sys/a/x'), undefined);
    assert.equal(fs.at!('m/nothing'), undefined);
  });

  it('a config held without its trailing zeros reads back whole', async () => {
    const config = new Uint8Array(4096);
    config.set([0x86, 0x80, 0x01, 0x02], 0);
    const fs = await tarVfs(
      packTarGz([{ path: 'sys/f/config', type: 'file', data: config }]),
      'a.tar.gz',
    );
    const held = fs.readHeld!('sys/f/config')!;
    assert.equal(held.size, 4096);
    assert.ok(held.bytes.length < 4096);
    assert.deepEqual([...held.bytes.subarray(0, 4)], [0x86, 0x80, 0x01, 0x02]);
    assert.deepEqual(fs.read('sys/f/config'), config);
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

  it('reads a path with `.`, `..` or `//` parts the way path.join spells it', () => {
    const fs = dirVfs(`${root}/`);
    const plain = fs.read('sys/devices/pci0000:00/0000:00:01.0/vendor');
    assert.equal(dec(plain), '0x8086\n');
    for (const odd of [
      'sys/bus/../devices/pci0000:00/0000:00:01.0/vendor',
      './sys/devices/pci0000:00/0000:00:01.0/vendor',
      'sys//devices/pci0000:00/0000:00:01.0/vendor',
    ]) {
      assert.deepEqual(fs.read(odd), plain, odd);
    }
  });
});

describe('tar reader on crafted archives', () => {
  const typed = (code: string, re?: RegExp) => (e: unknown) =>
    isCode(code)(e) && (re === undefined || re.test((e as Error).message));
  const withPaxSize = (size: string) =>
    Buffer.concat([craft.pax({ size }), craft.file('m/sys/a', 'hello'), craft.end()]);

  it('a pax size of 20 digits is a typed error, not a RangeError', () => {
    assert.throws(
      () => parseTar(withPaxSize('99999999999999999999'), 'a.tar.gz'),
      typed('E_PARSE', /pax size/),
    );
  });

  it('a pax size of 1 GiB is refused before anything is allocated for it', () => {
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(
      () => parseTar(withPaxSize('1073741823'), 'a.tar.gz'),
      typed('E_TOO_LARGE', /m\/sys\/a/),
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('a non-numeric or signed pax size is E_PARSE and never reaches the byte counters', () => {
    for (const s of ['abc', '-5', '1e3', '', ' 5', '0x10'])
      assert.throws(() => parseTar(withPaxSize(s), 'a.tar.gz'), typed('E_PARSE', /pax size/), s);
  });

  it('a pax size within limits replaces the header size', () => {
    const raw = Buffer.concat([
      craft.pax({ size: '3' }),
      craft.header('m/sys/a', 0),
      craft.body(Buffer.from('abc')),
      craft.end(),
    ]);
    const fs = memoryVfs(
      (() => {
        const r = new TarReader('a.tar.gz');
        r.push(raw);
        return r.end();
      })(),
      'a.tar.gz',
    );
    assert.equal(dec(fs.read('m/sys/a')), 'abc');
  });

  it('malformed pax records are E_PARSE', () => {
    const bad = Buffer.from('99 path=x\n');
    const raw = Buffer.concat([
      craft.header('PaxHeader/x', bad.length, 'x'),
      craft.body(bad),
      craft.end(),
    ]);
    assert.throws(() => parseTar(raw, 'a.tar.gz'), typed('E_PARSE', /pax record/));
  });

  it('a 1.8 MB .tar.gz of 30 × 60 MiB entries is refused at the first header, fast', async () => {
    const zlib = await import('node:zlib');
    const zeros = zlib.gzipSync(Buffer.alloc(60 * 1024 * 1024)); // one member, reused 30 times
    const parts: Buffer[] = [];
    for (let i = 0; i < 30; i++)
      parts.push(zlib.gzipSync(craft.header(`m/sys/f${i}`, 60 << 20)), zeros);
    parts.push(zlib.gzipSync(craft.end()));
    const bomb = Buffer.concat(parts);
    assert.ok(bomb.length < 3_000_000);
    const t0 = process.cpuUsage();
    await assert.rejects(tarVfs(bomb, 'a.tar.gz'), typed('E_TOO_LARGE', /m\/sys\/f0/));
    const cpu = process.cpuUsage(t0);
    assert.ok(cpu.user + cpu.system < 5_000_000, 'refused without unpacking the bodies');
  });

  it('entries under the one-file limit still cannot exceed the stream or resident limits', () => {
    const body = craft.body(Buffer.alloc(100_000, 0x41));
    const many = (dir: string, n: number) =>
      Buffer.concat([
        ...Array.from({ length: n }, (_, i) =>
          Buffer.concat([craft.header(`${dir}/f${i}`, 100_000), body]),
        ),
        craft.end(),
      ]);
    assert.throws(
      () => parseTar(many('m/sys', 20), 'a.tar.gz', { bytes: 1_000_000, entries: 100 }),
      typed('E_TOO_LARGE', /unpacks to more than/),
    );
    assert.throws(
      () =>
        parseTar(many('m/proc', 20), 'a.tar.gz', {
          bytes: 1 << 30,
          entries: 100,
          residentBytes: 500_000,
        }),
      typed('E_TOO_LARGE', /holds more than/),
    );
    // Sysfs attributes are held up to a page (64 KiB) each: what a live read returns.
    const r = new TarReader('a.tar.gz', { bytes: 1 << 30, entries: 100, residentBytes: 2_000_000 });
    r.push(many('m/sys', 20));
    assert.equal(memoryVfs(r.end(), 'a.tar.gz').read('m/sys/f3')?.length, 64 * 1024);
  });

  it('a GNU long name (L) names the next entry', () => {
    const long = `m/sys/${'x'.repeat(300)}`;
    const name = Buffer.from(`${long}\0`);
    const raw = Buffer.concat([
      craft.header('././@LongLink', name.length, 'L'),
      craft.body(name),
      craft.file('short', 'v\n'),
      craft.end(),
    ]);
    assert.deepEqual(parseTar(raw, 'a.tar.gz').at(-1), long);
  });
});

describe('tar reader agrees with node-tar', () => {
  it('same entries, link targets and bodies on generated archives (pax and GNU long names)', async () => {
    const fc = (await import('fast-check')).default;
    const { Parser } = await import('tar');
    const seg = fc.stringMatching(/^[a-z0-9:._-]{1,40}$/).filter((s) => s !== '.' && s !== '..');
    const entry = fc.record({
      path: fc.array(seg, { minLength: 1, maxLength: 6 }).map((a) => `m/${a.join('/')}`),
      body: fc.uint8Array({ maxLength: 3000 }),
      gnu: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entry, { minLength: 1, maxLength: 12, selector: (e) => e.path }),
        async (es) => {
          // Keep only leaves: a path that is also another's directory would be two kinds of entry.
          const leaves = es.filter((e) => !es.some((o) => o.path.startsWith(`${e.path}/`)));
          const parts: Buffer[] = [];
          for (const e of leaves) {
            const name = Buffer.from(`${e.path}\0`);
            if (e.path.length > 99 && e.gnu)
              parts.push(craft.header('././@LongLink', name.length, 'L'), craft.body(name));
            else if (e.path.length > 99) parts.push(craft.pax({ path: e.path }));
            parts.push(
              craft.header(e.path.slice(0, 99), e.body.length),
              craft.body(Buffer.from(e.body)),
            );
          }
          parts.push(craft.end());
          const raw = Buffer.concat(parts);
          const r = new TarReader('a.tar.gz');
          r.push(raw);
          const mine = memoryVfs(r.end(), 'a.tar.gz');
          const theirs = new Map<string, Buffer>();
          await new Promise<void>((resolve, reject) => {
            const p = new Parser({ strict: true });
            p.on('entry', (en) => {
              const chunks: Buffer[] = [];
              en.on('data', (c: Buffer) => chunks.push(c));
              en.on('end', () => theirs.set(en.path, Buffer.concat(chunks)));
            });
            p.on('error', reject);
            p.on('end', () => resolve());
            p.end(raw);
          });
          assert.equal(theirs.size, leaves.length);
          for (const [path, body] of theirs)
            assert.deepEqual(Buffer.from(mine.read(path) ?? []), body, path);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('dirVfs function directory view (`at`)', () => {
  const root = mkdtempSync(join(tmpdir(), 'peerdma-vfs-at-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fn = 'sys/devices/pci0000:00/0000:00:01.0';
  const dev = join(root, fn);
  mkdirSync(join(dev, 'net/eth0'), { recursive: true });
  const config = Buffer.alloc(4096 + 100);
  config.set([0x86, 0x80, 0x01, 0x02, 0, 0, 0, 7], 0);
  writeFileSync(join(dev, 'config'), config);
  writeFileSync(join(dev, 'vendor'), '0x8086\n');
  writeFileSync(join(dev, 'empty'), '');
  writeFileSync(join(dev, 'tail'), Buffer.concat([Buffer.alloc(4092), Buffer.from([5])]));
  writeFileSync(
    join(dev, 'mid'),
    Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 9]), Buffer.alloc(4090)]),
  );
  writeFileSync(join(dev, 'label'), 'café\n');
  writeFileSync(join(dev, 'rom'), 'rom');
  writeFileSync(join(dev, 'resource0'), 'bar');
  writeFileSync(join(dev, 'big'), Buffer.alloc(70_000, 0x41));
  symlinkSync('vendor', join(dev, 'alias'));
  symlinkSync('net', join(dev, 'netlink'));
  symlinkSync('nowhere', join(dev, 'dangling'));
  symlinkSync('loop2', join(dev, 'loop1'));
  symlinkSync('loop1', join(dev, 'loop2'));
  symlinkSync('/dev/zero', join(dev, 'zero'));
  symlinkSync('../../../kernel/iommu_groups/7', join(dev, 'iommu_group'));
  // Regular files whose reads fail as some sysfs attributes' do: EIO at offset 0, EINVAL.
  symlinkSync('/proc/self/mem', join(dev, 'eio'));
  symlinkSync('/proc/self/clear_refs', join(dev, 'einval'));

  it('answers every name as the full path does, odd entries included', async () => {
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('mkfifo', [join(dev, 'fifo')]).status, 0);
    const answer = (f: () => unknown) => {
      const v = f();
      return v instanceof Uint8Array ? [...v] : v;
    };
    const whole = (h: { bytes: Uint8Array; size: number } | undefined) => {
      if (h === undefined) return undefined;
      const out = new Uint8Array(h.size);
      out.set(h.bytes);
      return [...out];
    };
    const names = [
      ...(dirVfs(root).list(fn) ?? []),
      'nothing',
      '',
      '.',
      '..',
      'net/eth0',
      '../0000:00:01.0/vendor',
      'netlink/eth0',
    ];
    assert.ok(names.includes('fifo') && names.includes('loop1'));
    // A fresh pair per name and method: the view's listing must not lean on the other's lookups.
    for (const n of names) {
      const full = n === '' ? fn : `${fn}/${n}`;
      for (const m of ['kind', 'list', 'readlink', 'read'] as const) {
        const view = dirVfs(root).at!(fn)!;
        assert.deepEqual(
          answer(() => view[m](n)),
          answer(() => dirVfs(root)[m](full)),
          `${m} ${n}`,
        );
      }
      const view = dirVfs(root).at!(fn)!;
      assert.deepEqual(
        whole(view.readHeld!(n)),
        answer(() => dirVfs(root).read(full)),
        n,
      );
      assert.deepEqual(
        whole(dirVfs(root).readHeld!(full)),
        answer(() => dirVfs(root).read(full)),
      );
    }
  });

  it('holds a config without its trailing zeros; only function directories have a view', () => {
    const fs = dirVfs(root);
    const view = fs.at!(fn)!;
    const held = view.readHeld!('config')!;
    assert.equal(held.size, 4096);
    assert.deepEqual([...held.bytes], [0x86, 0x80, 0x01, 0x02, 0, 0, 0, 7]);
    assert.equal(view.read('big')?.length, 64 * 1024);
    assert.deepEqual(
      [view.readHeld!('tail')!.bytes.length, view.readHeld!('tail')!.size],
      [4093, 4093],
    );
    assert.deepEqual([...view.readHeld!('mid')!.bytes], [0, 0, 0, 0, 0, 9]);
    assert.equal(view.readHeld!('empty')!.bytes.length, 0);
    assert.equal(view.readText!('label'), 'café\n');
    assert.equal(view.read('rom'), undefined);
    assert.equal(view.read('resource0'), undefined);
    assert.equal(view.read('zero'), undefined);
    assert.equal(view.read('dangling'), undefined);
    for (const failing of ['eio', 'einval']) {
      assert.equal(view.kind(failing), 'link');
      assert.equal(view.read(failing), undefined, failing);
      assert.equal(view.readHeld!(failing), undefined, failing);
      assert.equal(view.readText!(failing), undefined, failing);
    }
    assert.equal(dec(view.read('vendor')), '0x8086\n', 'a failed read leaves the next one whole');
    assert.equal(view.readlink('iommu_group'), '../../../kernel/iommu_groups/7');
    assert.equal(view.readlink('vendor'), undefined);
    assert.equal(fs.at!('sys/devices/pci0000:00'), undefined);
    assert.equal(fs.at!(`${fn}/net`), undefined);
    assert.equal(fs.at!(`sys/../${fn}`), undefined);
  });
});

describe('dirVfs reads only regular files', () => {
  const root = mkdtempSync(join(tmpdir(), 'peerdma-vfs-special-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const dev = join(root, 'sys/devices/pci0000:00/0000:00:01.0');
  mkdirSync(dev, { recursive: true });
  writeFileSync(join(dev, 'class'), '0x020000\n');
  symlinkSync('/dev/zero', join(dev, 'vendor'));
  writeFileSync(join(dev, 'device'), Buffer.alloc(200_000, 0x41));

  it('an attribute symlinked to /dev/zero is refused without reading it', () => {
    const fs = dirVfs(root);
    const t0 = process.cpuUsage();
    assert.equal(fs.read('sys/devices/pci0000:00/0000:00:01.0/vendor'), undefined);
    const cpu = process.cpuUsage(t0);
    assert.ok(cpu.user + cpu.system < 200_000);
  });

  it('a FIFO at an attribute path neither blocks nor is read', async () => {
    const { spawnSync } = await import('node:child_process');
    const fifo = join(dev, 'revision');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo (coreutils) makes the FIFO');
    const fs = dirVfs(root);
    assert.equal(fs.kind('sys/devices/pci0000:00/0000:00:01.0/revision'), undefined);
    assert.equal(fs.read('sys/devices/pci0000:00/0000:00:01.0/revision'), undefined);
  });

  it('an attribute over a page is cut at 64 KiB, as a live read would be', () => {
    assert.equal(
      dirVfs(root).read('sys/devices/pci0000:00/0000:00:01.0/device')?.length,
      64 * 1024,
    );
    assert.equal(dec(dirVfs(root).read('sys/devices/pci0000:00/0000:00:01.0/class')), '0x020000\n');
  });
});

describe('dirVfs under the sysfs loader: attributes whose reads fail', () => {
  const root = mkdtempSync(join(tmpdir(), 'peerdma-vfs-eio-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const fn = 'sys/devices/pci0000:00/0000:00:02.0';
  const dev = join(root, fn);
  mkdirSync(dev, { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
  symlinkSync(`../../../../${fn}`, join(root, 'sys/bus/pci/devices/0000:00:02.0'));
  symlinkSync('/proc/self/mem', join(dev, 'config')); // EIO, as config past 64 bytes can be
  writeFileSync(join(dev, 'vendor'), '0x8086\n');
  writeFileSync(join(dev, 'device'), '0x1234\n');
  writeFileSync(join(dev, 'class'), '0x020000\n');
  symlinkSync('/proc/self/clear_refs', join(dev, 'numa_node')); // EINVAL

  it('a config that fails with EIO is no config; the ids come from the files', async () => {
    const { loadSysfs } = await import('../ingest/sysfs/index.js');
    const { fabric, warnings } = loadSysfs(dirVfs(root), { label: root });
    const f = fabric.functions.find((x) => x.bdf === '0000:00:02.0');
    assert.ok(f, 'the function is loaded');
    assert.equal(f.vendor, 0x8086);
    assert.equal(f.device, 0x1234);
    assert.equal(f.classCode, 0x020000);
    const codes = warnings.map((w) => w.code);
    assert.ok(codes.includes('sysfs-no-config'), codes.join(' '));
    assert.ok(
      warnings.some((w) => w.code === 'sysfs-missing-attr' && /numa_node/.test(w.message)),
      'an EINVAL numa_node reads as missing',
    );
  });
});
