/**
 * The DMA-BUF model's version boundaries, each a named test on both sides of the release that
 * moved it (issue 9 item 3), plus the rule-set name checks `demo --rules` shares with `check`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { DMA_BUF_IOCTL } from '../dmabuf/uapi.js';
import type { DramBarProps } from '../drivers/accel/export-validate.js';
import { validateExportNoMmu } from '../drivers/accel/export-validate.js';
import { hlExportAlignmentFor } from '../drivers/accel/uapi.js';
import { O } from '../proc/types.js';
import { Kernel } from './kernel.js';
import { parseRuleSet } from './rules.js';
import { testKernel } from './testing/setup.js';
import { exportSysmem } from './testing/sysmem-exporter.js';

/** SET_NAME on a buffer with one attachment, on `ruleSet`: the ioctl's answer. */
function setNameWhileAttached(ruleSet: string): string {
  const { k, proc, nic } = testKernel({ ruleSet, strict: true });
  const { buf } = exportSysmem(k);
  const fd = unwrap(k.dmabuf.fd(buf, proc, O.CLOEXEC));
  const a = unwrap(k.dmabuf.attach(buf, nic));
  const r = proc.ioctl(fd, DMA_BUF_IOCTL.SET_NAME, { name: 'ring0' });
  k.dmabuf.detach(buf, a);
  proc.close(fd);
  return r.ok ? 'ok' : r.errno;
}

test('DMA_BUF_SET_NAME while attached: -EBUSY on v5.16 (before e73c317efbf9)', () => {
  assert.equal(setNameWhileAttached('linux-5.16'), 'EBUSY');
  assert.equal(setNameWhileAttached('linux-5.10.200'), 'EBUSY');
});

test('DMA_BUF_SET_NAME while attached: accepted from v5.17 (e73c317efbf9 dropped the check)', () => {
  assert.equal(setNameWhileAttached('linux-5.17'), 'ok');
  assert.equal(setNameWhileAttached('linux-6.1'), 'ok');
});

/** dma_fence_signal() on an already signalled fence, on `ruleSet`. */
function signalTwice(ruleSet: string): string {
  const k = new Kernel({ ruleSet });
  const f = k.fences.mockFence();
  f.signal();
  const again = f.signal();
  f.put();
  assert.deepEqual(k.checkPristine(), []);
  return again.ok ? 'ok' : again.errno;
}

test('dma_fence_signal on a signalled fence: -EINVAL through v6.19 (6.16, 6.17, 6.19)', () => {
  for (const r of ['linux-6.16', 'linux-6.17', 'linux-6.19'])
    assert.equal(signalTwice(r), 'EINVAL', r);
});

test('dma_fence_signal on a signalled fence: no error from v7.0', () => {
  for (const r of ['linux-7.0', 'linux-7.2']) assert.equal(signalTwice(r), 'ok', r);
});

const BASE = 0x10_0000_0000n;
const props = (ruleSet: string): DramBarProps => ({
  dramBase: BASE,
  dramUserBase: BASE,
  dramEnd: BASE + (1n << 30n),
  dramPciBarStart: 0x200_0000_0000n,
  dramPciBarSize: 1n << 30n,
  dramVirtualMemory: false,
  pageSize: 4096n,
  exportAlignment: hlExportAlignmentFor(parseRuleSet(ruleSet)),
});
const exportErr = (ruleSet: string, size: bigint): string | null => {
  const r = validateExportNoMmu(props(ruleSet), { addr: BASE, size, offset: 0n });
  return r.ok ? null : `${r.errno}: ${r.message}`;
};

test('habanalabs EXPORT_DMABUF_FD before v6.11: only size >= PAGE_SIZE (a 6 KiB size is accepted)', () => {
  assert.equal(exportErr('linux-6.10', 6144n), null);
  assert.equal(exportErr('linux-6.2', 6144n), null);
  assert.equal(
    exportErr('linux-6.10', 2048n),
    'EINVAL: exported device memory size 2048 should be equal to or greater than 4096',
  );
});

test('habanalabs EXPORT_DMABUF_FD from v6.11 (0b75cb5b240f): size and offset multiples of PAGE_SIZE', () => {
  assert.equal(
    exportErr('linux-6.11', 6144n),
    'EINVAL: exported device memory size 6144 should be a multiple of PAGE_SIZE 4096',
  );
  assert.equal(exportErr('linux-6.11', 8192n), null);
});

test('demo and check share the rule-set check: unknown, pre-p2pdma and malformed names are typed errors', () => {
  assert.throws(() => new Kernel({ ruleSet: 'linux-6.25' }), /not a mainline release/);
  assert.throws(() => new Kernel({ ruleSet: 'linux-4.14' }), /has no PCI P2PDMA/);
  assert.throws(() => new Kernel({ ruleSet: 'latest' }), /unknown rule set 'latest'/);
  // Past the newest known release: the newest rules, said so (as `check` answers it).
  const k = new Kernel({ ruleSet: 'linux-8.0' });
  assert.deepEqual(k.version, [7, 2]);
  assert.match(k.p2pdma.ruleSet.caveat ?? '', /linux-8\.0 is newer than the newest release/);
});
