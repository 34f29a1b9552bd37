/**
 * The subset of the kernel's `vsscanf()` (lib/vsprintf.c) that `pci_dev_str_match()` uses:
 * `%x`, `%hx`, `%c`, `%n`, literal characters and whitespace. Kernel quirks kept: an integer
 * conversion skips leading blanks, needs a hex digit first, accepts a `0x` prefix; `%c` does not
 * skip blanks; the scan stops (without error) at the first mismatch or at the end of the input.
 */

export interface ScanResult {
  /** Number of assigned conversions (`%n` does not count), as vsscanf returns. */
  readonly ret: number;
  /** One slot per conversion in format order (`%n` included); undefined when not reached. */
  readonly out: readonly (number | string | undefined)[];
}

const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\v\f\r]/.test(c);
const isXdigit = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);

export function ksscanf(str: string, fmt: string): ScanResult {
  const out: (number | string | undefined)[] = [];
  let s = 0;
  let f = 0;
  let num = 0;
  const slots = (fmt.match(/%h?[xcn]/g) ?? []).length;
  for (let i = 0; i < slots; i++) out.push(undefined);
  let slot = 0;
  while (f < fmt.length) {
    if (isSpace(fmt[f])) {
      while (isSpace(fmt[f])) f++;
      while (isSpace(str[s])) s++;
    }
    if (f >= fmt.length) break;
    if (fmt[f] !== '%') {
      if (fmt[f] !== str[s]) break;
      f++;
      s++;
      continue;
    }
    f++;
    let half = false;
    if (fmt[f] === 'h') {
      half = true;
      f++;
    }
    const conv = fmt[f++];
    if (conv === 'n') {
      out[slot++] = s;
      continue;
    }
    if (s >= str.length) break;
    if (conv === 'c') {
      out[slot++] = str[s++];
      num++;
      continue;
    }
    // %x
    while (isSpace(str[s])) s++;
    if (!isXdigit(str[s])) break;
    if (str[s] === '0' && (str[s + 1] === 'x' || str[s + 1] === 'X')) s += 2;
    let v = 0;
    while (isXdigit(str[s])) {
      v = (v * 16 + Number.parseInt(str[s]!, 16)) % 2 ** 32;
      s++;
    }
    out[slot++] = half ? v & 0xffff : v >>> 0;
    num++;
  }
  return { ret: num, out };
}
