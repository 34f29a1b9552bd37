import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../../core/errno.js';
import { regDmabufMr } from '../rdma/dmabuf-mr.js';
import { IBV_ACCESS as A } from '../rdma/verbs.js';
import { DriverRig } from '../rig.js';
import { driverFabric } from '../testing/fabric.js';
import { testWorld } from '../testing/world.js';
import { SZ_2M } from './allocator.js';
import { accelExportSink } from './exporter.js';
import { HL_MEM_OP, O_CLOEXEC, O_RDWR } from './uapi.js';

function setup(distance = 0) {
  const fabric = driverFabric();
  const w = testWorld(fabric, { distance: () => distance });
  const rig = new DriverRig(w.env);
  w.k.registerLeakProbe('rig', () => rig.leftovers());
  const accelFn = fabric.resolve('accel0');
  const nicFn = fabric.resolve('nic0');
  const accel = rig.addAccel(accelFn);
  const nic = rig.addNic(nicFn);
  const owner = w.k.spawn('trainer');
  const peer = w.k.spawn('rdma-app');
  return { fabric, w, rig, accel, nic, nicFn, owner, peer };
}

function exportBuffer(s: ReturnType<typeof setup>, size = 4n * SZ_2M) {
  const sink = accelExportSink(s.w.env, s.owner);
  const h = unwrap(s.accel.memIoctl({ op: HL_MEM_OP.ALLOC, size, flags: 0 }, sink)).handle!;
  const va = unwrap(s.accel.memIoctl({ op: HL_MEM_OP.MAP, handle: h, flags: 0 }, sink))
    .deviceVirtAddr!;
  const fd = unwrap(
    s.accel.memIoctl(
      {
        op: HL_MEM_OP.EXPORT_DMABUF_FD,
        addr: va,
        memSize: size,
        offset: 0n,
        flags: O_RDWR | O_CLOEXEC,
      },
      sink,
    ),
  ).fd!;
  return { h, va, fd, sink };
}

for (const mode of ['pinned', 'dynamic'] as const) {
  test(`export → pass fd → ${mode} dma-buf MR → RDMA WRITE lands in HBM → teardown is pristine`, () => {
    const s = setup();
    const { h, va, fd, sink } = exportBuffer(s);
    const peerFd = unwrap(s.w.k.procs.passFd(s.owner, fd, s.peer));
    const pd = s.nic.allocPd();
    const access = A.LOCAL_WRITE | A.REMOTE_WRITE | A.REMOTE_READ;
    const reg = unwrap(
      regDmabufMr(
        s.w.env,
        s.nic,
        s.nicFn,
        s.peer,
        pd,
        { offset: SZ_2M, length: 2n * SZ_2M, iova: 0x7f00_0000_0000n, fd: peerFd, access },
        mode,
      ),
    );
    assert.equal(reg.mr.addr, SZ_2M); // ibv_mr.addr is the offset, not the iova
    // A host buffer to send from.
    const page = unwrap(s.w.env.ram.allocPages(1));
    const msg = new TextEncoder().encode('founding mail: ring and doorbell');
    s.w.env.ram.write(page[0]!, msg);
    const src = unwrap(s.nic.regHostMr(pd, page[0]!, 4096n, A.LOCAL_WRITE));
    // Write across the 2 MiB page boundary inside the MR window.
    const remote = 0x7f00_0000_0000n + SZ_2M - 10n;
    const wc = s.nic.postSend(
      pd,
      {
        wrId: 1,
        opcode: 'RDMA_WRITE',
        sgList: [{ addr: page[0]!, length: msg.length, lkey: src.lkey }],
        remoteAddr: remote,
        rkey: reg.mr.rkey,
      },
      s.nic,
    );
    assert.equal(wc.status, 'IBV_WC_SUCCESS');
    // Accelerator side: device address of buffer byte (offset + SZ_2M - 10).
    const pack = s.accel.alloc.get(h)!;
    const at = 2n * SZ_2M - 10n;
    const pageIdx = Number(at / SZ_2M);
    const dev = pack.pages[pageIdx]! + (at % SZ_2M);
    const first = s.accel.hbm.read(s.accel.hbmOffset(dev), 10);
    assert.deepEqual(first, msg.subarray(0, 10));
    const devNext = pack.pages[pageIdx + 1]!;
    assert.deepEqual(
      s.accel.hbm.read(s.accel.hbmOffset(devNext), msg.length - 10),
      msg.subarray(10),
    );
    // RDMA READ back into host memory.
    const rd = s.nic.postSend(
      pd,
      {
        wrId: 2,
        opcode: 'RDMA_READ',
        sgList: [{ addr: page[0]! + 100n, length: msg.length, lkey: src.lkey }],
        remoteAddr: remote,
        rkey: reg.mr.rkey,
      },
      s.nic,
    );
    assert.equal(rd.status, 'IBV_WC_SUCCESS');
    assert.deepEqual(s.w.env.ram.read(page[0]! + 100n, msg.length), msg);
    // Teardown mirrors setup.
    s.nic.deregMr(src);
    s.nic.deregMr(reg.mr);
    unwrap(s.nic.deallocPd(pd));
    s.w.env.ram.freePages(page);
    unwrap(s.peer.close(peerFd));
    unwrap(s.owner.close(fd));
    unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
    unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
    assert.deepEqual(s.rig.leftovers(), []);
    assert.deepEqual(s.w.k.checkPristine(), []);
    assert.equal(s.w.k.violations.all.length, 0, JSON.stringify(s.w.k.violations.all));
  });
}

