import { PeerdmaError } from '../errors/index.js';
import { hexDigits } from '../util/hex.js';

/**
 * A PCI function address in canonical form `dddd:bb:dd.f` (lower-case hex). The domain has at least
 * four digits and can be up to eight (32-bit domains exist, e.g. on PA-RISC or VMD).
 */
export type Bdf = string & { readonly __bdf: unique symbol };

export interface BdfParts {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly fn: number;
}

const BDF_RE = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/** The value of a lower-case hex digit's char code, or -1. */
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The value of `n` lower-case hex digits at `at`, or -1. */
export function hexRun(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = hexVal(text.charCodeAt(i));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The parts of a BDF already in canonical form (`dddd:bb:dd.f`, four lower-case domain digits, the
 * device at most 0x1f), without a regular expression; null for any other text. For such text,
 * `formatBdf(parts)` is the text itself.
 */
export function canonicalBdfParts(text: string): BdfParts | null {
  if (text.length !== 12 || text.charCodeAt(4) !== 0x3a || text.charCodeAt(7) !== 0x3a) return null;
  if (text.charCodeAt(10) !== 0x2e) return null;
  const fn = text.charCodeAt(11) - 0x30;
  if (fn < 0 || fn > 7) return null;
  const domain = hexRun(text, 0, 4);
  const bus = hexRun(text, 5, 2);
  const device = hexRun(text, 8, 2);
  if (domain < 0 || bus < 0 || device < 0 || device > 0x1f) return null;
  return { domain, bus, device, fn };
}

/** Parse `[dddd:]bb:dd.f`; returns null when the text is not a BDF or a part is out of range. */
export function tryParseBdf(text: string): BdfParts | null {
  const fast = canonicalBdfParts(text);
  if (fast !== null) return fast;
  const m = BDF_RE.exec(text.trim());
  if (!m) return null;
  const domain = m[1] === undefined ? 0 : Number.parseInt(m[1], 16);
  const bus = Number.parseInt(m[2]!, 16);
  const device = Number.parseInt(m[3]!, 16);
  const fn = Number.parseInt(m[4]!, 10);
  if (device > 0x1f) return null;
  return { domain, bus, device, fn };
}

/** The E_PARSE error for text that is no BDF. */
export function notABdf(text: string, where = 'BDF'): never {
  throw new PeerdmaError('E_PARSE', `not a PCI address (dddd:bb:dd.f): '${text}'`, {
    field: where,
  });
}

export function parseBdf(text: string, where = 'BDF'): BdfParts {
  return tryParseBdf(text) ?? notABdf(text, where);
}

export function formatBdf(p: BdfParts): Bdf {
  return `${hexDigits(p.domain, 4)}:${hexDigits(p.bus, 2)}:${hexDigits(p.device, 2)}.${p.fn}` as Bdf;
}

/**
 * Any accepted spelling (`3b:00.0`, `0000:3B:00.0`) as a canonical Bdf with its parts: the text
 * itself when already canonical (nothing formatted); null when the text is not a BDF.
 */
export function canonicalBdf(text: string): { bdf: Bdf; addr: BdfParts } | null {
  const fast = canonicalBdfParts(text);
  if (fast !== null) return { bdf: text as Bdf, addr: fast };
  const addr = tryParseBdf(text);
  return addr === null ? null : { bdf: formatBdf(addr), addr };
}

/** Canonicalise any accepted spelling (`3b:00.0`, `0000:3B:00.0`) to a Bdf. */
export function toBdf(text: string, where?: string): Bdf {
  return (canonicalBdf(text) ?? notABdf(text, where)).bdf;
}

/** devfn as the kernel packs it: device << 3 | function. */
export function devfn(p: BdfParts): number {
  return ((p.device & 0x1f) << 3) | (p.fn & 7);
}

/** The key the kernel's p2pdma map-type cache uses: domain << 16 | bus << 8 | devfn. */
export function cacheKey(p: BdfParts): number {
  return p.domain * 65536 + p.bus * 256 + devfn(p);
}

/** `bb:dd.f` (no domain), as kernel messages such as the ACS list print it. */
export function shortBdf(p: BdfParts): string {
  return `${hexDigits(p.bus, 2)}:${hexDigits(p.device, 2)}.${p.fn}`;
}

/** Total order: domain, bus, device, function. */
export function compareBdf(a: BdfParts, b: BdfParts): number {
  return a.domain - b.domain || a.bus - b.bus || a.device - b.device || a.fn - b.fn;
}
