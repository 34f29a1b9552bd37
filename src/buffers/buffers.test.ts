import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PeerdmaError } from '../errors/index.js';
import { parseBufinfo, parseFdinfo } from './index.js';
import { type Era, type PrintedBuffer, printBufinfo, printFdinfo } from './testing/print.js';

/** CONSTRUCTED: an accelerator's HBM exported and attached by an RDMA NIC, and a CPU heap buffer. */
export const BUFS: readonly PrintedBuffer[] = [
  {
    size: 2097152,
    count: 3,
    exporter: 'habanalabs',
    ino: 41,
    name: 'hbm0',
    attached: ['0000:1a:00.0'],
    fence: ['habanalabs', 'hl-cs', 7, true],
  },
  { size: 4096, count: 1, exporter: 'system', ino: 42, attached: [] },
];

const ERAS: readonly Era[] = ['v4.12', 'v5.10', 'v5.18', 'v6.1'];

describe('bufinfo, every format the kernel printed', () => {
  for (const era of ERAS) {
    it(`${era}: objects, exporter, size, count, attached devices, fences`, () => {
      const b = parseBufinfo(printBufinfo(era, BUFS), 'bufinfo');
      assert.equal(
        b.format,
        era === 'v4.12' ? 'exp_name' : era === 'v6.1' ? 'exp_name+ino+name' : 'exp_name+ino',
      );
      assert.equal(b.objects.length, 2);
      const [hbm, heap] = b.objects;
      assert.equal(hbm!.size, 2097152n);
      assert.equal(hbm!.exporter, 'habanalabs');
      assert.equal(hbm!.count, 3);
      assert.equal(hbm!.flags, 2);
      assert.equal(hbm!.mode, 0x2080007);
      assert.deepEqual(hbm!.attached, ['0000:1a:00.0']);
      assert.equal(hbm!.fences.length, 1);
      assert.equal(hbm!.ino, era === 'v4.12' ? null : 41);
      assert.equal(hbm!.name, era === 'v4.12' ? null : 'hbm0');
      assert.equal(heap!.name, null); // "" before v6.0, "<none>" after
      assert.deepEqual(heap!.attached, []);
      assert.deepEqual(b.total, { objects: 2, bytes: 2101248n });
    });
  }

  it('an empty machine: header and total only', () => {
    const b = parseBufinfo(printBufinfo('v6.1', []), 'bufinfo');
    assert.deepEqual(b.objects, []);
    assert.deepEqual(b.total, { objects: 0, bytes: 0n });
  });

  it('a malformed line is one E_PARSE naming the file and line', () => {
    const good = printBufinfo('v6.1', BUFS).split('\n');
    const cases: [number, string][] = [
      [3, 'not a row'],
      [3, '0002097x\t00000002\t02080007\t00000003\thabanalabs\t00000041\thbm0'],
      [7, 'Total 5 devices attached'],
      [1, 'size flags'],
    ];
    for (const [at, bad] of cases) {
      const lines = [...good];
      lines[at] = bad;
      assert.throws(
        () => parseBufinfo(lines.join('\n'), '/sys/kernel/debug/dma_buf/bufinfo'),
        (e: unknown) =>
          e instanceof PeerdmaError &&
          e.code === 'E_PARSE' &&
          e.location?.file === '/sys/kernel/debug/dma_buf/bufinfo' &&
          e.location.line === at + 1,
        `line ${at + 1}: ${bad}`,
      );
    }
  });

  it('property: whatever buffers a v6.1 kernel prints parse back', () => {
    const buf = fc.record({
      size: fc.integer({ min: 1, max: 2 ** 40 }),
      count: fc.integer({ min: 1, max: 999 }),
      exporter: fc.constantFrom('habanalabs', 'amdgpu', 'system', 'i915', 'qcom,system'),
      ino: fc.integer({ min: 1, max: 10 ** 7 }),
      name: fc.option(fc.stringMatching(/^[A-Za-z0-9_ .:-]{1,31}$/), { nil: undefined }),
      attached: fc.array(fc.constantFrom('0000:1a:00.0', '0000:3b:00.1', 'ff600000.gpu'), {
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(fc.array(buf, { maxLength: 6 }), (bufs) => {
        const b = parseBufinfo(printBufinfo('v6.1', bufs), 'x');
        assert.equal(b.objects.length, bufs.length);
        bufs.forEach((p, k) => {
          const o = b.objects[k]!;
          assert.equal(o.size, BigInt(p.size));
          assert.equal(o.ino, p.ino);
          assert.equal(o.name, p.name === '<none>' ? null : (p.name ?? null));
          assert.deepEqual(o.attached, p.attached);
        });
      }),
    );
  });
});

describe('fdinfo of a dma-buf fd', () => {
  it('size, count, exp_name, name and ino', () => {
    const f = parseFdinfo(printFdinfo(BUFS[0]!, 2), '/proc/7/fdinfo/5');
    assert.deepEqual(f, {
      size: 2097152n,
      count: 2,
      exporter: 'habanalabs',
      name: 'hbm0',
      ino: 41,
      flags: 0o2000002,
    });
    assert.equal(parseFdinfo(printFdinfo(BUFS[1]!, 1), 'x')?.name, null);
  });

  it('not a dma-buf fd → null; a malformed line → E_PARSE naming file and line', () => {
    assert.equal(parseFdinfo('pos:\t0\nflags:\t02\nmnt_id:\t9\n', 'x'), null);
    assert.throws(
      () => parseFdinfo('pos:\t0\nsize 4096\nexp_name:\tsystem\n', '/proc/7/fdinfo/5'),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.location?.file === '/proc/7/fdinfo/5' &&
        e.location.line === 2,
    );
    assert.throws(
      () => parseFdinfo('size:\tbig\ncount:\t1\nexp_name:\tsystem\n', 'f'),
      (e: unknown) => e instanceof PeerdmaError && e.location?.line === 1,
    );
  });
});