test('non-P2P importer: attach succeeds, map fails with -EPERM (spec §6.8.3)', () => {
  const s = setup(-1);
  const { fd, va, h, sink } = exportBuffer(s, SZ_2M);
  const pd = s.nic.allocPd();
  const r = regDmabufMr(
    s.w.env,
    s.nic,
    s.nicFn,
    s.owner,
    pd,
    { offset: 0n, length: SZ_2M, iova: 0n, fd, access: A.LOCAL_WRITE },
    'dynamic',
  );
  assert.equal(r.ok ? null : r.errno, 'EPERM');
  assert.deepEqual(
    s.w.env.findings.map((f) => f.code),
    ['p2p_refused_at_map'],
  );
  assert.ok(s.w.k.log.some((l) => l.text.includes('Failed to map dmabuf because p2p is disabled')));
  unwrap(s.nic.deallocPd(pd));
  unwrap(s.owner.close(fd));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(s.w.k.checkPristine(), []);
});

test('map cuts by the importer max segment size', () => {
  const s = setup();
  const { fd, va, h, sink } = exportBuffer(s, 2n * SZ_2M);
  const b = unwrap(s.w.env.core.get(s.owner, fd));
  const small = s.w.env.dmaDevice(s.nicFn);
  const dev = { ...small, dma: { ...small.dma!, maxSegSize: 65536n + 100n } };
  const a = unwrap(
    s.w.env.core.dynamicAttach(b, dev, { allow_peer2peer: true, move_notify: () => {} }),
  );
  const sgt = s.w.env.core.withLock(b, () => unwrap(s.w.env.core.mapAttachment(a, 0)));
  assert.equal(sgt.dma.length, 64); // 4 MiB / 64 KiB (max seg rounded down to PAGE_SIZE)
  assert.equal(sgt.cpu.length, 0);
  s.w.env.core.withLock(b, () => s.w.env.core.unmapAttachment(a, sgt, 0));
  s.w.env.core.detach(b, a);
  s.w.env.core.put(b);
  unwrap(s.owner.close(fd));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(s.w.k.checkPristine(), []);
});

test('ib_umem_dmabuf_get: check order and errnos (spec §6.3), revoke (§6.6)', async () => {
  const { umemDmabufGet, umemMapPages, umemRelease, umemRevoke } = await import(
    '../rdma/umem-dmabuf.js'
  );
  const s = setup();
  const { fd, va, h, sink } = exportBuffer(s, SZ_2M);
  const ops = { allow_peer2peer: true, move_notify: () => {} };
  const env = s.w.env;
  const errno = (r: { ok: boolean; errno?: string }) => (r.ok ? null : r.errno);
  assert.equal(errno(umemDmabufGet(env, s.nicFn, s.owner, 0n, 0n, 99, ops)), 'EBADF'); // fd before page count
  assert.equal(errno(umemDmabufGet(env, s.nicFn, s.owner, 0n, 0n, fd, ops)), 'EINVAL'); // no pages
  assert.equal(
    errno(umemDmabufGet(env, s.nicFn, s.owner, (1n << 64n) - 1n, 2n, fd, ops)),
    'EINVAL',
  );
  assert.equal(
    errno(umemDmabufGet(env, s.nicFn, s.owner, 0n, SZ_2M, fd, { allow_peer2peer: true })),
    'EINVAL',
  );
  assert.equal(errno(umemDmabufGet(env, s.nicFn, s.owner, 4096n, SZ_2M, fd, ops)), 'EINVAL'); // beyond size
  const u = unwrap(umemDmabufGet(env, s.nicFn, s.owner, 0n, SZ_2M, fd, ops));
  umemRevoke(env, u);
  assert.equal(errno(env.core.withLock(u.dmabuf, () => umemMapPages(env, u))), 'EINVAL');
  umemRelease(env, u);
  unwrap(s.owner.close(fd));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(s.w.k.checkPristine(), []);
});

