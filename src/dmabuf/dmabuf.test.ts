import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { DMA_BIDIRECTIONAL, DMA_TO_DEVICE } from '../dma/types.js';
import { Kernel } from '../kernel/kernel.js';
import { rules, testKernel } from '../kernel/testing/setup.js';
import { exportSysmem } from '../kernel/testing/sysmem-exporter.js';
import { renderFdinfo } from '../proc/procs.js';
import { EPOLL, O, SEEK } from '../proc/types.js';
import { bufinfo, renderBufinfo } from './bufinfo.js';
import { DMA_BUF_IOCTL, dmaBufDentryName } from './uapi.js';

const moveNotify = { allow_peer2peer: true, move_notify: () => {} };

test('teardown mirrors setup: export → fd → get → attach → map → unmap → detach → put → close', () => {
  const { k, proc, nic } = testKernel({ strict: true });
  const { buf, st } = exportSysmem(k);
  const fd = unwrap(k.dmabuf.fd(buf, proc, O.CLOEXEC));
  const imp = unwrap(k.dmabuf.get(proc, fd));
  assert.equal(imp, buf);
  const a = unwrap(k.dmabuf.attach(imp, nic));
  assert.equal(a.peer2peer, false);
  const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
  assert.equal(sgt.dma[0]?.dmaAddr, st.base);
  assert.equal(st.maps, 1);
  assert.notDeepEqual(k.checkPristine(), []);
  k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
  k.dmabuf.detach(imp, a);
  k.dmabuf.put(imp);
  assert.equal(st.released, false);
  assert.ok(proc.close(fd).ok);
  assert.equal(st.released, true);
  assert.equal(st.maps, 0);
  assert.deepEqual(k.checkPristine(), []);
  assert.deepEqual(k.violations.all, []);
});

test('dynamic importer: lock, pin, map, unmap, unpin; pin-on-map only without MOVE_NOTIFY', () => {
  for (const moveNotifyOn of [false, true]) {
    const { k, nic } = testKernel({ strict: true, moveNotify: moveNotifyOn });
    const { buf, st } = exportSysmem(k, { dynamic: true });
    const a = unwrap(k.dmabuf.dynamicAttach(buf, nic, moveNotify));
    assert.equal(a.peer2peer, true);
    k.dmabuf.lock(buf);
    const sgt = unwrap(k.dmabuf.mapAttachment(a, DMA_TO_DEVICE));
    assert.equal(st.pins, moveNotifyOn ? 0 : 1);
    unwrap(k.dmabuf.pin(a));
    assert.equal(st.pins, moveNotifyOn ? 1 : 2);
    k.dmabuf.unmapAttachment(a, sgt, DMA_TO_DEVICE);
    k.dmabuf.unpin(a);
    k.dmabuf.unlock(buf);
    assert.equal(st.pins, 0);
    k.dmabuf.detach(buf, a);
    k.dmabuf.put(buf);
    assert.deepEqual(k.checkPristine(), []);
  }
});

test('static importer of a dynamic exporter is pinned for the mapping lifetime', () => {
  const { k, nic } = testKernel({ strict: true, moveNotify: true });
  const { buf, st } = exportSysmem(k, { dynamic: true });
  const a = unwrap(k.dmabuf.attach(buf, nic));
  const sgt = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
  assert.equal(st.pins, 1);
  k.dmabuf.unmapAttachmentUnlocked(a, sgt, DMA_BIDIRECTIONAL);
  assert.equal(st.pins, 0);
  k.dmabuf.detach(buf, a);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});

test('move_notify reaches dynamic attachments only (but the one excluded) and marks their mappings stale', () => {
  const { k, nic, gpu } = testKernel({ moveNotify: true });
  const { buf } = exportSysmem(k, { dynamic: true });
  const seen: string[] = [];
  const ops = {
    allow_peer2peer: true,
    move_notify: (x: { dev: { name: string } }) => seen.push(x.dev.name),
  };
  const d1 = unwrap(k.dmabuf.dynamicAttach(buf, nic, ops));
  const d2 = unwrap(k.dmabuf.dynamicAttach(buf, gpu, ops));
  const s = unwrap(k.dmabuf.attach(buf, k.platformDevice('display')));
  const sgt = k.dmabuf.withLock(buf, () => unwrap(k.dmabuf.mapAttachment(d1, DMA_BIDIRECTIONAL)));
  assert.equal(k.dmabuf.assertMappingUsable(d1, sgt), true);
  k.dmabuf.withLock(buf, () => k.dmabuf.moveNotify(buf, d2));
  assert.deepEqual(seen, [nic.name]);
  assert.equal(k.dmabuf.assertMappingUsable(d1, sgt), false);
  assert.deepEqual(rules(k), ['spec7.27']);
  k.dmabuf.withLock(buf, () => k.dmabuf.unmapAttachment(d1, sgt, DMA_BIDIRECTIONAL));
  for (const a of [d1, d2, s]) k.dmabuf.detach(buf, a);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});

