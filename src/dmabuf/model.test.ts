/**
 * Model-based test (fast-check `fc.commands`): random export / pass-fd / attach / map / move_notify /
 * unmap / detach / close / exec sequences across two processes, checked after every step against a
 * small reference model (fd numbers, live buffers, attachments, mappings, file counts, violations).
 * Every run ends by tearing everything down and asserting `checkPristine()` is empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { unwrap } from '../core/errno.js';
import { DMA_BIDIRECTIONAL, type SgTable } from '../dma/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { testKernel } from '../kernel/testing/setup.js';
import { exportSysmem, type SysmemState } from '../kernel/testing/sysmem-exporter.js';
import type { Process } from '../proc/process.js';
import { O } from '../proc/types.js';
import type { DmaBuf, DmaBufAttachment } from './objects.js';
import type { DmaDevice } from './types.js';
import { DMA_BUF_IOCTL } from './uapi.js';

interface MBuf {
  readonly dynamic: boolean;
  readonly buf: DmaBuf;
  readonly st: SysmemState;
}
interface MFd {
  readonly proc: number;
  readonly fd: number;
  readonly b: MBuf;
  readonly cloexec: boolean;
}
interface MAtt {
  readonly b: MBuf;
  readonly dynamic: boolean;
  readonly a: DmaBufAttachment;
  readonly sgts: SgTable[];
}
interface Model {
  bufs: MBuf[];
  fds: MFd[];
  atts: MAtt[];
  /** Detached attachments (mapping one must fail). */
  dead: DmaBufAttachment[];
  violations: string[];
}
interface Real {
  readonly k: Kernel;
  readonly procs: readonly Process[];
  readonly devs: readonly DmaDevice[];
}

const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length ? xs[i % xs.length] : undefined;
const alive = (m: Model, b: MBuf) => m.fds.some((f) => f.b === b) || m.atts.some((a) => a.b === b);
const lowestFree = (m: Model, proc: number): number => {
  const used = new Set(m.fds.filter((f) => f.proc === proc).map((f) => f.fd));
  let fd = 0;
  while (used.has(fd)) fd++;
  return fd;
};

function compare(m: Model, r: Real): void {
  const { k } = r;
  r.procs.forEach((p, i) => {
    assert.deepEqual(
      p.openFds,
      m.fds
        .filter((f) => f.proc === i)
        .map((f) => f.fd)
        .sort((a, b) => a - b),
    );
  });
  const live = m.bufs.filter((b) => alive(m, b));
  assert.deepEqual(
    k.dmabuf.list,
    live.map((b) => b.buf),
  );
  for (const b of m.bufs) {
    assert.equal(b.st.released, !alive(m, b));
    if (!alive(m, b)) continue;
    assert.equal(
      b.buf.file.count,
      m.fds.filter((f) => f.b === b).length + m.atts.filter((a) => a.b === b).length,
    );
    assert.equal(b.buf.attachments.length, m.atts.filter((a) => a.b === b).length);
    assert.equal(
      b.st.maps,
      m.atts.filter((a) => a.b === b).reduce((s, a) => s + a.sgts.length, 0),
    );
  }
  assert.deepEqual(
    k.violations.all.map((v) => v.rule),
    m.violations,
  );
}

type Cmd = fc.Command<Model, Real>;
const cmd = (
  name: string,
  check: (m: Model) => boolean,
  run: (m: Model, r: Real) => void,
): Cmd => ({
  check,
  run(m, r) {
    run(m, r);
    compare(m, r);
  },
  toString: () => name,
});

const mapOne = (r: Real, x: MAtt) => {
  const { k } = r;
  const sgt = x.dynamic
    ? k.dmabuf.withLock(x.b.buf, () => unwrap(k.dmabuf.mapAttachment(x.a, DMA_BIDIRECTIONAL)))
    : unwrap(k.dmabuf.mapAttachmentUnlocked(x.a, DMA_BIDIRECTIONAL));
  x.sgts.push(sgt);
};
const unmapOne = (r: Real, x: MAtt, locked: boolean) => {
  const sgt = x.sgts.pop()!;
  if (locked) r.k.dmabuf.unmapAttachment(x.a, sgt, DMA_BIDIRECTIONAL);
  else if (x.dynamic)
    r.k.dmabuf.withLock(x.b.buf, () => r.k.dmabuf.unmapAttachment(x.a, sgt, DMA_BIDIRECTIONAL));
  else r.k.dmabuf.unmapAttachmentUnlocked(x.a, sgt, DMA_BIDIRECTIONAL);
};

