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
  return parseKernelResource(text, isBridge) ?? parseResourceLines(text, field, isBridge);
}

/** `parseResource` line by line: any spelling ROW_RE accepts, and the errors naming the line. */
export function parseResourceLines(text: string, field: string, isBridge: boolean): Resources {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const rows = new ResourceRows(lines.length, isBridge);
  for (let i = 0; i < lines.length; i++) {
    // Every line must be well formed; only BARs (0–5) and bridge windows are kept.
    const line = lines[i]!;
    if (line === ZERO_ROW) continue;
    const m = ROW_RE.exec(line);
    if (!m)
      throw bad(`${field}:${i + 1}`, `expected 'start end flags' in hex, got '${clip(line)}'`);
    if (rows.skips(i)) continue;
    rows.place(i, BigInt(m[1]!), BigInt(m[2]!), Number(BigInt(m[3]!) & 0xffffffffn));
  }
  return { bars: rows.bars, windows: rows.windows };
}

/** Rows exactly as the kernel prints them: `0x%016llx 0x%016llx 0x%016llx\n` each. */
const KERNEL_ROWS = /^(?:0x[0-9a-f]{16} 0x[0-9a-f]{16} 0x[0-9a-f]{16}\n)+$/;
const ROW_CHARS = 57;

/**
 * `parseResource` of a file whose every line is exactly as the kernel prints it: one regular
 * expression over the whole text, then only the rows kept are sliced (no line strings, no
 * expression per line). Null for any other text (`parseResource` reads it line by line).
 */
export function parseKernelResource(text: string, isBridge: boolean): Resources | null {
  if (!KERNEL_ROWS.test(text)) return null;
  const n = text.length / ROW_CHARS;
  const rows = new ResourceRows(n, isBridge);
  for (let i = 0; i < n; i++) {
    if (rows.skips(i)) continue;
    const o = i * ROW_CHARS;
    if (text.startsWith(ZERO_ROW, o)) continue;
    // The low 32 bits of the flags: their last 8 digits.
    const flags = Number.parseInt(text.slice(o + 48, o + 56), 16);
    rows.place(i, BigInt(text.slice(o, o + 18)), BigInt(text.slice(o + 19, o + 37)), flags);
  }
  return { bars: rows.bars, windows: rows.windows };
}

/** The resources kept of a `resource` file of `n` rows, placed row by row. */
class ResourceRows {
  readonly bars: Bar[] = [];
  readonly windows: BridgeWindow[] = [];
  /** A bridge's windows: its last four rows, when it has 11 or more; none otherwise. */
  readonly #winFrom: number;

  constructor(n: number, isBridge: boolean) {
    this.#winFrom = isBridge && n >= 11 ? n - 4 : n;
  }

  /** Row `i` is neither a BAR nor a window (the ROM, the SR-IOV BARs): not kept. */
  skips(i: number): boolean {
    return i >= 6 && i < this.#winFrom;
  }

  /**
   * Row `i` (start, end, flags) as a BAR (rows 0–5) or a bridge window; dropped when its flags
   * name no space or its range is empty.
   */
  place(i: number, start: bigint, end: bigint, flags: number): void {
    const space = spaceOf(flags);
    if (space === null || end < start || (start === 0n && end === 0n)) return;
    const size = end - start + 1n;
    if (i < 6) {
      this.bars.push({
        index: i,
        space,
        start,
        size,
        is64: (flags & IORESOURCE.MEM_64) !== 0,
        prefetchable: (flags & IORESOURCE.PREFETCH) !== 0,
      });
    } else {
      const pf = space === 'mem' && (flags & IORESOURCE.PREFETCH) !== 0;
      this.windows.push({ space: pf ? 'prefetch' : space, start, size });
    }
  }
}

const ZERO_ROW = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
const ROW_RE = /^\s*(0x[0-9a-fA-F]{1,16})\s+(0x[0-9a-fA-F]{1,16})\s+(0x[0-9a-fA-F]{1,16})\s*$/;

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
