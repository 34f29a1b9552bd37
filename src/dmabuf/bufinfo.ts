import { type KResult, ok } from '../core/errno.js';
import { hexDigits } from '../util/hex.js';
import type { DmaBufCore } from './core.js';

/** One fence line of bufinfo (usage ≤ READ). */
export interface ResvFenceInfo {
  readonly usage: number;
  readonly desc: string;
  readonly signaled: boolean;
}

/** One buffer of debugfs `dma_buf/bufinfo` as data (spec §1.15). */
export interface BufInfoEntry {
  readonly size: bigint;
  readonly flags: number;
  readonly mode: number;
  readonly count: number;
  readonly expName: string;
  readonly ino: number;
  readonly name: string | null;
  /** Fences up to READ usage (BOOKKEEP not shown). */
  readonly fences: readonly ResvFenceInfo[];
  /** dev_name of each attachment, in attach order. */
  readonly devices: readonly string[];
}

export interface BufInfo {
  readonly buffers: readonly BufInfoEntry[];
  readonly totalObjects: number;
  readonly totalBytes: bigint;
}

/**
 * The debugfs listing as data, in global-list order. Each buffer's reservation lock is taken
 * interruptibly while its fences are read; an interrupted lock aborts the dump with the error.
 */
export function bufinfo(core: DmaBufCore): KResult<BufInfo> {
  const buffers: BufInfoEntry[] = [];
  for (const b of core.list) {
    if (b.resv.isLocked) core.deadlock(b, 'dma_buf_debug_show');
    const l = b.resv.lockInterruptible(null);
    if (!l.ok) return l;
    try {
      buffers.push({
        size: b.size,
        flags: b.file.flags,
        mode: b.file.mode,
        count: b.file.count,
        expName: b.expName,
        ino: b.ino,
        name: b.name,
        fences: b.resv.describe(),
        devices: b.attachments.map((a) => a.dev.name),
      });
    } finally {
      b.resv.unlock();
    }
  }
  return ok({
    buffers,
    totalObjects: buffers.length,
    totalBytes: buffers.reduce((s, b) => s + b.size, 0n),
  });
}

const USAGE = ['kernel', 'write', 'read', 'bookkeep'] as const;
const dec = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** One fence as bufinfo prints it: `write fence: 1:1 timeline driver unsignalled`. */
export const fenceLine = (f: ResvFenceInfo): string =>
  `${USAGE[f.usage]} fence: ${f.desc} ${f.signaled ? 'signalled' : 'unsignalled'}`;

/** The text of `/sys/kernel/debug/dma_buf/bufinfo`. */
export function renderBufinfo(info: BufInfo): string {
  const out = ['', 'Dma-buf Objects:'];
  out.push(
    `${'size'.padEnd(8)}\t${'flags'.padEnd(8)}\t${'mode'.padEnd(8)}\t${'count'.padEnd(8)}\texp_name\t${'ino'.padEnd(8)}\tname`,
  );
  for (const b of info.buffers) {
    out.push(
      `${dec(b.size, 8)}\t${hexDigits(b.flags, 8)}\t${hexDigits(b.mode, 8)}\t${dec(b.count, 8)}\t${b.expName}\t${dec(b.ino, 8)}\t${b.name ?? '<none>'}`,
    );
    for (const f of b.fences) out.push(`\t${fenceLine(f)}`);
    out.push('\tAttached Devices:');
    for (const d of b.devices) out.push(`\t${d}`);
    out.push(`Total ${b.devices.length} devices attached`, '');
  }
  out.push(`Total ${info.totalObjects} objects, ${info.totalBytes} bytes`);
  return out.join('\n') + '\n';
}
