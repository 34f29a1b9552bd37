import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { StrictModeViolation } from '../core/violations.js';
import { switchFabric } from '../pci/testing/fabrics.js';
import { O } from '../proc/types.js';
import { Kernel } from './kernel.js';
import { p2pRuleSetFor } from './rules.js';

test('defaults: the newest release (linux-7.2), strict IOMMU, 4 KiB pages, an empty fabric, pristine', () => {
  const k = new Kernel();
  assert.equal(k.ruleSet, 'linux-7.2');
  assert.deepEqual(k.version, [7, 2]);
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

test('the Kernel owns one IOMMU, one P2PDMA and one DMA API, shared by every user', () => {
  const a = new Kernel({ fabric: switchFabric(), iommu: { mode: 'lazy' }, ruleSet: 'linux-6.8' });
  const b = new Kernel({ fabric: switchFabric() });
  assert.equal(a.iommuUnit, a.iommuUnit);
  assert.equal(a.dma.iommu, a.iommuUnit);
  assert.notEqual(a.iommuUnit, b.iommuUnit);
  assert.equal(a.iommuUnit.modeOf(a.fabric.resolve('nic0')), 'lazy');
  assert.equal(b.iommuUnit.modeOf(b.fabric.resolve('nic0')), 'strict');
  assert.equal(a.p2pdma.ruleSet.name, 'linux-6.8');
  assert.equal(b.p2pdma.ruleSet.name, 'linux-7.2');
});

function mapOnePage(k: Kernel): { unmap(): void } {
  const nic = k.pciDevice('nic0').dma!;
  const phys = 0x1_0000_0000n;
  const addr = k.dma.mapResource(nic, phys, 4096n, 0);
  return { unmap: () => k.dma.unmapResource(nic, addr, 4096n, 0) };
}

test('lazy IOMMU: a range in the flush queue is deferred work, a mapped one is a leak', () => {
  const k = new Kernel({ fabric: switchFabric(), iommu: { mode: 'lazy' } });
  const m = mapOnePage(k);
  assert.deepEqual(k.checkPristine(), ['iommu: 1 IOVA range(s) allocated, 1 PTE(s) still mapped']);
  m.unmap();
  assert.deepEqual(k.checkPristine(), []);
  assert.deepEqual(k.deferredWork(), ['iommu: 1 unmapped IOVA range(s) in the lazy flush queue']);
  const leaked = mapOnePage(k);
  assert.deepEqual(k.checkPristine(), ['iommu: 1 IOVA range(s) allocated, 1 PTE(s) still mapped']);
  k.quiesce();
  assert.deepEqual(k.deferredWork(), []);
  assert.deepEqual(k.checkPristine(), ['iommu: 1 IOVA range(s) allocated, 1 PTE(s) still mapped']);
  leaked.unmap();
  k.quiesce();
  assert.deepEqual(k.checkPristine(), []);
});

test('strict IOMMU: unmap frees the IOVA at once (nothing deferred)', () => {
  const k = new Kernel({ fabric: switchFabric() });
  mapOnePage(k).unmap();
  assert.deepEqual(k.deferredWork(), []);
  assert.deepEqual(k.checkPristine(), []);
});

test('WARN-class violations and BUGs appear in the kernel log; CHECK ones do not', () => {
  const k = new Kernel();
  k.violations.report('WARN', RULE.spec7_9, 'dma_buf_detach: attachment of another buffer');
  k.violations.report('CHECK', RULE.spec7_16, 'silent misuse');
  k.violations.report('MIGHT_SLEEP', RULE.fenceMightSleep, 'dma_resv_lock in atomic context');
  assert.throws(() => k.violations.bug(RULE.spec7_29, 'vunmap of a buffer that is not vmapped'));
  assert.deepEqual(k.log, [
    { level: 'warn', text: 'WARNING: dma_buf_detach: attachment of another buffer [spec7.9]' },
    {
      level: 'err',
      text: 'BUG: sleeping function called from invalid context: dma_resv_lock in atomic context [fence.might-sleep]',
    },
    { level: 'err', text: 'kernel BUG: vunmap of a buffer that is not vmapped [spec7.29]' },
  ]);
});

test('strict mode logs the WARN before throwing', () => {
  const k = new Kernel({ strict: true });
  assert.throws(() => k.dmabuf.put(null), StrictModeViolation);
  assert.equal(k.log.length, 1);
  assert.match(k.log[0]!.text, /^WARNING: /);
});

test('fence behaviour after signal follows the rule set: ops detached from v6.17, -EINVAL through v6.19', () => {
  const names = (ruleSet: string) => {
    const k = new Kernel({ ruleSet });
    const f = k.fences.mockFence();
    f.signal();
    const again = f.signal();
    const out = [f.driverName, f.timelineName, again.ok ? 'ok' : again.errno];
    f.put();
    assert.deepEqual(k.checkPristine(), []);
    return out;
  };
  assert.deepEqual(names('linux-7.0'), ['detached-driver', 'signaled-timeline', 'ok']);
  assert.deepEqual(names('linux-6.19'), ['detached-driver', 'signaled-timeline', 'EINVAL']);
  assert.deepEqual(names('linux-6.17'), ['detached-driver', 'signaled-timeline', 'EINVAL']);
  assert.deepEqual(names('linux-6.16'), ['mock', 'mock', 'EINVAL']);
  assert.deepEqual(names('linux-6.1'), ['mock', 'mock', 'EINVAL']);
});

test('p2pdma rule set for a kernel version: every release is its own fold of the history', () => {
  for (const r of ['linux-6.19', 'linux-6.8', 'linux-5.10', 'linux-5.15', 'linux-4.20'])
    assert.equal(p2pRuleSetFor(r), r);
  assert.throws(() => p2pRuleSetFor('linux-4.19'), /has no PCI P2PDMA/);
});

test('a release past the newest known: the Kernel models the newest, p2pdma says so', () => {
  const k = new Kernel({ ruleSet: 'linux-9.3' });
  assert.deepEqual(k.version, [7, 2]);
  assert.match(k.p2pdma.ruleSet.caveat ?? '', /newer than the newest release/);
  assert.throws(() => new Kernel({ ruleSet: 'linux-5.25' }), /not a mainline release/);
});
