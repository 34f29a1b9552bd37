/**
 * The misuse matrix: every spec §7 invariant of the dma-buf layer violated on purpose yields the
 * kernel's answer (errno, WARN/LOCKDEP/CHECK violation, or KernelBug), the bystander buffer keeps
 * working, and the Kernel ends pristine. Invariants 34–39 (fences) and 40 (P2PDMA/DMA mapping)
 * are broken on purpose in the tests of src/fence and src/dma that invariants.ts names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kerr, ok, unwrap } from '../core/errno.js';
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE } from '../dma/types.js';
import { SyncFile } from '../fence/sync-file.js';
import { assertBug, assertErr, reclaim, scenario } from '../kernel/testing/scenario.js';
import { exportSysmem, tryExportSysmem } from '../kernel/testing/sysmem-exporter.js';
import { O } from '../proc/types.js';
import { installSyncFile } from './syncfile.js';
import { DMA_BUF_IOCTL } from './uapi.js';

const dyn = { allow_peer2peer: true, move_notify: () => {} };

test('7.1 export requires priv, ops, map/unmap/release → WARN, -EINVAL', () =>
  scenario({}, ({ k, seen }) => {
    assertErr(
      tryExportSysmem(k, {}, (ops, i) => ({ ...i, ops: { ...ops, release: undefined as never } })),
      'EINVAL',
    );
    assertErr(
      tryExportSysmem(k, {}, (_ops, i) => ({ ...i, priv: null })),
      'EINVAL',
    );
    assertErr(
      tryExportSysmem(k, {}, (_ops, i) => ({ ...i, ops: null })),
      'EINVAL',
    );
    assert.deepEqual(seen(), ['spec7.1', 'spec7.1', 'spec7.1']);
  }));

test('7.2 pin/unpin come as a pair; ≤ v6.14 also no cache_sgt_mapping with pin', () => {
  scenario({}, ({ k, seen }) => {
    assertErr(
      tryExportSysmem(k, { dynamic: true }, (ops, i) => ({
        ...i,
        ops: { ...ops, unpin: undefined as never },
      })),
      'EINVAL',
    );
    const fine = unwrap(tryExportSysmem(k, { dynamic: true, cacheSgt: true }));
    k.dmabuf.put(fine.buf);
    assert.deepEqual(seen(), ['spec7.2']);
  });
  scenario({ ruleSet: 'linux-6.14' }, ({ k, seen }) => {
    assertErr(tryExportSysmem(k, { dynamic: true, cacheSgt: true }), 'EINVAL');
    assert.deepEqual(seen(), ['spec7.2']);
  });
});

test('7.3 the exporter module must be alive → -ENOENT', () =>
  scenario({}, ({ k }) => {
    const owner = { name: 'habanalabs', state: 'going' as 'live' | 'going', refcount: 0 };
    assertErr(tryExportSysmem(k, { owner }), 'ENOENT');
    owner.state = 'live';
    const { buf } = exportSysmem(k, { owner });
    assert.equal(buf.expName, 'sysmem');
    assert.equal(owner.refcount, 1);
    k.dmabuf.put(buf);
    assert.equal(owner.refcount, 0);
  }));

test('7.4 touching the buffer after dma_buf_fd raced with close → CHECK use-after-free', () =>
  scenario({}, ({ k, proc, seen }) => {
    const { buf } = exportSysmem(k);
    const fd = unwrap(k.dmabuf.fd(buf, proc));
    proc.close(fd); // user space closes at once: release runs
    k.dmabuf.getDmaBuf(buf); // the exporter still finishing its setup
    assertErr(k.dmabuf.attach(buf, k.platformDevice('x')), 'EINVAL');
    assert.deepEqual(seen(), ['spec7.4', 'spec7.4']);
  }));

test('7.5 dma_buf_get: bad fd → -EBADF, other file → -EINVAL (reference returned)', () =>
  scenario({}, ({ k, proc }) => {
    assertErr(k.dmabuf.get(proc, 42), 'EBADF');
    const sfd = unwrap(installSyncFile(k.files, proc, new SyncFile(k.fences.getStub(), '', true)));
    assertErr(k.dmabuf.get(proc, sfd), 'EINVAL');
    assert.equal(proc.lookup(sfd)?.count, 1);
    proc.close(sfd);
  }));

test('7.6 dma_buf_put(NULL) → WARN, no-op', () =>
  scenario({}, ({ k, seen }) => {
    k.dmabuf.put(null);
    assert.deepEqual(seen(), ['spec7.6']);
  }));

test('7.7 release with a vmap or an active poll callback → BUG', () =>
  scenario({}, ({ k }) => {
    const { buf } = exportSysmem(k, { vmap: true });
    unwrap(k.dmabuf.vmapUnlocked(buf));
    assertBug('spec7.7', () => k.dmabuf.put(buf));
    buf.resv.fini(); // the aborted step never got there
    const p = exportSysmem(k).buf;
    p.poll.in.active = 1;
    assertBug('spec7.7', () => k.dmabuf.put(p));
    p.resv.fini();
  }));

test('7.8 release with an attachment → WARN; the attachment leaks', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k);
    unwrap(k.dmabuf.attach(buf, nic));
    k.dmabuf.put(buf);
    assert.deepEqual(seen(), ['spec7.8']);
    reclaim(k, /leaked past release/);
  }));

test('7.9 dynamic importers supply move_notify → WARN, -EINVAL', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k, { dynamic: true });
    assertErr(k.dmabuf.dynamicAttach(buf, nic, { allow_peer2peer: true }), 'EINVAL');
    assert.equal(buf.attachments.length, 0);
    assert.deepEqual(seen(), ['spec7.9']);
    k.dmabuf.put(buf);
  }));

test('7.10 static attachments are never peer2peer; an exporter cannot grant it', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = unwrap(
      tryExportSysmem(k, {}, (ops, i) => ({
        ...i,
        ops: {
          ...ops,
          attach: (_b, a) => {
            a.peer2peer = true;
            return ok(undefined);
          },
        },
      })),
    );
    const a = unwrap(k.dmabuf.attach(buf, nic));
    assert.equal(a.peer2peer, false);
    assert.deepEqual(seen(), ['spec7.10']);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.11 no P2P addresses for peer2peer == false: exporter -EPERM / -EOPNOTSUPP, core CHECK', () =>
  scenario({}, ({ k, nic, seen }) => {
    const hl = exportSysmem(k, { p2pOnly: 'eperm-on-map' });
    const a = unwrap(k.dmabuf.attach(hl.buf, nic));
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'EPERM');
    k.dmabuf.detach(hl.buf, a);
    k.dmabuf.put(hl.buf);
    const vfio = exportSysmem(k, { p2pOnly: 'refuse-attach' });
    assertErr(k.dmabuf.attach(vfio.buf, nic), 'EOPNOTSUPP');
    const d = unwrap(k.dmabuf.dynamicAttach(vfio.buf, nic, dyn));
    k.dmabuf.detach(vfio.buf, d);
    k.dmabuf.put(vfio.buf);
    const bad = unwrap(
      tryExportSysmem(k, {}, (ops, i) => ({
        ...i,
        ops: {
          ...ops,
          map_dma_buf: () =>
            ok({ cpu: [], dma: [{ dmaAddr: 0xe000_0000n, len: 4096n, busAddr: true }] }),
          unmap_dma_buf: () => {},
        },
      })),
    );
    const s = unwrap(k.dmabuf.attach(bad.buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(s, DMA_BIDIRECTIONAL));
    assert.deepEqual(seen(), ['spec7.11']);
    k.dmabuf.unmapAttachmentUnlocked(s, sgt, DMA_BIDIRECTIONAL);
    k.dmabuf.detach(bad.buf, s);
    k.dmabuf.put(bad.buf);
  }));

test('7.12 a refused attach never reaches the list and is freed', () =>
  scenario({}, ({ k, nic }) => {
    const { buf } = unwrap(
      tryExportSysmem(k, {}, (ops, i) => ({
        ...i,
        ops: { ...ops, attach: () => kerr('EBUSY', 'no room') },
      })),
    );
    assertErr(k.dmabuf.attach(buf, nic), 'EBUSY');
    assert.equal(buf.attachments.length, 0);
    k.dmabuf.put(buf);
  }));

test('7.13 detach of another buffer’s attachment → WARN, no-op', () =>
  scenario({}, ({ k, nic, seen }) => {
    const x = exportSysmem(k).buf;
    const y = exportSysmem(k).buf;
    const a = unwrap(k.dmabuf.attach(x, nic));
    k.dmabuf.detach(y, a);
    k.dmabuf.detach(x, null);
    assert.equal(x.attachments.length, 1);
    assert.deepEqual(seen(), ['spec7.13', 'spec7.13']);
    k.dmabuf.detach(x, a);
    k.dmabuf.put(x);
    k.dmabuf.put(y);
  }));

test('7.14 pin/unpin on a static attachment → WARN, the call proceeds', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const a = unwrap(k.dmabuf.attach(buf, nic));
    k.dmabuf.withLock(buf, () => unwrap(k.dmabuf.pin(a)));
    assert.equal(st.pins, 1);
    k.dmabuf.withLock(buf, () => k.dmabuf.unpin(a));
    assert.equal(st.pins, 0);
    assert.deepEqual(seen(), ['spec7.14', 'spec7.14']);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.15 map/unmap/pin/vmap/move_notify need the lock (static importers too since 6.2) → LOCKDEP', () => {
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k, { dynamic: true, vmap: true });
    const a = unwrap(k.dmabuf.dynamicAttach(buf, nic, dyn));
    const sgt = unwrap(k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL));
    k.dmabuf.unmapAttachment(a, sgt, DMA_BIDIRECTIONAL);
    unwrap(k.dmabuf.pin(a));
    k.dmabuf.unpin(a);
    const m = unwrap(k.dmabuf.vmap(buf));
    k.dmabuf.vunmap(buf, m);
    assert.deepEqual(seen(), Array(6).fill('spec7.15'));
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  });
  scenario({ ruleSet: 'linux-6.1' }, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k);
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL));
    k.dmabuf.unmapAttachment(a, sgt, DMA_BIDIRECTIONAL);
    assert.deepEqual(seen(), [], 'before 6.2 a static importer maps unlocked');
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  });
});

test('7.16 attach/detach/_unlocked with the lock held self-deadlock (BUG); others are flagged', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k);
    const a = unwrap(k.dmabuf.attach(buf, nic));
    k.dmabuf.lock(buf);
    assertBug('spec7.16', () => k.dmabuf.attach(buf, nic));
    assertBug('spec7.16', () => k.dmabuf.detach(buf, a));
    assertBug('spec7.16', () => k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    unwrap(k.dmabuf.beginCpuAccess(buf, DMA_FROM_DEVICE));
    k.dmabuf.unlock(buf);
    assert.equal(buf.attachments.length, 1);
    assert.deepEqual(seen(), ['spec7.16', 'spec7.16', 'spec7.16', 'spec7.16']);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.17 an exporter taking the lock in map_dma_buf deadlocks (BUG); nothing is mapped', () =>
  scenario({}, ({ k, nic }) => {
    const { buf, st } = exportSysmem(k);
    st.lockInLockedOps = true;
    const a = unwrap(k.dmabuf.attach(buf, nic));
    k.dmabuf.lock(buf);
    assertBug('spec7.16', () => k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL));
    k.dmabuf.unlock(buf);
    assert.equal(st.maps, 0);
    assert.equal(a.mappings.length, 0);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.18 map/unmap with a NULL attachment → WARN, -EINVAL / no-op', () =>
  scenario({}, ({ k, seen }) => {
    assertErr(k.dmabuf.mapAttachment(null, DMA_BIDIRECTIONAL), 'EINVAL');
    assertErr(k.dmabuf.mapAttachmentUnlocked(null, DMA_BIDIRECTIONAL), 'EINVAL');
    k.dmabuf.unmapAttachment(null, null, DMA_BIDIRECTIONAL);
    assert.deepEqual(seen(), ['spec7.18', 'spec7.18', 'spec7.18']);
  }));

test('7.19 a static importer of a dynamic exporter is pinned; -EBUSY from pin → WARN_ON_ONCE', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const a = unwrap(k.dmabuf.attach(buf, nic));
    st.failPin = kerr('EBUSY', 'pinned elsewhere');
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'EBUSY');
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'EBUSY');
    assert.deepEqual(seen(), ['spec7.19']);
    st.failPin = null;
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    assert.equal(st.pins, 1);
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
    assert.equal(st.pins, 0);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.20 a NULL map result is -ENOMEM (and the pin-on-map is undone)', () =>
  scenario({}, ({ k, nic }) => {
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const a = unwrap(k.dmabuf.attach(buf, nic));
    st.failMapNull = true;
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'ENOMEM');
    assert.equal(st.pins, 0);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.21 static maps wait for KERNEL fences (interruptible); dynamic importers must wait themselves', () =>
  scenario({}, ({ k, nic, gpu, seen }) => {
    const { buf, st } = exportSysmem(k);
    const move = k.fences.mockFence(1n);
    k.dmabuf.withLock(buf, () => {
      unwrap(buf.resv.reserveFences(1));
      buf.resv.addFence(move, 0);
    });
    const a = unwrap(k.dmabuf.attach(buf, nic));
    k.fences.signalPending = true;
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'ERESTARTSYS');
    k.fences.signalPending = false;
    assert.equal(st.maps, 0, 'mapping undone');
    const d = unwrap(k.dmabuf.dynamicAttach(buf, gpu, dyn));
    const dsgt = k.dmabuf.withLock(buf, () => unwrap(k.dmabuf.mapAttachment(d, DMA_BIDIRECTIONAL)));
    assert.equal(k.dmabuf.assertMappingUsable(d, dsgt), false);
    assert.deepEqual(seen(), ['spec7.21']);
    move.signalAt(k.clock.now + 5000n);
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    assert.equal(k.clock.now, 5000n, 'the static map slept until the move finished');
    assert.equal(k.dmabuf.assertMappingUsable(d, dsgt), true);
    move.put();
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
    k.dmabuf.withLock(buf, () => k.dmabuf.unmapAttachment(d, dsgt, DMA_BIDIRECTIONAL));
    k.dmabuf.detach(buf, a);
    k.dmabuf.detach(buf, d);
    k.dmabuf.put(buf);
  }));

test('7.22 CONFIG_DMABUF_DEBUG: sg CPU views are poisoned (XOR ≤ 6.19 crashes, wrapper ≈ 7.0 empty)', () => {
  scenario({ dmabufDebug: true, ruleSet: 'linux-6.19' }, ({ k, nic }) => {
    const { buf } = exportSysmem(k);
    let seenByExporter: bigint | undefined;
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    assert.equal(sgt.dma[0]?.dmaAddr, buf.priv ? (buf.priv as { base: bigint }).base : 0n);
    assertBug('spec7.22', () => sgt.cpu[0]?.phys);
    buf.ops.unmap_dma_buf = ((orig) => (at, t, d) => {
      seenByExporter = t.cpu[0]?.phys;
      orig(at, t, d);
    })(buf.ops.unmap_dma_buf);
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
    assert.equal(seenByExporter, (buf.priv as { base: bigint }).base, 'restored before unmap');
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  });
  scenario({ dmabufDebug: true, ruleSet: 'linux-7.0' }, ({ k, nic }) => {
    const { buf } = exportSysmem(k);
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    assert.equal(sgt.cpu.length, 0);
    assert.equal(sgt.dma.length, 1);
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  });
});

test('7.23 unmap with the table and direction of the map; ≤ 6.14 cached direction clash → -EBUSY', () => {
  scenario({}, ({ k, nic, seen }) => {
    const { buf, st } = exportSysmem(k);
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_TO_DEVICE));
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_FROM_DEVICE);
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_TO_DEVICE);
    assert.equal(st.maps, 0, 'the second unmap did not reach the exporter');
    assert.deepEqual(seen(), ['spec7.23', 'spec7.23']);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  });
  scenario({ ruleSet: 'linux-6.1' }, ({ k, nic }) => {
    const { buf, st } = exportSysmem(k, { cacheSgt: true });
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const s1 = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_TO_DEVICE));
    const s2 = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_TO_DEVICE));
    assert.equal(s1, s2, 'the cached table is returned');
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_FROM_DEVICE), 'EBUSY');
    k.dmabuf.unmapAttachmentUnlocked(a, s1, DMA_TO_DEVICE);
    assert.equal(st.maps, 1, 'unmap of the cached table is a no-op');
    k.dmabuf.detach(buf, a);
    assert.equal(st.maps, 0, 'the real unmap happens at detach');
    k.dmabuf.put(buf);
  });
});

test('7.24 sg entries ≥ 4 GiB are flagged; DMA-API debug logs unaligned segments', () =>
  scenario({ dmaApiDebug: true }, ({ k, nic, seen }) => {
    const { buf } = unwrap(
      tryExportSysmem(k, { size: 1n << 33n }, (ops, i) => ({
        ...i,
        ops: {
          ...ops,
          map_dma_buf: () =>
            ok({
              cpu: [],
              dma: [
                { dmaAddr: 0x1000_0800n, len: 1n << 32n, busAddr: false },
                { dmaAddr: 0x2000_0000n, len: 100n, busAddr: false },
              ],
            }),
          unmap_dma_buf: () => {},
        },
      })),
    );
    const a = unwrap(k.dmabuf.attach(buf, nic));
    const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
    assert.deepEqual(seen(), ['spec7.24']);
    assert.deepEqual(
      k.log.map((l) => l.text),
      [
        'dma_buf_map_attachment: addr 10000800 or len 100000000 is not page aligned!',
        'dma_buf_map_attachment: addr 20000000 or len 64 is not page aligned!',
      ],
    );
    k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.25 move_notify needs the lock (LOCKDEP) and skips static attachments', () =>
  scenario({}, ({ k, nic, gpu, seen }) => {
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const calls: string[] = [];
    const d = unwrap(
      k.dmabuf.dynamicAttach(buf, nic, {
        allow_peer2peer: true,
        move_notify: (a) => calls.push(a.dev.name),
      }),
    );
    const s = unwrap(k.dmabuf.attach(buf, gpu));
    st.move();
    assert.deepEqual(calls, [nic.name]);
    assert.deepEqual(seen(), ['spec7.25']);
    k.dmabuf.detach(buf, d);
    k.dmabuf.detach(buf, s);
    k.dmabuf.put(buf);
  }));

test('7.26 no move_notify for a move while pinned → CHECK', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k, { dynamic: true });
    const d = unwrap(k.dmabuf.dynamicAttach(buf, nic, dyn));
    k.dmabuf.withLock(buf, () => {
      unwrap(k.dmabuf.pin(d));
      k.dmabuf.moveNotify(buf);
      k.dmabuf.unpin(d);
    });
    assert.deepEqual(seen(), ['spec7.26']);
    k.dmabuf.detach(buf, d);
    k.dmabuf.put(buf);
  }));

test('7.27 after move_notify: no new DMA on the old mapping, unmap before re-mapping → CHECK', () =>
  scenario({ moveNotify: true }, ({ k, nic, seen }) => {
    const { buf } = exportSysmem(k, { dynamic: true });
    const d = unwrap(k.dmabuf.dynamicAttach(buf, nic, dyn));
    k.dmabuf.lock(buf);
    const old = unwrap(k.dmabuf.mapAttachment(d, DMA_BIDIRECTIONAL));
    k.dmabuf.moveNotify(buf);
    assert.equal(k.dmabuf.assertMappingUsable(d, old), false);
    const fresh = unwrap(k.dmabuf.mapAttachment(d, DMA_BIDIRECTIONAL));
    assert.equal(k.dmabuf.assertMappingUsable(d, fresh), true);
    k.dmabuf.unmapAttachment(d, old, DMA_BIDIRECTIONAL);
    k.dmabuf.unmapAttachment(d, fresh, DMA_BIDIRECTIONAL);
    k.dmabuf.unlock(buf);
    assert.deepEqual(seen(), ['spec7.27', 'spec7.27']);
    k.dmabuf.detach(buf, d);
    k.dmabuf.put(buf);
  }));

test('7.28 a revoked buffer cannot be mapped: the exporter’s -ENODEV reaches the importer', () =>
  scenario({}, ({ k, nic }) => {
    const { buf, st } = exportSysmem(k);
    const a = unwrap(k.dmabuf.attach(buf, nic));
    st.failMap = kerr('ENODEV', 'revoked');
    assertErr(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL), 'ENODEV');
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
  }));

test('7.29 vmap/vunmap balanced with the same map → BUG; exporter vmap failure → WARN_ON_ONCE', () =>
  scenario({}, ({ k, seen }) => {
    const { buf, st } = exportSysmem(k, { vmap: true });
    assertBug('spec7.29', () => k.dmabuf.vunmapUnlocked(buf, { vaddr: 1n, isIomem: false }));
    const m = unwrap(k.dmabuf.vmapUnlocked(buf));
    assertBug('spec7.29', () => k.dmabuf.vunmapUnlocked(buf, { vaddr: m.vaddr, isIomem: true }));
    k.dmabuf.vunmapUnlocked(buf, m);
    st.failVmap = kerr('ENOMEM', 'no vmalloc space');
    assertErr(k.dmabuf.vmapUnlocked(buf), 'ENOMEM');
    assertErr(k.dmabuf.vmapUnlocked(buf), 'ENOMEM');
    assert.deepEqual(seen(), ['spec7.29']);
    k.dmabuf.put(buf);
  }));

test('7.30 SYNC flags ⊆ {READ, WRITE, END} with READ or WRITE → else -EINVAL', () =>
  scenario({}, ({ k, proc }) => {
    const fd = unwrap(k.dmabuf.fd(exportSysmem(k).buf, proc));
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.SYNC, { flags: 4 }), 'EINVAL');
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.SYNC, { flags: 16 | 1 }), 'EINVAL');
    proc.close(fd);
  }));

test('7.31 names < 32 bytes (-EINVAL, -EFAULT); ≤ 5.18 renaming while attached → -EBUSY', () => {
  for (const [ruleSet, busy] of [
    ['linux-5.10', true],
    ['linux-6.19', false],
  ] as const) {
    scenario({ ruleSet }, ({ k, proc, nic }) => {
      const { buf } = exportSysmem(k);
      const fd = unwrap(k.dmabuf.fd(buf, proc, O.CLOEXEC));
      assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME, { name: 'x'.repeat(32) }), 'EINVAL');
      assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME_A), 'EFAULT');
      unwrap(proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME_A, { name: 'x'.repeat(31) }));
      const a = unwrap(k.dmabuf.attach(buf, nic));
      const r = proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME_B, { name: 'later' });
      if (busy) assertErr(r, 'EBUSY');
      else assert.ok(r.ok);
      k.dmabuf.detach(buf, a);
      proc.close(fd);
    });
  }
});

test('7.32 mmap needs ops.mmap and stays within size >> PAGE_SHIFT (kernel helper: -EOVERFLOW)', () =>
  scenario({}, ({ k, proc }) => {
    const { buf } = exportSysmem(k, { mmap: true, size: 2n * 4096n });
    const fd = unwrap(k.dmabuf.fd(buf, proc));
    assertErr(proc.mmap(fd, { length: 3n * 4096n }), 'EINVAL');
    const v = unwrap(proc.mmap(fd, { length: 4096n }));
    assertErr(k.dmabuf.mmap(buf, v, (1n << 64n) - 1n), 'EOVERFLOW');
    assertErr(k.dmabuf.mmap(buf, v, 2n), 'EINVAL');
    unwrap(k.dmabuf.mmap(buf, v, 1n));
    const plain = exportSysmem(k).buf;
    assertErr(k.dmabuf.mmap(plain, v, 0n), 'EINVAL');
    k.dmabuf.put(plain);
    unwrap(proc.munmap(v));
    proc.close(fd);
  }));

test('7.33 sync_file flags are a non-empty subset of RW; import needs a sync_file fd → -EINVAL', () =>
  scenario({}, ({ k, proc }) => {
    const fd = unwrap(k.dmabuf.fd(exportSysmem(k).buf, proc));
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.EXPORT_SYNC_FILE, { flags: 0, fd: -1 }), 'EINVAL');
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.IMPORT_SYNC_FILE, { flags: 8, fd: -1 }), 'EINVAL');
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.IMPORT_SYNC_FILE, { flags: 1, fd }), 'EINVAL');
    assertErr(proc.ioctl(fd, DMA_BUF_IOCTL.IMPORT_SYNC_FILE, { flags: 1, fd: 77 }), 'EINVAL');
    proc.close(fd);
  }));

test('leaks: detach with a mapping or a pin outstanding is flagged and stays visible until reclaimed', () =>
  scenario({}, ({ k, nic, seen }) => {
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const a = unwrap(k.dmabuf.dynamicAttach(buf, nic, dyn));
    k.dmabuf.withLock(buf, () => {
      unwrap(k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL));
      unwrap(k.dmabuf.pin(a));
    });
    k.dmabuf.detach(buf, a);
    assert.deepEqual(seen(), ['dmabuf.detach.mapping-leak', 'dmabuf.detach.pin-leak']);
    k.dmabuf.put(buf);
    reclaim(k, /mapping leaked by detach/);
    assert.equal(st.maps, 0);
    assert.equal(st.pins, 0);
  }));