test('fdinfo, dentry name, bufinfo and llseek', () => {
  const { k, proc, nic } = testKernel({ strict: true });
  const { buf } = exportSysmem(k, { size: 8192n, name: 'habanalabs' });
  const fd = unwrap(k.dmabuf.fd(buf, proc, O.CLOEXEC));
  assert.deepEqual(proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME, { name: 'ring0' }), {
    ok: true,
    value: 0,
  });
  const info = unwrap(k.procs.fdinfo(proc.pid, fd));
  assert.equal(
    renderFdinfo(info),
    `pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t${buf.ino}\nsize:\t8192\ncount:\t1\nexp_name:\thabanalabs\nname:\tring0\n`,
  );
  assert.equal(dmaBufDentryName(buf), '/dmabuf:ring0');
  assert.deepEqual(proc.readlink(fd), { ok: true, value: '/dmabuf:ring0' });
  const a = unwrap(k.dmabuf.attach(buf, nic));
  const w = k.fences.mockFence(7n);
  const bk = k.fences.mockFence(8n);
  k.dmabuf.withLock(buf, () => {
    unwrap(buf.resv.reserveFences(2));
    buf.resv.addFence(w, 1);
    buf.resv.addFence(bk, 3); // BOOKKEEP fences are not listed
  });
  assert.equal(
    renderBufinfo(unwrap(bufinfo(k.dmabuf))),
    [
      '',
      'Dma-buf Objects:',
      'size    \tflags   \tmode    \tcount   \texp_name\tino     \tname',
      `00008192\t00000002\t00000003\t00000001\thabanalabs\t0000000${buf.ino}\tring0`,
      `\twrite fence: ${w.context}:7 mock mock unsignalled`,
      '\tAttached Devices:',
      '\t0000:04:00.0',
      'Total 1 devices attached',
      '',
      'Total 1 objects, 8192 bytes',
      '',
    ].join('\n'),
  );
  assert.deepEqual(proc.llseek(fd, 0n, SEEK.END), { ok: true, value: 8192n });
  assert.deepEqual(proc.llseek(fd, 0n, SEEK.SET), { ok: true, value: 0n });
  for (const [off, wh] of [
    [0n, SEEK.CUR],
    [1n, SEEK.END],
    [4n, SEEK.SET],
  ] as const) {
    const r = proc.llseek(fd, off, wh);
    assert.equal(!r.ok && r.errno, 'EINVAL');
  }
  k.dmabuf.detach(buf, a);
  for (const f of [w, bk]) {
    f.signal();
    f.put();
  }
  proc.close(fd);
  assert.deepEqual(k.checkPristine(), []);
});

test('DMA_BUF_IOCTL_SYNC maps flags to directions and validates them', () => {
  const { k, proc } = testKernel({ strict: true });
  const { buf, st } = exportSysmem(k);
  const fd = unwrap(k.dmabuf.fd(buf, proc));
  assert.deepEqual(proc.ioctl(fd, DMA_BUF_IOCTL.SYNC, { flags: 3 }), { ok: true, value: 0 });
  assert.equal(st.cpuBegins, 1);
  assert.deepEqual(proc.ioctl(fd, DMA_BUF_IOCTL.SYNC, { flags: 4 | 3 }), { ok: true, value: 0 });
  assert.equal(st.cpuBegins, 0);
  for (const flags of [0, 4, 8, 1n << 40n]) {
    const r = proc.ioctl(fd, DMA_BUF_IOCTL.SYNC, { flags });
    assert.equal(!r.ok && r.errno, 'EINVAL', `flags ${flags}`);
  }
  const f = proc.ioctl(fd, DMA_BUF_IOCTL.SYNC);
  assert.equal(!f.ok && f.errno, 'EFAULT');
  const t = proc.ioctl(fd, 0x4008_6209);
  assert.equal(!t.ok && t.errno, 'ENOTTY');
  proc.close(fd);
  assert.deepEqual(k.checkPristine(), []);
});

