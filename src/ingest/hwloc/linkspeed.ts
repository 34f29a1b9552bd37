import type { Link } from '../../pci/types.js';

/**
 * PCIe generations as hwloc converts them to GB/s per lane: GT/s × encoding / 8, with 8b/10b for
 * Gen1–2 and 128b/130b for every later generation (hwloc's `hwloc_linux_pci_link_speed_from_string`).
 */
const GENERATIONS: readonly { readonly gen: number; readonly gts: number; readonly enc: number }[] =
  [
    { gen: 1, gts: 2.5, enc: 0.8 },
    { gen: 2, gts: 5, enc: 0.8 },
    { gen: 3, gts: 8, enc: 128 / 130 },
    { gen: 4, gts: 16, enc: 128 / 130 },
    { gen: 5, gts: 32, enc: 128 / 130 },
    { gen: 6, gts: 64, enc: 128 / 130 },
  ];
const WIDTHS = [32, 16, 12, 8, 4, 2, 1];

/** GB/s of a link as hwloc reports it. */
export function linkGBps(link: Link): number {
  const g = GENERATIONS.find((x) => x.gts === link.speedGTs);
  return g === undefined ? Number.NaN : (link.width * g.gts * g.enc) / 8;
}

export interface LinkMatch {
  /** The chosen link: the lowest generation (widest link) giving exactly that bandwidth. */
  readonly link: Link;
  /** Other generation×width pairs giving the same bandwidth. */
  readonly alternatives: readonly Link[];
}

/**
 * The generation×width pairs whose bandwidth equals `gbps` (hwloc prints six decimals, so equal
 * means within 1e-5 relative). null when none matches.
 */
export function linkFromGBps(gbps: number): LinkMatch | null {
  if (!(gbps > 0) || !Number.isFinite(gbps)) return null;
  const hits: Link[] = [];
  for (const g of GENERATIONS) {
    for (const width of WIDTHS) {
      const bw = (width * g.gts * g.enc) / 8;
      if (Math.abs(bw - gbps) <= gbps * 1e-5) hits.push({ speedGTs: g.gts, width });
    }
  }
  const [link, ...alternatives] = hits;
  return link === undefined ? null : { link, alternatives };
}

export const genOf = (speedGTs: number): number | undefined =>
  GENERATIONS.find((g) => g.gts === speedGTs)?.gen;
