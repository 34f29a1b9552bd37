import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../../core/errno.js';
import { O } from '../../proc/types.js';
import { cpuReadViaMmap, cpuReadViaVmap } from '../cpu-path.js';
import { NVME_OPC } from '../nvme/controller.js';
import { nvmeImportDmabuf, nvmeRanges, nvmeReleaseDmabuf } from '../nvme/dmabuf-import.js';
import { regDmabufMr } from '../rdma/dmabuf-mr.js';
import { IBV_ACCESS as A } from '../rdma/verbs.js';
import { DriverRig } from '../rig.js';
import { driverFabric } from '../testing/fabric.js';
import { testWorld } from '../testing/world.js';
import { evict, exportBo, type GpuExport, wireMoveNotify } from './exporter.js';

const MiB = 1024n * 1024n;

function setup(moveNotify = true, ruleSet?: string) {
  const fabric = driverFabric();
  const w = testWorld(fabric, { moveNotify, ...(ruleSet ? { ruleSet } : {}) });
  const rig = new DriverRig(w.env);
  w.k.registerLeakProbe('rig', () => rig.leftovers());
  const gpu = rig.addGpu(fabric.resolve('gpu0'));
  const nicFn = fabric.resolve('nic0');
  const nvmeFn = fabric.resolve('nvme0');
  const nic = rig.addNic(nicFn);
  const nvme = rig.addNvme(nvmeFn);
  const exports: GpuExport[] = [];
  wireMoveNotify(w.env, gpu, () => exports);
  const proc = w.k.spawn('app');
  const bo = unwrap(gpu.create(4n * MiB, 'VRAM'));
  const exp = unwrap(exportBo(w.env, gpu, bo, O.RDWR));
  exports.push(exp);
  const fd = unwrap(w.env.core.fd(exp.dmabuf, proc, O.CLOEXEC));
  const pd = nic.allocPd();
  const host = unwrap(w.env.ram.allocPages(1));
  const hostMr = unwrap(nic.regHostMr(pd, host[0]!, 4096n, A.LOCAL_WRITE));
  return { w, rig, gpu, bo, exp, fd, proc, nic, nicFn, nvme, nvmeFn, pd, host, hostMr };
}

type S = ReturnType<typeof setup>;

function teardown(s: S, extra: () => void) {
  extra();
  s.nic.deregMr(s.hostMr);
  unwrap(s.nic.deallocPd(s.pd));
  s.w.env.ram.freePages(s.host);
  unwrap(s.proc.close(s.fd));
  s.gpu.destroy(s.bo);
  assert.deepEqual(s.rig.leftovers(), []);
  assert.deepEqual(s.w.k.checkPristine(), []);
}

const enc = (t: string) => new TextEncoder().encode(t);

/** The NIC registers the first 4 MiB of the exported BO as a dma-buf MR. */
function regVram(s: S, access: number, mode: 'dynamic' | 'pinned') {
  const args = { offset: 0n, length: 4n * MiB, iova: 0n, fd: s.fd, access };
  return unwrap(regDmabufMr(s.w.env, s.nic, s.nicFn, s.proc, s.pd, args, mode));
}

function rdmaWrite(s: S, mr: { rkey: number }, iova: bigint, data: Uint8Array) {
  s.w.env.ram.write(s.host[0]!, data);
  return s.nic.postSend(
    s.pd,
    {
      wrId: 1,
      opcode: 'RDMA_WRITE',
      sgList: [{ addr: s.host[0]!, length: data.length, lkey: s.hostMr.lkey }],
      remoteAddr: iova,
      rkey: mr.rkey,
    },
    s.nic,
  );
}