test('EXPORT_SYNC_FILE / IMPORT_SYNC_FILE move fences through sync_file fds; poll waits for them', () => {
  const { k, proc } = testKernel({ strict: true });
  const { buf } = exportSysmem(k);
  const fd = unwrap(k.dmabuf.fd(buf, proc));
  // A writer fence enters through IMPORT_SYNC_FILE from another sync_file.
  const fence = k.fences.mockFence(1n);
  const sfArg = { flags: 2, fd: -1 };
  assert.deepEqual(proc.ioctl(fd, DMA_BUF_IOCTL.EXPORT_SYNC_FILE, sfArg), { ok: true, value: 0 });
  assert.equal(proc.isCloexec(sfArg.fd), true);
  proc.close(sfArg.fd);
  unwrap(buf.resv.lock(null));
  unwrap(buf.resv.reserveFences(1));
  buf.resv.addFence(fence, 1);
  buf.resv.unlock();
  assert.deepEqual(proc.poll(fd, EPOLL.IN | EPOLL.OUT), { ok: true, value: 0 });
  assert.equal(buf.file.count, 3, 'two poll callbacks hold file references');
  const exp = { flags: 1, fd: -1 };
  unwrap(proc.ioctl(fd, DMA_BUF_IOCTL.EXPORT_SYNC_FILE, exp));
  const other = exportSysmem(k).buf;
  const ofd = unwrap(k.dmabuf.fd(other, proc));
  unwrap(proc.ioctl(ofd, DMA_BUF_IOCTL.IMPORT_SYNC_FILE, { flags: 2, fd: exp.fd }));
  assert.equal(other.resv.testSignaled(1), false);
  const bad = proc.ioctl(ofd, DMA_BUF_IOCTL.IMPORT_SYNC_FILE, { flags: 2, fd });
  assert.equal(!bad.ok && bad.errno, 'EINVAL');
  const badFlags = proc.ioctl(ofd, DMA_BUF_IOCTL.EXPORT_SYNC_FILE, { flags: 4, fd: -1 });
  assert.equal(!badFlags.ok && badFlags.errno, 'EINVAL');
  fence.signal();
  fence.put();
  assert.equal(buf.file.count, 1);
  assert.equal(other.resv.testSignaled(1), true);
  assert.deepEqual(proc.poll(fd, EPOLL.IN | EPOLL.OUT), { ok: true, value: EPOLL.IN | EPOLL.OUT });
  for (const f of [exp.fd, fd, ofd]) proc.close(f);
  assert.deepEqual(k.checkPristine(), []);
});

test('the sync_file ioctls do not exist before linux-6.0', () => {
  const { k, proc } = testKernel({ ruleSet: 'linux-5.15' });
  const fd = unwrap(k.dmabuf.fd(exportSysmem(k).buf, proc));
  const r = proc.ioctl(fd, DMA_BUF_IOCTL.EXPORT_SYNC_FILE, { flags: 1, fd: -1 });
  assert.equal(!r.ok && r.errno, 'ENOTTY');
  proc.close(fd);
  assert.deepEqual(k.checkPristine(), []);
});

test('mmap within size >> PAGE_SHIFT pages; the VMA holds a file reference', () => {
  const { k, proc } = testKernel({ strict: true });
  const { buf, st } = exportSysmem(k, { size: 3n * 4096n + 100n, mmap: true });
  const fd = unwrap(k.dmabuf.fd(buf, proc));
  const v = unwrap(proc.mmap(fd, { length: 3n * 4096n }));
  assert.equal(st.mmaps, 1);
  const over = proc.mmap(fd, { length: 4096n, offset: 3n * 4096n });
  assert.equal(!over.ok && over.errno, 'EINVAL');
  proc.close(fd);
  assert.equal(st.released, false);
  unwrap(proc.munmap(v));
  assert.equal(st.released, true);
  const plain = exportSysmem(k);
  const pfd = unwrap(k.dmabuf.fd(plain.buf, proc));
  const no = proc.mmap(pfd, { length: 4096n });
  assert.equal(!no.ok && no.errno, 'EINVAL');
  proc.close(pfd);
  assert.deepEqual(k.checkPristine(), []);
});

test('vmap is refcounted and returns the same map', () => {
  const { k } = testKernel({ strict: true });
  const { buf, st } = exportSysmem(k, { vmap: true });
  const m1 = unwrap(k.dmabuf.vmapUnlocked(buf));
  const m2 = unwrap(k.dmabuf.vmapUnlocked(buf));
  assert.deepEqual(m1, m2);
  assert.equal(st.vmaps, 1);
  k.dmabuf.vunmapUnlocked(buf, m1);
  k.dmabuf.vunmapUnlocked(buf, m2);
  assert.equal(st.vmaps, 0);
  const none = exportSysmem(k).buf;
  const r = k.dmabuf.vmapUnlocked(none);
  assert.equal(!r.ok && r.errno, 'EINVAL');
  k.dmabuf.put(none);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});

test('two kernels side by side share nothing', () => {
  const a = new Kernel();
  const b = new Kernel({ ruleSet: 'linux-6.1' });
  const ba = exportSysmem(a).buf;
  const bb = exportSysmem(b).buf;
  assert.equal(ba.ino, 1);
  assert.equal(bb.ino, 1);
  assert.equal(a.dmabuf.list.length, 1);
  a.dmabuf.put(ba);
  assert.deepEqual(a.checkPristine(), []);
  assert.equal(b.checkPristine().length > 0, true);
  b.dmabuf.put(bb);
  assert.deepEqual(b.checkPristine(), []);
});
