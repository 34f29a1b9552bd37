import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DmaPort } from '../dma-port.js';
import { ramBus } from '../testing/ram-bus.js';
import { RdmaNic } from './nic.js';
import { trimToWindow } from './umem-trim.js';
import {
  IBV_ACCESS as A,
  checkMrAccess,
  validateRegDmabufMr,
  validateUmemOverflow,
  validateUmemPages,
} from './verbs.js';

const dev = { supportsDmabuf: true, odp: true };
const reg = (access: number, offset = 0n, iova = 0n) =>
  validateRegDmabufMr({ offset, length: 4096n, iova, fd: 3, access }, dev);
const errno = (r: { ok: boolean; errno?: string }) => (r.ok ? null : r.errno);

// [name, result errno] — spec §6.2 and rdma-core access rules
const table: [string, () => { ok: boolean; errno?: string }, string | null][] = [
  ['LOCAL_WRITE|REMOTE_WRITE ok', () => reg(A.LOCAL_WRITE | A.REMOTE_WRITE), null],
  ['REMOTE_WRITE without LOCAL_WRITE', () => reg(A.REMOTE_WRITE), 'EINVAL'],
  ['REMOTE_ATOMIC without LOCAL_WRITE', () => reg(A.REMOTE_ATOMIC), 'EINVAL'],
  ['REMOTE_READ alone ok', () => reg(A.REMOTE_READ), null],
  ['ON_DEMAND refused for dma-buf MRs', () => reg(A.LOCAL_WRITE | A.ON_DEMAND), 'EINVAL'],
  ['MW_BIND refused for dma-buf MRs', () => reg(A.MW_BIND), 'EINVAL'],
  ['RELAXED_ORDERING accepted', () => reg(A.RELAXED_ORDERING), null],
  ['offset/iova page offsets differ', () => reg(A.LOCAL_WRITE, 0x10n, 0x20n), 'EINVAL'],
  ['offset/iova page offsets agree', () => reg(A.LOCAL_WRITE, 0x1010n, 0x7000_0010n), null],
  [
    'device without dma-buf support',
    () =>
      validateRegDmabufMr(
        { offset: 0n, length: 1n, iova: 0n, fd: 3, access: 0 },
        { supportsDmabuf: false, odp: false },
      ),
    'EOPNOTSUPP',
  ],
  [
    'ON_DEMAND on a non-ODP device (reg_mr)',
    () => checkMrAccess(A.LOCAL_WRITE | A.ON_DEMAND, false),
    'EOPNOTSUPP',
  ],
  ['unknown access bit (reg_mr)', () => checkMrAccess(1 << 12, true), 'EINVAL'],
  ['umem range overflows', () => validateUmemOverflow((1n << 64n) - 4096n, 8192n), 'EINVAL'],
  ['umem of zero length covers no pages', () => validateUmemPages(4096n, 0n), 'EINVAL'],
];
for (const [name, run, want] of table) {
  test(`verbs: ${name} → ${want ?? 'ok'}`, () => assert.equal(errno(run()), want));
}

test('umem trim: window inside one segment, and across three', () => {
  const segs = [
    { dmaAddress: 0x10000n, dmaLength: 0x4000n },
    { dmaAddress: 0x90000n, dmaLength: 0x4000n },
    { dmaAddress: 0x50000n, dmaLength: 0x4000n },
  ];
  const one = trimToWindow(segs, 0x1800n, 0x100n);
  assert.deepEqual(one.segs, [{ dmaAddress: 0x11000n, dmaLength: 0x1000n }]);
  assert.equal(one.firstAdjust, 0x1000n);
  assert.equal(one.lastTrim, 0x2000n);
  const three = trimToWindow(segs, 0x3000n, 0x6000n);
  assert.equal(three.first, 0);
  assert.deepEqual(three.segs, [
    { dmaAddress: 0x13000n, dmaLength: 0x1000n },
    { dmaAddress: 0x90000n, dmaLength: 0x4000n },
    { dmaAddress: 0x50000n, dmaLength: 0x1000n },
  ]);
});

function twoNics() {
  const { bus, ram } = ramBus(0n, 1n << 30n);
  return {
    ram,
    a: new RdmaNic('a', new DmaPort('a', bus)),
    b: new RdmaNic('b', new DmaPort('b', bus)),
  };
}

test('RDMA WRITE and READ move bytes between host MRs; key and access checks', () => {
  const { ram, a, b } = twoNics();
  const pa = a.allocPd();
  const pb = b.allocPd();
  ram.write(0x1000n, new TextEncoder().encode('hello'));
  const src = a.regHostMr(pa, 0x1000n, 0x1000n, A.LOCAL_WRITE);
  const dst = b.regHostMr(pb, 0x8000n, 0x1000n, A.LOCAL_WRITE | A.REMOTE_WRITE | A.REMOTE_READ);
  const ro = b.regHostMr(pb, 0x9000n, 0x1000n, A.REMOTE_READ);
  assert.ok(src.ok && dst.ok && ro.ok);
  // 5 bytes from `addr` in a's MR to/from `remoteAddr` in b's.
  const post = (
    wrId: number,
    opcode: 'RDMA_WRITE' | 'RDMA_READ',
    addr: bigint,
    remoteAddr: bigint,
    rkey: number,
  ) =>
    a.postSend(
      pa,
      { wrId, opcode, sgList: [{ addr, length: 5, lkey: src.value.lkey }], remoteAddr, rkey },
      b,
    );
  const wc = post(1, 'RDMA_WRITE', 0x1000n, 0x8010n, dst.value.rkey);
  assert.equal(wc.status, 'IBV_WC_SUCCESS');
  assert.equal(new TextDecoder().decode(ram.read(0x8010n, 5)), 'hello');
  const denied = post(2, 'RDMA_WRITE', 0x1000n, 0x9000n, ro.value.rkey);
  assert.equal(denied.status, 'IBV_WC_REM_ACCESS_ERR');
  const outOfRange = post(3, 'RDMA_WRITE', 0x1ffen, 0x8000n, dst.value.rkey);
  assert.equal(outOfRange.status, 'IBV_WC_LOC_PROT_ERR');
  const rd = post(4, 'RDMA_READ', 0x1100n, 0x8010n, dst.value.rkey);
  assert.equal(rd.status, 'IBV_WC_SUCCESS');
  assert.equal(new TextDecoder().decode(ram.read(0x1100n, 5)), 'hello');
  assert.equal(b.deallocPd(pb).ok, false);
  for (const m of [dst, ro]) if (m.ok) b.deregMr(m.value);
  if (src.ok) a.deregMr(src.value);
  assert.equal(b.deallocPd(pb).ok, true);
  assert.equal(a.liveMrs + b.liveMrs, 0);
});
