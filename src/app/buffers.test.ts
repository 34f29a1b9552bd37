/**
 * `buffers` over a CONSTRUCTED capture: the c-iommu oracle machine (a real 6.1 kernel's sysfs) with
 * bufinfo and dma-buf fds planted in the exact formats the kernel prints
 * (src/buffers/testing/print.ts). Verdicts per attachment are the real kernel's (verdicts.json).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { x as extract } from 'tar';
import { type PrintedBuffer, printBufinfo, printFdinfo } from '../buffers/testing/print.js';
import { PeerdmaError } from '../errors/index.js';
import { SHARED } from '../ingest/sysfs/testing/fixtures.js';
import { LOCAL_HOST } from '../node/host.js';
import { snapshotWithStats } from '../node/snapshot.js';
import { buffers } from './buffers.js';

const tmp = mkdtempSync(join(tmpdir(), 'peerdma-bufs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ORACLE = join(SHARED, 'fixtures/kernel-oracle/c-iommu');

const BUFS: readonly PrintedBuffer[] = [
  // ivshmem BAR memory exported by the oracle's driver, attached by the NVMe and the e1000e NIC.
  {
    size: 2097152,
    count: 2,
    exporter: 'p2poracle_ivshmem',
    ino: 7,
    name: 'bar2',
    attached: ['0000:04:00.0', '0000:05:00.0'],
  },
  { size: 8192, count: 1, exporter: 'system', ino: 9, attached: [] },
];

async function machine(name: string, opts: { debugfs: boolean; bad?: string }): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  await extract({ file: join(ORACLE, 'sysfs.tar.gz'), cwd: dir });
  if (opts.debugfs) {
    mkdirSync(join(dir, 'sys/kernel/debug/dma_buf'), { recursive: true });
    writeFileSync(
      join(dir, 'sys/kernel/debug/dma_buf/bufinfo'),
      opts.bad ?? printBufinfo('v6.1', BUFS),
    );
  }
  const proc = join(dir, 'proc/4242');
  mkdirSync(join(proc, 'fd'), { recursive: true });
  mkdirSync(join(proc, 'fdinfo'), { recursive: true });
  writeFileSync(join(proc, 'comm'), 'trainer\n');
  symlinkSync('/dmabuf:bar2', join(proc, 'fd/5'));
  symlinkSync('/dev/null', join(proc, 'fd/0'));
  writeFileSync(join(proc, 'fdinfo/5'), printFdinfo(BUFS[0]!, 1));
  writeFileSync(join(proc, 'fdinfo/0'), 'pos:\t0\nflags:\t02\nmnt_id:\t9\n');
  return dir;
}

const oracle = JSON.parse(readFileSync(join(ORACLE, 'verdicts.json'), 'utf8')) as {
  pairs: { provider: string; client: string; distance: number }[];
};
const kernelDistance = (p: string, c: string) =>
  oracle.pairs.find((x) => x.provider === p && x.client === c)!.distance;

describe('peerdma buffers', () => {
  it('objects, exporter device, holders, p2pmem, and the real kernel verdict per attachment', async () => {
    const rec = await buffers(
      {
        from: await machine('full', { debugfs: true }),
        rules: 'linux-6.1',
      },
      LOCAL_HOST,
    );
    assert.equal(rec.buffers.length, 2);
    const b = rec.buffers[0]!;
    assert.equal(b.exporter, 'p2poracle_ivshmem');
    assert.equal(b.source, 'bufinfo');
    assert.deepEqual(b.holders, [{ pid: 4242, comm: 'trainer', fd: 5 }]);
    // Three functions run the oracle driver: each is a candidate exporter.
    assert.deepEqual(b.exporterDevices, ['0000:03:00.0', '0000:06:00.0', '0000:07:00.0']);
    for (const a of b.attachments!) {
      assert.ok(a.bdf !== null);
      for (const v of a.verdicts)
        assert.equal(
          v.distance ?? 'uncertain',
          kernelDistance(v.exporter, a.bdf!),
          `${v.exporter} → ${a.bdf}`,
        );
    }
    // The capture's own p2pmem (a real 6.1 kernel): the NVMe CMB has 64 KiB in use.
    assert.equal(rec.p2pmem.length, 4);
    assert.deepEqual(rec.p2pmem[1], {
      bdf: '0000:04:00.0',
      size: 2097152n,
      available: 2031616n,
      published: true,
    });
    assert.deepEqual(rec.notes, []);
  });

  it('no debugfs: a stated fact, the fds still list what they hold', async () => {
    const rec = await buffers({ from: await machine('nodebug', { debugfs: false }) }, LOCAL_HOST);
    assert.equal(rec.buffers.length, 1);
    assert.equal(rec.buffers[0]!.source, 'fdinfo');
    assert.equal(rec.buffers[0]!.attachments, null);
    assert.equal(rec.buffers[0]!.name, 'bar2');
    assert.match(rec.notes.join('\n'), /debug/);
  });

  it('a malformed bufinfo line is one E_PARSE naming the file and line', async () => {
    const bad = printBufinfo('v6.1', BUFS).replace('00008192\t', '0000819x\t');
    const from = await machine('bad', { debugfs: true, bad });
    await assert.rejects(buffers({ from }, LOCAL_HOST), (e: unknown) => {
      assert.ok(e instanceof PeerdmaError);
      assert.equal(e.code, 'E_PARSE');
      assert.match(e.location?.file ?? '', /dma_buf\/bufinfo$/);
      assert.equal(
        e.location?.line,
        bad.split('\n').findIndex((l) => l.startsWith('0000819x')) + 1,
      );
      return true;
    });
  });

  it('a snapshot captures them and reads the same; example machines are refused', async () => {
    const dir = await machine('snap', { debugfs: true });
    const snap = await snapshotWithStats(dir, []);
    assert.deepEqual(snap.notes, []);
    const file = join(tmp, 'snap.tar.gz');
    writeFileSync(file, snap.bytes);
    const live = await buffers({ from: dir }, LOCAL_HOST);
    const archived = await buffers({ from: file }, LOCAL_HOST);
    assert.deepEqual(archived, live);
    await assert.rejects(
      buffers({ from: 'example:default' }, LOCAL_HOST),
      /live machine or a snapshot/,
    );
  });
});
