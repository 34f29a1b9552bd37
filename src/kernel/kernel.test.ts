import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { StrictModeViolation } from '../core/violations.js';
import { switchFabric } from '../pci/testing/fabrics.js';
import { O } from '../proc/types.js';
import { Kernel } from './kernel.js';

test('defaults: linux-6.19, strict IOMMU, 4 KiB pages, an empty fabric, pristine', () => {
  const k = new Kernel();
  assert.equal(k.ruleSet, 'linux-6.19');
  assert.deepEqual(k.version, [6, 19]);
  assert.deepEqual(k.iommu, { mode: 'strict' });
  assert.equal(k.pageSize, 4096);
  assert.equal(k.fabric.size, 0);
  assert.equal(k.dmabufRules.sgtCaching, false);
  assert.deepEqual(k.checkPristine(), []);
});

test('an unknown rule set is a user error naming it', () => {
  assert.throws(() => new Kernel({ ruleSet: 'freebsd-14' }), /unknown rule set 'freebsd-14'/);
});

test('fence contexts come from the kernel’s own counter, starting at 1', () => {
  const a = new Kernel();
  const b = new Kernel();
  assert.equal(a.fenceContextAlloc(2), 1n);
  assert.equal(a.fenceContextAlloc(), 3n);
  assert.equal(b.fenceContextAlloc(), 1n);
});

test('checkPristine lists open fds, live files, live fences and registered probes', () => {
  const k = new Kernel();
  const p = k.spawn('app');
  const f = k.fences.mockFence();
  const leaks: string[] = ['iova 0x1000 still mapped'];
  k.registerLeakProbe('iommu', () => leaks);
  const file = k.files.alloc({ fops: { kind: 'test' }, priv: null, ino: 1, fs: 'x' });
  unwrap(p.installFd(file, O.CLOEXEC));
  assert.deepEqual(k.checkPristine(), [
    'app[1000] fd 0 (test)',
    'file 1 (test, ino 1) count 1',
    'fence layer: 1 live fences',
    'iommu: iova 0x1000 still mapped',
  ]);
  leaks.pop();
  f.put();
  p.exec();
  assert.deepEqual(k.checkPristine(), []);
});

test('service() keeps per-kernel state of other layers', () => {
  const a = new Kernel();
  const b = new Kernel();
  const make = () => ({ n: 0 });
  a.service('counter', make).n++;
  a.service('counter', make).n++;
  assert.equal(a.service('counter', make).n, 2);
  assert.equal(b.service('counter', make).n, 0);
});

test('strict mode throws at the first WARN; pciDevice resolves fabric names', () => {
  const k = new Kernel({ fabric: switchFabric(), strict: true });
  assert.throws(() => k.dmabuf.put(null), StrictModeViolation);
  const nic = k.pciDevice('nic0');
  assert.equal(nic.name, '0000:04:00.0');
  assert.equal(nic.pci?.bdf, '0000:04:00.0');
  assert.equal(nic.dma?.fn, nic.pci);
  assert.deepEqual(k.platformDevice('disp'), { name: 'disp', pci: null, dma: null });
});
