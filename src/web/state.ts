/**
 * The page state in the URL (`#…` query), so a view can be shared: which machine, the what-if edits,
 * the rule set and command line, the selected pair and view. Decoding is strict about shapes and
 * lenient about absence: a missing key is the default, a malformed one is dropped.
 */
import type { IommuMode } from '../iommu/types.js';
import { type Edits, type Move, NO_EDITS } from './whatif.js';

export const VIEWS = ['tree', 'matrix', 'route', 'cost', 'demo'] as const;
export type View = (typeof VIEWS)[number];
const IOMMU_MODES: readonly IommuMode[] = ['none', 'passthrough', 'strict', 'lazy'];

export interface PageState {
  /** `example:NAME`, `server` (the machine `peerdma serve --from` loaded) or `file:NAME` (dropped). */
  readonly source: string;
  readonly view: View;
  /** Rule set name; null: the default. */
  readonly rules: string | null;
  readonly cmdline: string;
  readonly edits: Edits;
  /** Provider and client BDFs of the selected pair. */
  readonly pair: readonly [string, string] | null;
  /** map-cost export size, e.g. `64GiB`. */
  readonly size: string;
  readonly search: string;
}

export const DEFAULT_STATE: PageState = {
  source: 'server',
  view: 'tree',
  rules: null,
  cmdline: '',
  edits: NO_EDITS,
  pair: null,
  size: '64GiB',
  search: '',
};

const BDFISH = /^[0-9a-z:._-]{1,64}$/i;

/** `acs=0000:18:00.0~1,0000:18:02.0~0&move=DEV>SLOT,…` and the rest as plain keys. */
export function encodeState(s: PageState): string {
  const p = new URLSearchParams();
  p.set('src', s.source);
  if (s.view !== DEFAULT_STATE.view) p.set('view', s.view);
  if (s.rules !== null) p.set('rules', s.rules);
  if (s.cmdline !== '') p.set('cmdline', s.cmdline);
  const acs = Object.entries(s.edits.acs)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([b, on]) => `${b}~${on ? 1 : 0}`);
  if (acs.length > 0) p.set('acs', acs.join(','));
  if (s.edits.moves.length > 0)
    p.set('move', s.edits.moves.map((m) => `${m.device}>${m.to}`).join(','));
  if (s.edits.iommu !== null) p.set('iommu', s.edits.iommu);
  if (s.pair !== null) p.set('pair', `${s.pair[0]},${s.pair[1]}`);
  if (s.size !== DEFAULT_STATE.size) p.set('size', s.size);
  if (s.search !== '') p.set('q', s.search);
  return p.toString();
}

export function decodeState(query: string): PageState {
  const p = new URLSearchParams(query.replace(/^[#?]/, ''));
  const view = p.get('view');
  const iommu = p.get('iommu');
  const acs: Record<string, boolean> = {};
  for (const item of (p.get('acs') ?? '').split(',')) {
    const m = /^(.+)~([01])$/.exec(item);
    if (m && BDFISH.test(m[1]!)) acs[m[1]!] = m[2] === '1';
  }
  const moves: Move[] = [];
  for (const item of (p.get('move') ?? '').split(',')) {
    const [device, to] = item.split('>');
    if (device && to && BDFISH.test(device) && BDFISH.test(to)) moves.push({ device, to });
  }
  const pair = (p.get('pair') ?? '').split(',');
  return {
    source: p.get('src') ?? DEFAULT_STATE.source,
    view: (VIEWS as readonly string[]).includes(view ?? '') ? (view as View) : DEFAULT_STATE.view,
    rules: p.get('rules'),
    cmdline: p.get('cmdline') ?? '',
    edits: {
      acs,
      moves,
      iommu: (IOMMU_MODES as readonly string[]).includes(iommu ?? '') ? (iommu as IommuMode) : null,
    },
    pair: pair.length === 2 && pair.every((x) => BDFISH.test(x)) ? [pair[0]!, pair[1]!] : null,
    size: p.get('size') ?? DEFAULT_STATE.size,
    search: p.get('q') ?? '',
  };
}
