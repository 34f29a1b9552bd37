import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { Kernel } from '../kernel/index.js';
import { O } from '../proc/types.js';
import { SZ_2M } from './accel/allocator.js';
import { accelExportSink } from './accel/exporter.js';
import { HL_MEM_OP } from './accel/uapi.js';
import { driverMaxSeg, fromKernel } from './kernel-env.js';
import { regDmabufMr } from './rdma/dmabuf-mr.js';
import { IBV_ACCESS as A } from './rdma/verbs.js';
import { DriverRig } from './rig.js';
import { driverFabric } from './testing/fabric.js';

for (const mode of ['none', 'strict', 'lazy'] as const) {
  test(`founding path on a Kernel (IOMMU ${mode}): bytes land in HBM, teardown is pristine`, () => {
    const fabric = driverFabric({ iommu: mode !== 'none' });
    const k = new Kernel({ fabric, iommu: { mode }, strict: true });
    const env = fromKernel(k);
    const rig = new DriverRig(env);
    k.registerLeakProbe('rig', () => rig.leftovers());
    const accel = rig.addAccel(fabric.resolve('accel0'));
    const nicFn = fabric.resolve('nic0');
    const nic = rig.addNic(nicFn);
    const owner = k.spawn('trainer');
    const peer = k.spawn('rdma-app');
    const sink = accelExportSink(env, owner);
    const h = unwrap(accel.memIoctl({ op: HL_MEM_OP.ALLOC, size: 2n * SZ_2M, flags: 0 }, sink))
      .handle!;
    const va = unwrap(accel.memIoctl({ op: HL_MEM_OP.MAP, handle: h, flags: 0 }, sink))
      .deviceVirtAddr!;
    const fd = unwrap(
      accel.memIoctl(
        {
          op: HL_MEM_OP.EXPORT_DMABUF_FD,
          addr: va,
          memSize: 2n * SZ_2M,
          offset: 0n,
          flags: O.RDWR | O.CLOEXEC,
        },
        sink,
      ),
    ).fd!;
    const pfd = unwrap(k.procs.passFd(owner, fd, peer));
    const pd = nic.allocPd();
    const reg = unwrap(
      regDmabufMr(
        env,
        nic,
        nicFn,
        peer,
        pd,
        {
          offset: 0n,
          length: 2n * SZ_2M,
          iova: 0n,
          fd: pfd,
          access: A.LOCAL_WRITE | A.REMOTE_WRITE,
        },
        'dynamic',
      ),
    );
    const msg = new TextEncoder().encode('p2p through the model');
    unwrap(nic.mrWrite(reg.mr, SZ_2M + 8n, msg));
    const dev = accel.alloc.get(h)!.pages[1]! + 8n;
    assert.deepEqual(accel.hbm.read(accel.hbmOffset(dev), msg.length), msg);
    const hop = nic.port.hops.at(-1)!;
    assert.match(hop.target, /HBM/);
    if (mode === 'none') assert.equal(hop.dmaAddr, hop.phys);
    else assert.notEqual(hop.dmaAddr, hop.phys); // an IOVA
    assert.ok(
      env.mapper.costs.some((c) => c.what === 'map' && (c.calls['dma_map_resource'] ?? 0) > 0),
    );
    nic.deregMr(reg.mr);
    unwrap(nic.deallocPd(pd));
    unwrap(peer.close(pfd));
    unwrap(owner.close(fd));
    unwrap(accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
    unwrap(accel.memIoctl({ op: HL_MEM_OP.FREE, handle: h }, sink));
    // Lazy mode: the IOVA waits in the flush queue (10 ms timer): deferred work, not a leak.
    assert.deepEqual(k.checkPristine(), []);
    if (mode === 'lazy') {
      assert.match(
        k.deferredWork().join('\n'),
        /1 unmapped IOVA range\(s\) in the lazy flush queue/,
      );
      k.clock.advance(20_000_000n);
    }
    assert.deepEqual(k.deferredWork(), []);
  });
}

test('ACS redirect on an allowlisted host: attach keeps peer2peer and logs the ACS warnings', () => {
  const fabric = driverFabric({ redirect: true });
  const k = new Kernel({ fabric, iommu: { mode: 'none' } });
  const env = fromKernel(k);
  const accel = fabric.resolve('accel0');
  const nic = fabric.resolve('nic0');
  const d = env.p2pDistance(accel, nic, true);
  assert.ok(d >= 0, `distance ${d}`);
  assert.ok(
    k.log.some((l) => /ACS/.test(l.text)),
    JSON.stringify(k.log),
  );
});

test('driverMaxSeg follows src/dma: mlx5 2 GiB, nvme 4 GiB − 1, anything else 64 KiB', () => {
  const fabric = driverFabric();
  const fn = fabric.resolve('nic0');
  const withDriver = (driver: string | null) => driverMaxSeg({ ...fn, driver });
  assert.equal(withDriver('mlx5_core'), 2n ** 31n);
  assert.equal(withDriver('nvme'), 0xffff_ffffn);
  assert.equal(withDriver('habanalabs'), 65536n);
  assert.equal(withDriver('constructor'), 65536n);
  assert.equal(withDriver('unknown'), 65536n);
  assert.equal(withDriver(null), 65536n);
});