const commands = [
  fc
    .record({ proc: fc.nat(1), dynamic: fc.boolean(), cloexec: fc.boolean() })
    .map(({ proc, dynamic, cloexec }) =>
      cmd(
        `export(p${proc}, ${dynamic ? 'dyn' : 'static'})`,
        () => true,
        (m, r) => {
          const { buf, st } = exportSysmem(r.k, { dynamic });
          const b: MBuf = { dynamic, buf, st };
          const want = lowestFree(m, proc);
          assert.equal(unwrap(r.k.dmabuf.fd(buf, r.procs[proc]!, cloexec ? O.CLOEXEC : 0)), want);
          m.bufs.push(b);
          m.fds.push({ proc, fd: want, b, cloexec });
        },
      ),
    ),
  fc.record({ i: fc.nat(), to: fc.nat(1), cloexec: fc.boolean() }).map(({ i, to, cloexec }) =>
    cmd(
      `passFd(#${i} → p${to})`,
      (m) => m.fds.length > 0,
      (m, r) => {
        const f = pick(m.fds, i)!;
        const want = lowestFree(m, to);
        assert.deepEqual(
          r.k.procs.passFd(r.procs[f.proc]!, f.fd, r.procs[to]!, cloexec ? O.CLOEXEC : 0),
          { ok: true, value: want },
        );
        m.fds.push({ proc: to, fd: want, b: f.b, cloexec });
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `close(#${i})`,
      (m) => m.fds.length > 0,
      (m, r) => {
        const f = pick(m.fds, i)!;
        assert.ok(r.procs[f.proc]!.close(f.fd).ok);
        m.fds.splice(m.fds.indexOf(f), 1);
      },
    ),
  ),
  fc.nat(1).map((proc) =>
    cmd(
      `exec(p${proc})`,
      () => true,
      (m, r) => {
        r.procs[proc]!.exec();
        m.fds = m.fds.filter((f) => f.proc !== proc || !f.cloexec);
      },
    ),
  ),
  fc.record({ i: fc.nat(), dev: fc.nat(1), dynamic: fc.boolean() }).map(({ i, dev, dynamic }) =>
    cmd(
      `attach(#${i}, dev${dev}, ${dynamic ? 'dyn' : 'static'})`,
      (m) => m.fds.length > 0,
      (m, r) => {
        const f = pick(m.fds, i)!;
        const buf = unwrap(r.k.dmabuf.get(r.procs[f.proc]!, f.fd));
        assert.equal(buf, f.b.buf);
        let x: MAtt | undefined;
        const ops = {
          allow_peer2peer: true,
          // The importer drops its mappings at once (as an ODP-capable RDMA driver does).
          move_notify: () => {
            while (x?.sgts.length) unmapOne(r, x, true);
          },
        };
        const a = unwrap(
          dynamic
            ? r.k.dmabuf.dynamicAttach(buf, r.devs[dev]!, ops)
            : r.k.dmabuf.attach(buf, r.devs[dev]!),
        );
        x = { b: f.b, dynamic, a, sgts: [] };
        m.atts.push(x);
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `map(att#${i})`,
      (m) => m.atts.length > 0,
      (_m, r) => mapOne(r, pick(_m.atts, i)!),
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `unmap(att#${i})`,
      (m) => m.atts.some((a) => a.sgts.length > 0),
      (m, r) => {
        const x = pick(
          m.atts.filter((a) => a.sgts.length > 0),
          i,
        )!;
        unmapOne(r, x, false);
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `move_notify(buf#${i})`,
      (m) => m.bufs.some((b) => b.dynamic && alive(m, b)),
      (m, r) => {
        const b = pick(
          m.bufs.filter((x) => x.dynamic && alive(m, x)),
          i,
        )!;
        // Static mappings of a dynamic exporter are pinned: moving now breaks spec §7.26.
        if (m.atts.some((a) => a.b === b && !a.dynamic && a.sgts.length > 0))
          m.violations.push('spec7.26');
        const kept = m.atts
          .filter((a) => a.b === b && !a.dynamic)
          .reduce((s, a) => s + a.sgts.length, 0);
        r.k.dmabuf.withLock(b.buf, () => r.k.dmabuf.moveNotify(b.buf));
        assert.equal(b.st.maps, kept, 'every dynamic importer dropped its mappings');
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `detach(att#${i})`,
      (m) => m.atts.length > 0,
      (m, r) => {
        const x = pick(m.atts, i)!;
        while (x.sgts.length) unmapOne(r, x, false);
        r.k.dmabuf.detach(x.b.buf, x.a);
        m.atts.splice(m.atts.indexOf(x), 1);
        m.dead.push(x.a);
        r.k.dmabuf.put(x.b.buf);
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `mapDetached(#${i})`,
      (m) => m.dead.length > 0,
      (m, r) => {
        const res = r.k.dmabuf.mapAttachmentUnlocked(pick(m.dead, i)!, DMA_BIDIRECTIONAL);
        assert.equal(!res.ok && res.errno, 'EINVAL');
        m.violations.push('spec7.18');
      },
    ),
  ),
  fc.nat().map((i) =>
    cmd(
      `attachWithoutMoveNotify(#${i})`,
      (m) => m.fds.length > 0,
      (m, r) => {
        const f = pick(m.fds, i)!;
        const res = r.k.dmabuf.dynamicAttach(f.b.buf, r.devs[0]!, { allow_peer2peer: true });
        assert.equal(!res.ok && res.errno, 'EINVAL');
        m.violations.push('spec7.9');
      },
    ),
  ),
  fc.record({ i: fc.nat(), len: fc.integer({ min: 0, max: 40 }) }).map(({ i, len }) =>
    cmd(
      `setName(#${i}, ${len} bytes)`,
      (m) => m.fds.length > 0,
      (m, r) => {
        const f = pick(m.fds, i)!;
        const res = r.procs[f.proc]!.ioctl(f.fd, DMA_BUF_IOCTL.SET_NAME, { name: 'n'.repeat(len) });
        if (len >= 32) assert.equal(!res.ok && res.errno, 'EINVAL');
        else assert.deepEqual(res, { ok: true, value: 0 });
      },
    ),
  ),
  fc.record({ proc: fc.nat(1), fd: fc.integer({ min: 0, max: 40 }) }).map(({ proc, fd }) =>
    cmd(
      `get(p${proc}, ${fd})`,
      () => true,
      (m, r) => {
        const res = r.k.dmabuf.get(r.procs[proc]!, fd);
        const f = m.fds.find((x) => x.proc === proc && x.fd === fd);
        if (!f) {
          assert.equal(!res.ok && res.errno, 'EBADF');
          return;
        }
        assert.equal(unwrap(res), f.b.buf);
        r.k.dmabuf.put(f.b.buf);
      },
    ),
  ),
];

test('random dma-buf sequences across processes agree with the reference model and tear down cleanly', () => {
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 60, size: 'large' }), (cmds) => {
      const { k, proc, nic, gpu } = testKernel({ moveNotify: true });
      const real: Real = { k, procs: [proc, k.spawn('peer')], devs: [nic, gpu] };
      const model: Model = { bufs: [], fds: [], atts: [], dead: [], violations: [] };
      fc.modelRun(() => ({ model, real }), cmds);
      for (const x of [...model.atts]) {
        while (x.sgts.length) unmapOne(real, x, false);
        k.dmabuf.detach(x.b.buf, x.a);
        k.dmabuf.put(x.b.buf);
      }
      for (const p of real.procs) k.procs.exit(p);
      assert.deepEqual(k.checkPristine(), []);
      assert.deepEqual(
        k.violations.all.map((v) => v.rule),
        model.violations,
      );
    }),
    { numRuns: 200, seed: 20261125 },
  );
});
