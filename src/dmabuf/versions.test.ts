import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unwrap } from '../core/errno.js';
import { DMA_BIDIRECTIONAL } from '../dma/types.js';
import { parseRuleSet } from '../kernel/rules.js';
import { testKernel } from '../kernel/testing/setup.js';
import { exportSysmem } from '../kernel/testing/sysmem-exporter.js';
import { dmabufRulesFor } from './rules.js';

test('rule sets: which dma-buf behaviours each kernel version has', () => {
  const row = (n: string) => {
    const r = dmabufRulesFor(n, parseRuleSet(n));
    return [
      r.sgtCaching,
      r.mapAtAttach,
      r.lockAllImporters,
      r.setNameBusyWhenAttached,
      r.syncFileIoctls,
      r.debugStyle,
    ];
  };
  assert.deepEqual(row('linux-5.10'), [true, true, false, true, false, 'none']);
  assert.deepEqual(row('linux-5.16'), [true, true, false, true, false, 'xor']);
  assert.deepEqual(row('linux-5.17'), [true, true, false, false, false, 'xor']);
  assert.deepEqual(row('linux-6.1'), [true, true, false, false, true, 'xor']);
  assert.deepEqual(row('linux-6.14'), [true, true, true, false, true, 'xor']);
  assert.deepEqual(row('linux-6.19'), [false, false, true, false, true, 'xor']);
  assert.deepEqual(row('linux-7.0'), [false, false, true, false, true, 'wrapper']);
  assert.throws(() => parseRuleSet('6.19'), /unknown rule set '6.19'/);
});

test('≤ 6.14: a static importer of a dynamic exporter is pinned and mapped at attach, undone at detach', () => {
  const { k, nic } = testKernel({ ruleSet: 'linux-6.14', strict: true });
  const { buf, st } = exportSysmem(k, { dynamic: true });
  const a = unwrap(k.dmabuf.attach(buf, nic));
  assert.equal(st.pins, 1);
  assert.equal(st.maps, 1);
  const sgt = k.dmabuf.withLock(buf, () => unwrap(k.dmabuf.mapAttachment(a, DMA_BIDIRECTIONAL)));
  assert.equal(sgt, a.sgt, 'map returns the table cached at attach');
  k.dmabuf.withLock(buf, () => k.dmabuf.unmapAttachment(a, sgt, DMA_BIDIRECTIONAL));
  assert.equal(st.maps, 1);
  k.dmabuf.detach(buf, a);
  assert.equal(st.pins, 0);
  assert.equal(st.maps, 0);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});

test('≥ 6.15: attach maps nothing; every map is a fresh exporter call', () => {
  const { k, nic } = testKernel({ strict: true });
  const { buf, st } = exportSysmem(k, { dynamic: true, cacheSgt: true });
  const a = unwrap(k.dmabuf.attach(buf, nic));
  assert.equal(st.maps, 0);
  const s1 = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
  const s2 = unwrap(k.dmabuf.mapAttachmentUnlocked(a, DMA_BIDIRECTIONAL));
  assert.notEqual(s1, s2);
  assert.equal(st.maps, 2);
  assert.equal(st.pins, 2);
  k.dmabuf.unmapAttachmentUnlocked(a, s1, DMA_BIDIRECTIONAL);
  k.dmabuf.unmapAttachmentUnlocked(a, s2, DMA_BIDIRECTIONAL);
  k.dmabuf.detach(buf, a);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});

test('≤ 6.14: a failing map at attach unwinds the attach and returns the error', () => {
  const { k, nic } = testKernel({ ruleSet: 'linux-6.1' });
  const { buf, st } = exportSysmem(k, { dynamic: true });
  st.failMapNull = true;
  const r = k.dmabuf.attach(buf, nic);
  assert.equal(!r.ok && r.errno, 'ENOMEM');
  assert.equal(buf.attachments.length, 0);
  assert.equal(st.pins, 0);
  k.dmabuf.put(buf);
  assert.deepEqual(k.checkPristine(), []);
});
