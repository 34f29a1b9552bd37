import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ViolationLog } from '../core/violations.js';
import { FileTable } from './files.js';
import { ProcessTable, renderFdinfo } from './procs.js';
import { type FileOps, O, SEEK } from './types.js';

function setup() {
  const log = new ViolationLog();
  const files = new FileTable(log);
  const procs = new ProcessTable(files, 4096);
  const released: number[] = [];
  const fops: FileOps = { kind: 'test', release: (f) => released.push(f.id) };
  const open = () => files.alloc({ fops, priv: null, ino: 7, fs: 'testfs', flags: O.RDWR });
  return { log, files, procs, released, open };
}

test('fds: lowest free first, close frees, dup shares the file', () => {
  const { files, procs, released, open } = setup();
  const p = procs.spawn('a');
  assert.equal((p.installFd(open()) as { value: number }).value, 0);
  assert.equal((p.installFd(open()) as { value: number }).value, 1);
  assert.ok(p.close(0).ok);
  const f = open();
  assert.deepEqual(p.installFd(f), { ok: true, value: 0 });
  assert.deepEqual(p.dup(0), { ok: true, value: 2 });
  assert.equal(f.count, 2);
  assert.ok(p.close(0).ok);
  assert.deepEqual(released, [1]);
  assert.ok(p.close(2).ok);
  assert.deepEqual(released, [1, 3]);
  assert.equal(p.close(2).ok, false);
  p.exit();
  assert.deepEqual(files.live, []);
});

test('EBADF and EMFILE with a per-process RLIMIT_NOFILE', () => {
  const { files, procs, open } = setup();
  const p = procs.spawn('small', { rlimitNofile: 2 });
  assert.ok(p.installFd(open()).ok);
  assert.ok(p.installFd(open()).ok);
  const extra = open();
  const r = p.installFd(extra);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.errno, 'EMFILE');
  files.put(extra);
  const d = p.dup(5);
  assert.equal(!d.ok && d.errno, 'EBADF');
  const e = p.dup(0);
  assert.equal(!e.ok && e.errno, 'EMFILE');
  procs.exit(p);
  assert.deepEqual(files.live, []);
});

test('dup2 replaces the target fd and clears close-on-exec; exec closes O_CLOEXEC fds', () => {
  const { files, procs, released, open } = setup();
  const p = procs.spawn('a');
  const a = open();
  const b = open();
  p.installFd(a, O.CLOEXEC);
  p.installFd(b);
  assert.deepEqual(p.dup2(0, 1), { ok: true, value: 1 });
  assert.deepEqual(released, [b.id]);
  assert.equal(p.isCloexec(1), false);
  assert.equal(a.count, 2);
  p.exec();
  assert.deepEqual(p.openFds, [1]);
  assert.equal(a.count, 1);
  procs.exit(p);
  assert.deepEqual(files.live, []);
});

test('passFd installs a new fd in the receiver referencing the same file (SCM_RIGHTS)', () => {
  const { files, procs, open } = setup();
  const a = procs.spawn('sender');
  const b = procs.spawn('receiver');
  const f = open();
  a.installFd(f);
  b.installFd(open());
  assert.deepEqual(procs.passFd(a, 0, b, O.CLOEXEC), { ok: true, value: 1 });
  assert.equal(b.lookup(1), f);
  assert.equal(b.isCloexec(1), true);
  assert.equal(f.count, 2);
  procs.exit(a);
  assert.equal(f.count, 1);
  const bad = procs.passFd(b, 9, b);
  assert.equal(!bad.ok && bad.errno, 'EBADF');
  procs.exit(b);
  assert.deepEqual(files.live, []);
});

test('fdinfo prints pos, flags in octal with O_CLOEXEC, mnt_id and ino', () => {
  const { procs, open } = setup();
  const p = procs.spawn('a');
  p.installFd(open(), O.CLOEXEC);
  const info = procs.fdinfo(p.pid, 0);
  assert.ok(info.ok);
  assert.equal(renderFdinfo(info.value), 'pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t7\n');
  const none = procs.fdinfo(p.pid, 3);
  assert.equal(!none.ok && none.errno, 'ENOENT');
  procs.exit(p);
});

test('syscalls answer like the VFS for files without the op', () => {
  const { procs, open } = setup();
  const p = procs.spawn('a');
  p.installFd(open());
  const io = p.ioctl(0, 0x1234);
  assert.equal(!io.ok && io.errno, 'ENOTTY');
  const sk = p.llseek(0, 0n, SEEK.END);
  assert.equal(!sk.ok && sk.errno, 'ESPIPE');
  const mm = p.mmap(0, { length: 4096n });
  assert.equal(!mm.ok && mm.errno, 'ENODEV');
  assert.deepEqual(p.poll(0, 5), { ok: true, value: 5 });
  procs.exit(p);
});

test('an extra fput is a refcount WARN, not a second release', () => {
  const { log, files, released, open } = setup();
  const f = open();
  files.put(f);
  files.put(f);
  assert.deepEqual(released, [1]);
  assert.equal(log.all[0]?.rule, 'refcount.underflow');
});
