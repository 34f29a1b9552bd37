/** Small formatting helpers shared by every renderer. */
import type { AcsUsed } from '../p2pdma/types.js';
import { ACS, type AcsState, isKnown, type Link, type Maybe } from '../pci/types.js';
import { hexDigits } from '../util/hex.js';
import { formatBinaryExact } from '../util/size.js';

const GEN_BY_SPEED: ReadonlyArray<[number, number]> = [
  [2.5, 1],
  [5, 2],
  [8, 3],
  [16, 4],
  [32, 5],
  [64, 6],
  [128, 7],
];

/** PCIe generation for a per-lane rate in GT/s (null when it is not a standard rate). */
export function pcieGen(speedGTs: number): number | null {
  return GEN_BY_SPEED.find(([s]) => Math.abs(s - speedGTs) < 1e-6)?.[1] ?? null;
}

export function linkName(l: Link): string {
  const gen = pcieGen(l.speedGTs);
  return `${gen === null ? `${l.speedGTs}GT/s` : `Gen${gen}`} x${l.width}`;
}

/** `Gen4 x16`, or `Gen4 x16 (trained Gen3 x8)` when the link came up below its capability. */
export function linkSummary(cap: Maybe<Link> | null, sta: Maybe<Link> | null): string | null {
  const c = cap !== null && isKnown(cap) ? cap : null;
  const s = sta !== null && isKnown(sta) ? sta : null;
  if (c && s) {
    const below = s.speedGTs < c.speedGTs || s.width < c.width;
    return below ? `${linkName(c)} (trained ${linkName(s)})` : linkName(c);
  }
  if (c) return `${linkName(c)} (status unknown)`;
  if (s) return linkName(s);
  return null;
}

/** lspci-style size: 4K, 16M, 32G (exact multiples only; otherwise bytes). */
export const formatSize = (n: bigint): string => formatBinaryExact(n, 'letter', 'bytes');

export const hex4 = (n: Maybe<number> | null): string =>
  n === null || !isKnown(n) ? '????' : hexDigits(n, 4);

const ACS_BIT_NAMES: ReadonlyArray<[number, string]> = [
  [ACS.SV, 'SV'],
  [ACS.TB, 'TB'],
  [ACS.RR, 'RR'],
  [ACS.CR, 'CR'],
  [ACS.UF, 'UF'],
  [ACS.EC, 'EC'],
  [ACS.DT, 'DT'],
];

export function acsBits(v: number): string[] {
  return ACS_BIT_NAMES.filter(([b]) => (v & b) !== 0).map(([, n]) => n);
}

/** `redirect on (RR CR)`, `redirect off`, `no ACS`, `ACS unknown`. */
export function acsSummary(a: AcsState): string {
  switch (a.state) {
    case 'absent':
      return 'no ACS';
    case 'unknown':
      return 'ACS unknown';
    case 'present': {
      const red = acsBits(a.ctrl & (ACS.RR | ACS.CR | ACS.EC));
      return red.length > 0 ? `ACS redirect on (${red.join(' ')})` : 'ACS redirect off';
    }
  }
}

/** The non-ASCII characters renderers use and their ASCII stand-ins (a non-UTF-8 locale). */
const ASCII_FALLBACK: ReadonlyArray<[string, string]> = [
  // Tree branches (followed by a space) before the table corners cli-table3 draws.
  ['├─ ', '|- '],
  ['└─ ', '`- '],
  ['│', '|'],
  ['─', '-'],
  ['┌', '+'],
  ['┐', '+'],
  ['└', '+'],
  ['┘', '+'],
  ['├', '+'],
  ['┤', '+'],
  ['┬', '+'],
  ['┴', '+'],
  ['┼', '+'],
  ['◀', '<'],
  ['▶', '>'],
  ['↔', '<->'],
  ['→', '->'],
  ['←', '<-'],
  ['…', '...'],
  ['×', 'x'],
  ['≈', '~'],
  ['≥', '>='],
  ['≤', '<='],
  ['—', '--'],
  ['–', '-'],
  ['·', '.'],
  ['µ', 'u'],
  ['§', 'sec. '],
];

/**
 * A rendering in plain ASCII, for a terminal whose locale is not UTF-8: box drawing becomes
 * `|-`, `` `- `` and `|`, arrows `->`/`<`, an ellipsis `...`. Same column widths for the tree
 * (each box-drawing piece maps to as many ASCII characters). Other characters are kept (names
 * from the input are the input's).
 */
export function asciiText(text: string): string {
  let out = text;
  for (const [u, a] of ASCII_FALLBACK) out = out.replaceAll(u, a);
  return out;
}

/** Text columns a line occupies (code points; the renderers use no wide characters). */
export const textWidth = (s: string): number => [...s].length;

/**
 * Column groups of a matrix printed at most `width` columns wide: `[start, end)` ranges of its
 * `n` columns, each `cellWidth` wide beside row heads `headWidth` wide (at least one column per
 * group). `width` null, or a matrix that fits: one group.
 */
export function columnGroups(
  n: number,
  headWidth: number,
  cellWidth: number,
  width: number | null,
): Array<[number, number]> {
  const per =
    width === null || headWidth + n * cellWidth <= width
      ? Math.max(1, n)
      : Math.max(1, Math.floor((width - headWidth) / cellWidth));
  const groups: Array<[number, number]> = [];
  for (let s = 0; s < n; s += per) groups.push([s, Math.min(n, s + per)]);
  return groups;
}

/** About how many characters the streamed renderings gather into one piece. */
export const PIECE_CHARS = 1 << 16;

/**
 * Lines gathered into pieces of about `size` characters, each ending with a line's '\n' (the
 * streamed bandwidth and P2P matrix texts: `take()` once `full`, after a line's end).
 */
export class Pieces {
  #parts: string[] = [];
  #chars = 0;
  constructor(readonly size: number) {}
  line(s: string): void {
    this.#parts.push(s, '\n');
    this.#chars += s.length + 1;
  }
  /** Text as it is: part of a line, or lines ending with '\n'. */
  text(s: string): void {
    this.#parts.push(s);
    this.#chars += s.length;
  }
  get full(): boolean {
    return this.#chars >= this.size;
  }
  take(): string {
    const s = this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    return s;
  }
}

/**
 * The ACS state a verdict used (after `pci=` parameters), worded like `acsSummary`; says so when
 * the what-if command line changed it.
 */
export function acsUsedSummary(a: AcsUsed): string {
  const by = a.changedByCmdline ? ' (after the kernel command line)' : '';
  if (a.cap === 'absent') return `no ACS${by}`;
  if (a.redirect === 'unknown') return `ACS redirect unknown${by}`;
  const red = acsBits(a.ctrl & ~a.unknownBits & (ACS.RR | ACS.CR | ACS.EC));
  return `${red.length > 0 ? `ACS redirect on (${red.join(' ')})` : 'ACS redirect off'}${by}`;
}