test('the same bytes from the RDMA NIC, the NVMe drive, the CPU and the GPU (VRAM, P2P)', () => {
  const s = setup(true);
  const msg = enc('bytes written by the NIC into VRAM');
  const reg = regVram(s, A.LOCAL_WRITE | A.REMOTE_WRITE | A.REMOTE_READ, 'dynamic');
  assert.equal(rdmaWrite(s, reg.mr, 3n * MiB, msg).status, 'IBV_WC_SUCCESS');
  assert.ok(s.nic.port.hops.some((h) => h.target.endsWith('VRAM BAR')));
  // NVMe: WRITE command reads the buffer (DMA from VRAM through the BAR) onto the media.
  const imp = unwrap(nvmeImportDmabuf(s.w.env, s.nvmeFn, s.proc, s.fd, 'pinned'));
  const c = s.nvme.submit({
    opcode: NVME_OPC.WRITE,
    nsid: 1,
    slba: 5n,
    nlb: 0,
    data: unwrap(nvmeRanges(imp, 3n * MiB, 4096n)),
  });
  assert.equal(c.status, 'SUCCESS');
  assert.deepEqual(s.nvme.namespace(1)!.media.read(5n * 4096n, msg.length), msg);
  // CPU through dma_buf_vmap, and the GPU itself.
  assert.deepEqual(unwrap(cpuReadViaVmap(s.w.env, s.exp.dmabuf!, 3n * MiB, msg.length)), msg);
  assert.deepEqual(unwrap(cpuReadViaMmap(s.proc, s.fd, 3n * MiB, msg.length)), msg);
  assert.deepEqual(s.gpu.read(s.bo, 3n * MiB, msg.length), msg);
  assert.equal(s.bo.placement, 'VRAM');
  assert.deepEqual(s.w.env.findings, []);
  teardown(s, () => {
    nvmeReleaseDmabuf(s.w.env, imp);
    s.nic.deregMr(reg.mr);
  });
});

test('eviction: move_notify invalidates the dynamic MR; the next access faults it back in', () => {
  const s = setup(true);
  const reg = regVram(s, A.LOCAL_WRITE | A.REMOTE_WRITE | A.REMOTE_READ, 'dynamic');
  assert.equal(rdmaWrite(s, reg.mr, 100n, enc('before move')).status, 'IBV_WC_SUCCESS');
  unwrap(evict(s.w.env, s.exp, 'GTT'));
  assert.equal(reg.stats.invalidations, 1);
  assert.equal(reg.umem.sgt, null);
  const rd = s.nic.postSend(
    s.pd,
    {
      wrId: 2,
      opcode: 'RDMA_READ',
      sgList: [{ addr: s.host[0]! + 2048n, length: 11, lkey: s.hostMr.lkey }],
      remoteAddr: 100n,
      rkey: reg.mr.rkey,
    },
    s.nic,
  );
  assert.equal(rd.status, 'IBV_WC_SUCCESS');
  assert.equal(reg.stats.faults, 1);
  assert.equal(new TextDecoder().decode(s.w.env.ram.read(s.host[0]! + 2048n, 11)), 'before move');
  assert.equal(s.nic.port.hops.at(-1)?.target, 'system RAM');
  teardown(s, () => s.nic.deregMr(reg.mr));
});

test('static importer of a VRAM buffer silently gets system memory (spec §6.8.7) — a finding', () => {
  const s = setup(true);
  s.gpu.write(s.bo, 0n, enc('vram data'));
  const imp = unwrap(nvmeImportDmabuf(s.w.env, s.nvmeFn, s.proc, s.fd, 'static'));
  assert.equal(s.bo.placement, 'GTT');
  assert.equal(imp.sgt.cpu.length > 0, true);
  // The core pins a static importer of a dynamic exporter on map; the pin drops VRAM (not P2P).
  assert.deepEqual(
    s.w.env.findings.map((f) => f.code),
    ['pin_dropped_vram', 'p2p_silent_fallback_gtt'],
  );
  const c = s.nvme.submit({
    opcode: NVME_OPC.WRITE,
    nsid: 1,
    slba: 0n,
    nlb: 0,
    data: unwrap(nvmeRanges(imp, 0n, 4096n)),
  });
  assert.equal(c.status, 'SUCCESS');
  assert.equal(new TextDecoder().decode(s.nvme.namespace(1)!.media.read(0n, 9)), 'vram data');
  assert.ok(s.nvme.port.hops.every((h) => h.target === 'system RAM'));
  teardown(s, () => nvmeReleaseDmabuf(s.w.env, imp));
});

