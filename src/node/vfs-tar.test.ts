import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readTar } from '../web/tar.js';
import { craft } from './testing/tar-craft.js';
import { TarReader } from './vfs-tar.js';
import { isDir, isLink, linkTarget, nodeBytes, type TreeDir } from './vfs-tree.js';

type Kind = 'file' | 'dir' | 'sym' | 'hard' | 'fifo' | 'dirlike';
interface Entry {
  kind: Kind;
  path: string;
  how: 'name' | 'prefix' | 'pax' | 'gnu';
  body: Uint8Array;
  target: string;
}

const TYPE: Record<Kind, string> = {
  file: '0',
  dir: '5',
  sym: '2',
  hard: '1',
  fifo: '6',
  dirlike: '0',
};

/** One entry as tar blocks, its path spelled through the name field, prefix, pax or GNU `L`. */
function blocks(e: Entry): Buffer[] {
  const path = e.kind === 'dirlike' ? `${e.path}/` : e.path;
  const body = e.kind === 'file' ? Buffer.from(e.body) : Buffer.alloc(0);
  const bytes = Buffer.from(path);
  const out: Buffer[] = [];
  let name = bytes;
  let prefix = Buffer.alloc(0);
  if (e.how === 'prefix') {
    const cut = path.lastIndexOf('/');
    if (cut > 0) {
      prefix = Buffer.from(path.slice(0, cut));
      name = Buffer.from(path.slice(cut + 1));
    }
  } else if (e.how === 'pax') {
    out.push(craft.pax({ path }));
    name = Buffer.from('ignored');
  } else if (e.how !== 'name') {
    const n = Buffer.from(`${path}\0`);
    out.push(craft.header('././@LongLink', n.length, 'L'), craft.body(n));
    name = Buffer.from('ignored');
  }
  out.push(
    craft.header(name, body.length, TYPE[e.kind], undefined, { prefix, link: e.target }),
    craft.body(body),
  );
  return out;
}

/** A tree as text: every path with its kind and contents, depth first, sorted. */
function dump(dir: TreeDir, root = dir, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of [...dir.kids.keys()].sort()) {
    const n = dir.kids.get(name)!;
    const p = `${prefix}/${name}`;
    if (isDir(n)) out.push(`${p} dir`, ...dump(n, root, p));
    else if (isLink(n)) out.push(`${p} -> ${linkTarget(n)}`);
    else out.push(`${p} = ${Buffer.from(nodeBytes(root, n)).toString('hex')}`);
  }
  return out;
}

describe('TarReader', () => {
  it('reads the same tree as the in-memory reader, odd paths and any piece sizes', () => {
    // Parts that exercise the byte path and every way off it: `.`, `..`, empty parts (`//`),
    // a non-ASCII name, names the reader treats specially (`proc`, `config`), long parts, a
    // part that starts another (`a`, `ab`).
    const part = fc.constantFrom('a', 'ab', 'proc', 'config', '.', '..', '', 'é', 'c'.repeat(70));
    const entry = fc.record({
      kind: fc.constantFrom<Kind>('file', 'file', 'file', 'dir', 'sym', 'hard', 'fifo', 'dirlike'),
      path: fc.array(part, { minLength: 1, maxLength: 5 }).map((a) => a.join('/')),
      how: fc.constantFrom<Entry['how']>('name', 'name', 'prefix', 'pax', 'gnu'),
      // Bodies ending in a long run of zeros too (held without it, read back whole), within
      // the 4096 bytes a config keeps.
      body: fc.oneof(
        fc.uint8Array({ maxLength: 1200 }),
        fc
          .tuple(fc.uint8Array({ maxLength: 700 }), fc.nat(3300))
          .map(([a, z]) => Buffer.concat([a, Buffer.alloc(z)])),
      ),
      target: fc.array(part, { minLength: 1, maxLength: 3 }).map((a) => a.join('/')),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 25 }),
        fc.integer({ min: 1, max: 3000 }),
        (es, piece) => {
          // The name field holds 100 bytes and the prefix 155: longer paths go through pax.
          const fits = (e: Entry) =>
            e.how === 'pax' ||
            e.how === 'gnu' ||
            (Buffer.byteLength(e.path) < 99 && Buffer.byteLength(e.target) < 99);
          const raw = Buffer.concat([...es.filter(fits).flatMap(blocks), Buffer.alloc(1024)]);
          // Either both read the same tree or both refuse with the same error (a hard link
          // through a symlink loop is E_PARSE in both).
          const outcome = (read: () => TreeDir) => {
            try {
              return dump(read());
            } catch (e) {
              return `${(e as { code?: string }).code}: ${(e as Error).message}`;
            }
          };
          const streamed = outcome(() => {
            const reader = new TarReader('a.tar');
            for (let o = 0; o < raw.length; o += piece) reader.push(raw.subarray(o, o + piece));
            return reader.end();
          });
          assert.deepEqual(
            streamed,
            outcome(() => readTar(raw, 'a.tar')),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a page of a sysfs attribute, 4096 bytes of config and 16 MiB under proc/', () => {
    const big = Buffer.alloc(100_000, 0x41);
    const raw = Buffer.concat([
      ...['m/sys/d/config', 'm/sys/d/vendor', 'm/proc/cpuinfo', 'proc/x', 'm/procs/y'].flatMap(
        (p) => [craft.header(p, big.length), craft.body(big)],
      ),
      Buffer.alloc(1024),
    ]);
    const r = new TarReader('a.tar');
    r.push(raw);
    const sizes = dump(r.end())
      .filter((l) => l.includes(' = '))
      .map((l) => {
        const [p, hex] = l.split(' = ');
        return `${p} ${hex!.length / 2}`;
      });
    assert.deepEqual(sizes, [
      '/m/proc/cpuinfo 100000',
      '/m/procs/y 65536',
      '/m/sys/d/config 4096',
      '/m/sys/d/vendor 65536',
      '/proc/x 100000',
    ]);
  });
});
