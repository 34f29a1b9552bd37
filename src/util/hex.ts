/**
 * Hexadecimal as the kernel and the `--json` documents write it: `hex(4096)` = `0x1000` (the `%#x` /
 * `%#llx` of kernel messages, 64-bit values in JSON), `hex(0x10de, 4)` = `0x10de`; `hexDigits` without
 * the prefix for ids and addresses (`%04x`: `10de`, BDF fields).
 */
export const hexDigits = (v: number | bigint, width = 0): string =>
  v.toString(16).padStart(width, '0');
export const hex = (v: number | bigint, width = 0): string => `0x${hexDigits(v, width)}`;
/** `hex` of a known value; `'unknown'` and null kept as they are (id fields of the JSON documents). */
export const maybeHex = (v: number | 'unknown' | null, width = 0): string | null =>
  v === null ? null : v === 'unknown' ? v : hex(v, width);
