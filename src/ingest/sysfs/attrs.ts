/**
 * Parsers for single sysfs attribute texts. Each takes the text and the attribute path (for the
 * error's `field`); malformed text is E_PARSE, "the kernel could not tell" is 'unknown'.
 */
import { PeerdmaError } from '../../errors/index.js';
import type { Bar, BridgeWindow, Maybe } from '../../pci/types.js';
import { UNKNOWN } from '../../pci/types.js';

/** include/linux/ioport.h */
export const IORESOURCE = {
  TYPE_BITS: 0x1f00,
  IO: 0x100,
  MEM: 0x200,
  PREFETCH: 0x2000,
  MEM_64: 0x100000,
} as const;

const bad = (field: string, msg: string) => new PeerdmaError('E_PARSE', msg, { field });

/** `0x8086` → 0x8086 (vendor, device, class, revision, subsystem ids). */
export function parseHexAttr(text: string, field: string, maxBits = 32): number {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{1,8}$/.test(t)) throw bad(field, `expected a hex number, got '${clip(t)}'`);
  const n = Number.parseInt(t.slice(2), 16);
  if (maxBits < 32 && n >= 2 ** maxBits) throw bad(field, `${t} does not fit ${maxBits} bits`);
  return n;
}

/** A decimal integer attribute (`numa_node`, bus numbers, link width). */
export function parseIntAttr(text: string, field: string): number {
  const t = text.trim();
  if (!/^-?\d{1,10}$/.test(t)) throw bad(field, `expected an integer, got '${clip(t)}'`);
  return Number.parseInt(t, 10);
}

/**
 * `current_link_speed` / `max_link_speed`: `8.0 GT/s PCIe` (v4.19+), `8 GT/s` (older),
 * `Unknown` or `Unknown speed` when the link is down. Returns undefined for text it cannot read.
 */
export function parseLinkSpeed(text: string): Maybe<number> | undefined {
  const t = text.trim();
  if (/^unknown/i.test(t)) return UNKNOWN;
  const m = /^(\d+(?:\.\d+)?)\s*GT\/s(?:\s+PCIe)?$/.exec(t);
  if (!m) return undefined;
  const v = Number(m[1]);
  return v > 0 ? v : UNKNOWN;
}

/** `current_link_width` / `max_link_width`: lanes; 0 (link down) is unknown. */
export function parseLinkWidth(text: string): Maybe<number> | undefined {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : UNKNOWN;
}

export interface Resources {
  readonly bars: Bar[];
  readonly windows: BridgeWindow[];
}

/**
 * The `resource` file: one `start end flags` line per resource (kernel resource_show). Lines 0–5
 * are the BARs, 6 the ROM, 7–12 the SR-IOV BARs (when the kernel has CONFIG_PCI_IOV), and a
 * bridge's last four lines are its windows (13–16, or 7–10 without IOV).
 */
export function parseResource(text: string, field: string, isBridge: boolean): Resources {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const rows = lines.map((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || !parts.every((p) => /^0x[0-9a-fA-F]{1,16}$/.test(p))) {
      throw bad(`${field}:${i + 1}`, `expected 'start end flags' in hex, got '${clip(line)}'`);
    }
    const [start, end, flags] = parts.map((p) => BigInt(p)) as [bigint, bigint, bigint];
    return { start, end, flags: Number(flags & 0xffffffffn) };
  });
  const bars: Bar[] = [];
  for (let index = 0; index < Math.min(6, rows.length); index++) {
    const r = rows[index]!;
    const space = spaceOf(r.flags);
    if (space === null || r.end < r.start || (r.start === 0n && r.end === 0n)) continue;
    bars.push({
      index,
      space,
      start: r.start,
      size: r.end - r.start + 1n,
      is64: (r.flags & IORESOURCE.MEM_64) !== 0,
      prefetchable: (r.flags & IORESOURCE.PREFETCH) !== 0,
    });
  }
  const windows: BridgeWindow[] = [];
  if (isBridge && rows.length >= 11) {
    for (const r of rows.slice(rows.length - 4)) {
      const space = spaceOf(r.flags);
      if (space === null || r.end < r.start || (r.start === 0n && r.end === 0n)) continue;
      const pf = space === 'mem' && (r.flags & IORESOURCE.PREFETCH) !== 0;
      windows.push({ space: pf ? 'prefetch' : space, start: r.start, size: r.end - r.start + 1n });
    }
  }
  return { bars, windows };
}

function spaceOf(flags: number): 'io' | 'mem' | null {
  const type = flags & IORESOURCE.TYPE_BITS;
  if (type === IORESOURCE.IO) return 'io';
  if (type === IORESOURCE.MEM) return 'mem';
  return null;
}

function clip(s: string): string {
  const one = s.replace(/[^\x20-\x7e]/g, '?');
  return one.length > 40 ? `${one.slice(0, 40)}…` : one;
}
