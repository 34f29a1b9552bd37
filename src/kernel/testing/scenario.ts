/**
 * The misuse-matrix harness: every case runs on a fresh Kernel next to a bystander buffer that is
 * attached and mapped by another device. After the misuse the bystander must still map and unmap,
 * and once the case cleaned up (and reclaimed the leaks it reported) the Kernel must be pristine.
 */
import assert from 'node:assert/strict';
import { unwrap } from '../../core/errno.js';
import { KernelBug } from '../../core/violations.js';
import { DMA_BIDIRECTIONAL } from '../../dma/types.js';
import type { Kernel, KernelOptions } from '../kernel.js';
import { testKernel } from './setup.js';
import { exportSysmem } from './sysmem-exporter.js';

export interface Ctx extends ReturnType<typeof testKernel> {
  /** Violation rules recorded since the case started. */
  readonly seen: () => string[];
}

export function scenario(opts: KernelOptions, body: (c: Ctx) => void): void {
  const base = testKernel(opts);
  const { k, gpu } = base;
  const by = exportSysmem(k, { name: 'bystander' });
  const ba = unwrap(k.dmabuf.attach(by.buf, gpu));
  const bsgt = unwrap(k.dmabuf.mapAttachmentUnlocked(ba, DMA_BIDIRECTIONAL));
  const from = k.violations.nextSeq;
  body({ ...base, seen: () => k.violations.since(from).map((v) => v.rule) });
  assert.equal(k.dmabuf.assertMappingUsable(ba, bsgt), true, 'bystander mapping still usable');
  k.dmabuf.unmapAttachmentUnlocked(ba, bsgt, DMA_BIDIRECTIONAL);
  const again = unwrap(k.dmabuf.mapAttachmentUnlocked(ba, DMA_BIDIRECTIONAL));
  k.dmabuf.unmapAttachmentUnlocked(ba, again, DMA_BIDIRECTIONAL);
  k.dmabuf.detach(by.buf, ba);
  k.dmabuf.put(by.buf);
  assert.equal(by.st.maps, 0);
  assert.deepEqual(k.checkPristine(), []);
}

/** Assert `fn` throws a KernelBug for `rule`. */
export function assertBug(rule: string, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof KernelBug && e.rule === rule);
}

/** Assert a result is the given errno. */
export function assertErr(r: { ok: boolean; errno?: string }, errno: string): void {
  assert.equal(r.ok, false, `expected -${errno}`);
  assert.equal(r.errno, errno);
}

/** Report the leak strings, then reclaim them (what a fixed importer would have released). */
export function reclaim(k: Kernel, expect: RegExp): void {
  const leaks = k.checkPristine();
  assert.ok(
    leaks.some((l) => expect.test(l)),
    `leak report ${JSON.stringify(leaks)} mentions ${expect}`,
  );
  k.dmabuf.reclaimLeaks();
}
