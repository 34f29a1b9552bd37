import { RULE } from '../core/rule-ids.js';
import type { SgCpuEntry } from '../dma/types.js';
import type { DmaBufCore } from './core.js';
import type { SgTable } from './types.js';

type Env = DmaBufCore['env'];

/** A CPU entry whose page pointer was XOR-mangled: reading it is a crash (KernelBug, spec §7.22). */
function poisoned(env: Env, what: string): SgCpuEntry {
  const crash = (): never =>
    env.violations.bug(
      RULE.spec7_22,
      `unable to handle page fault: importer read ${what} of a mangled sg entry`,
    );
  return {
    get phys() {
      return crash();
    },
    get length() {
      return crash();
    },
    get p2pProvider() {
      return crash();
    },
  };
}

/** Original CPU views of tables mangled in place, to restore before unmap. */
export type MangleStash = Map<SgTable, SgCpuEntry[]>;

/**
 * CONFIG_DMABUF_DEBUG (spec §1.8). `xor` (v5.12–≈v6.19): every CPU-view entry is mangled in place
 * (reading its page/phys crashes the importer). `wrapper` (≈v7.0): the importer gets a copy with the
 * DMA segments only and an empty CPU view. Returns the table to hand to the importer.
 */
export function applyDebug(env: Env, stash: MangleStash, sgt: SgTable): SgTable {
  if (!env.config.dmabufDebug) return sgt;
  if (env.rules.debugStyle === 'xor') {
    if (!stash.has(sgt)) {
      stash.set(sgt, sgt.cpu);
      sgt.cpu = sgt.cpu.map((_, i) => poisoned(env, `cpu[${i}]`));
    }
    return sgt;
  }
  if (env.rules.debugStyle === 'wrapper') return { cpu: [], dma: sgt.dma.map((s) => ({ ...s })) };
  return sgt;
}

/** Undo `applyDebug` before the exporter sees its table again. */
export function undoDebug(stash: MangleStash, exporters: SgTable): void {
  const orig = stash.get(exporters);
  if (orig) {
    exporters.cpu = orig;
    stash.delete(exporters);
  }
}