test('fd installation fails last (EMFILE): the buffer is put and the export undone (CVE-2025-38722 order)', () => {
  const s = setup();
  const full = s.w.k.spawn('no-fds', { rlimitNofile: 0 });
  const sink = accelExportSink(s.w.env, full);
  const h = unwrap(s.accel.memIoctl({ op: HL_MEM_OP.ALLOC, size: SZ_2M, flags: 0 }, sink)).handle!;
  const va = unwrap(s.accel.memIoctl({ op: HL_MEM_OP.MAP, handle: h, flags: 0 }, sink))
    .deviceVirtAddr!;
  const r = s.accel.memIoctl(
    { op: HL_MEM_OP.EXPORT_DMABUF_FD, addr: va, memSize: SZ_2M, offset: 0n, flags: O_RDWR },
    sink,
  );
  assert.equal(r.ok ? null : r.errno, 'EMFILE');
  assert.equal(s.accel.dmabufExportCnt, 0);
  assert.ok(
    s.w.k.log.some((l) => l.text.includes('failed to get a file descriptor for a dma-buf, -24')),
  );
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink)); // no longer exported
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(s.w.k.checkPristine(), []);
});

test('NVMe into accelerator memory: a static importer is refused at map (§6.8.4), a dynamic one lands in HBM', async () => {
  const { nvmeImportDmabuf, nvmeRanges, nvmeReleaseDmabuf } = await import(
    '../nvme/dmabuf-import.js'
  );
  const { NVME_OPC } = await import('../nvme/controller.js');
  const s = setup();
  const nvmeFn = s.w.k.fabric.resolve('nvme0');
  const nvme = s.rig.addNvme(nvmeFn);
  const { fd, va, h, sink } = exportBuffer(s, SZ_2M);
  const st = nvmeImportDmabuf(s.w.env, nvmeFn, s.owner, fd, 'static');
  assert.equal(st.ok ? null : st.errno, 'EPERM');
  const imp = unwrap(nvmeImportDmabuf(s.w.env, nvmeFn, s.owner, fd, 'pinned'));
  const block = Uint8Array.from({ length: 4096 }, (_, i) => (i * 3) & 0xff);
  nvme.namespace(1)!.media.write(4096n * 7n, block);
  const c = nvme.submit({
    opcode: NVME_OPC.READ,
    nsid: 1,
    slba: 7n,
    nlb: 0,
    data: unwrap(nvmeRanges(imp, 8192n, 4096n)),
  });
  assert.equal(c.status, 'SUCCESS');
  const dev = s.accel.alloc.get(h)!.pages[0]! + 8192n;
  assert.deepEqual(s.accel.hbm.read(s.accel.hbmOffset(dev), 4096), block);
  nvmeReleaseDmabuf(s.w.env, imp);
  unwrap(s.owner.close(fd));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(s.accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(s.w.k.checkPristine(), []);
});

test('REG_DMABUF_MR by kernel version: none before 5.12, pinned only from 5.16 (EOPNOTSUPP)', async () => {
  const { regDmabufMr } = await import('../rdma/dmabuf-mr.js');
  const { testWorld } = await import('../testing/world.js');
  const { DriverRig } = await import('../rig.js');
  const { driverFabric } = await import('../testing/fabric.js');
  const answer = (ruleSet: string, mode: 'pinned' | 'dynamic') => {
    const fabric = driverFabric();
    const w = testWorld(fabric, { ruleSet });
    const nic = new DriverRig(w.env).addNic(fabric.resolve('nic0'));
    const pd = nic.allocPd();
    const p = w.k.spawn('app');
    const args = { offset: 0n, length: 4096n, iova: 0n, fd: 3, access: 0 };
    const r = regDmabufMr(w.env, nic, fabric.resolve('nic0'), p, pd, args, mode);
    unwrap(nic.deallocPd(pd));
    p.exec();
    assert.deepEqual(w.k.checkPristine(), []);
    return r.ok ? 'ok' : r.errno;
  };
  assert.equal(answer('linux-5.10', 'dynamic'), 'EOPNOTSUPP');
  assert.equal(answer('linux-5.14', 'pinned'), 'EOPNOTSUPP');
  // From 5.12 the dynamic path exists: here it fails later, at dma_buf_get of a bad fd.
  assert.equal(answer('linux-5.14', 'dynamic'), 'EBADF');
  assert.equal(answer('linux-5.16', 'pinned'), 'EBADF');
});