test('pinned RDMA import with MOVE_NOTIFY off: pin drops VRAM, the BO moves to GTT (spec §6.8.6)', () => {
  const s = setup(false);
  const reg = regVram(s, A.LOCAL_WRITE, 'pinned');
  assert.equal(s.bo.placement, 'GTT');
  // dma_buf_pin, plus the core's pin-on-map (MOVE_NOTIFY off pins dynamic importers too).
  assert.equal(s.bo.pinCount, 2);
  assert.deepEqual(
    s.w.env.findings.map((f) => f.code),
    ['pin_dropped_vram'],
  );
  assert.equal(evict(s.w.env, s.exp, 'VRAM').ok, false); // pinned: no moves
  teardown(s, () => s.nic.deregMr(reg.mr));
});

test('linux-6.14: a BO pinned in VRAM (by vmap) cannot be mapped (-EBUSY); dma_buf_pin goes to GTT', () => {
  const s = setup(true, 'linux-6.14');
  const core = s.w.env.core;
  const b = s.exp.dmabuf!;
  const map = unwrap(core.vmapUnlocked(b));
  assert.equal(s.bo.placement, 'VRAM');
  const dev = s.w.env.dmaDevice(s.nicFn);
  const ops = { allow_peer2peer: true, move_notify: () => {} };
  const a = unwrap(core.dynamicAttach(b, dev, ops, null));
  const r = core.mapAttachmentUnlocked(a, 0);
  assert.equal(r.ok ? 'ok' : r.errno, 'EBUSY');
  core.vunmapUnlocked(b, map);
  // Unpinned again: dma_buf_pin of ≤ 6.14 always chooses GTT, even for a P2P importer.
  core.withLock(b, () => unwrap(core.pin(a)));
  assert.equal(s.bo.placement, 'GTT');
  assert.deepEqual(
    s.w.env.findings.map((f) => f.evidence['why']),
    ['kernels before 6.15 always pin exported BOs in GTT'],
  );
  core.withLock(b, () => core.unpin(a));
  core.detach(b, a);
  teardown(s, () => {});
});

test('habanalabs-style exporters have no vmap: the CPU path answers -EINVAL', async () => {
  const { accelExportSink } = await import('../accel/exporter.js');
  const { HL_MEM_OP } = await import('../accel/uapi.js');
  const fabric = driverFabric();
  const w = testWorld(fabric);
  const rig = new DriverRig(w.env);
  w.k.registerLeakProbe('rig', () => rig.leftovers());
  const accel = rig.addAccel(fabric.resolve('accel0'));
  const p = w.k.spawn('x');
  const sink = accelExportSink(w.env, p);
  const h = unwrap(accel.memIoctl({ op: HL_MEM_OP.ALLOC, size: 2n * MiB, flags: 0 }, sink)).handle!;
  const va = unwrap(accel.memIoctl({ op: HL_MEM_OP.MAP, handle: h, flags: 0 }, sink))
    .deviceVirtAddr!;
  const fd = unwrap(
    accel.memIoctl(
      { op: HL_MEM_OP.EXPORT_DMABUF_FD, addr: va, memSize: 2n * MiB, offset: 0n, flags: O.RDWR },
      sink,
    ),
  ).fd!;
  const b = unwrap(w.env.core.get(p, fd));
  const r = cpuReadViaVmap(w.env, b, 0n, 4);
  assert.equal(r.ok ? null : r.errno, 'EINVAL');
  const m = cpuReadViaMmap(p, fd, 0n, 4);
  assert.equal(m.ok ? null : m.errno, 'EINVAL'); // no exporter mmap (spec §5.1.4)
  w.env.core.put(b);
  unwrap(p.close(fd));
  unwrap(accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
  assert.deepEqual(w.k.checkPristine(), []);
});
