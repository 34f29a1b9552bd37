/**
 * The bottleneck link on a P2P path: the lowest generation × width, as raw per-direction bandwidth
 * after line encoding. Rates: /work/shared/spec/published-numbers.md §3.1, row "Raw x16 bandwidth
 * after encoding, per direction" (Gen1 4.00 … Gen6 121.0 GB/s for x16; per lane = x16 / 16).
 */
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type Link, type PciFunction } from '../pci/types.js';
import type { Bottleneck } from './types.js';

export const LINK_RATE_SOURCE =
  'published-numbers.md §3.1 "Raw x16 bandwidth after encoding, per direction"';

/** Per-lane rate (GT/s) → [generation, GB/s per direction for x16] (the cited row). */
const RATE: ReadonlyMap<number, readonly [number, number]> = new Map([
  [2.5, [1, 4.0]],
  [5, [2, 8.0]],
  [8, [3, 15.75]],
  [16, [4, 31.51]],
  [32, [5, 63.02]],
  [64, [6, 121.0]],
]);

export function linkGbps(l: Link): { gen: number; gbps: number } | null {
  const r = RATE.get(l.speedGTs);
  if (r === undefined) return null;
  return { gen: r[0], gbps: Math.round((r[1] / 16) * l.width * 100) / 100 };
}

function statusOf(f: PciFunction): Link | null {
  if (f.pcie === null || !isKnown(f.pcie)) return null;
  const s = f.pcie.linkStatus;
  return s !== null && isKnown(s) ? s : null;
}

/**
 * Each hop `x → parent` that is a physical link (x is not a switch downstream port, whose hop to the
 * upstream port is internal), except the common device's own upstream hop. The link is read on x (upstream-facing) or, failing that, on its parent.
 */
export function bottleneck(
  fabric: Fabric,
  path: readonly string[],
  common: string | null,
): Bottleneck | null {
  let best: Bottleneck | null = null;
  for (const bdf of path) {
    if (bdf === common) continue; // its upstream hop is not on the path
    const x0 = fabric.get(bdf);
    if (!x0 || x0.kind === 'switch-downstream') continue;
    const x = x0.physfn !== null ? fabric.require(x0.physfn) : x0;
    const parent = fabric.upstreamBridge(x);
    if (parent === null) continue;
    const l = statusOf(x) ?? statusOf(parent);
    if (l === null) continue;
    const r = linkGbps(l);
    if (r === null) continue;
    if (best === null || r.gbps < best.GBps) {
      best = {
        link: [x0.bdf, parent.bdf],
        gen: r.gen,
        width: l.width,
        GBps: r.gbps,
        source: LINK_RATE_SOURCE,
      };
    }
  }
  return best;
}
