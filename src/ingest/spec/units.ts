import { ACS } from '../../pci/types.js';
import { hex } from '../../util/hex.js';
import { formatBinaryExact, parseBytes } from '../../util/size.js';

/** Size suffixes accepted in specs: binary units (`K`/`M`/`G`/`T`/`P` mean `KiB`…, see util/size). */
export const SIZE_RE =
  /^(?:0x[0-9a-fA-F]{1,16}|[0-9]{1,20}\s*(?:B|K|KiB|M|MiB|G|GiB|T|TiB|P|PiB)?)$/;
export const HEX64_RE = /^0x[0-9a-fA-F]{1,16}$/;
export const U64_MAX = (1n << 64n) - 1n;

/** `64GiB`, `0x1000`, `4096` or a safe integer → bigint (caller validated the shape with SIZE_RE). */
export function parseSize(v: string | number): bigint {
  if (typeof v === 'number') return BigInt(v);
  const n = parseBytes(v);
  if (n === null) throw new Error(`parseSize: ${JSON.stringify(v)} was not validated as a size`);
  return n;
}

/** The shortest exact size string: `64GiB`, `32MiB`, `4KiB`, else hex. */
export const formatSize = (n: bigint): string => formatBinaryExact(n, 'iB', 'hex');

/** A number or `0x…` string (validated) → number. */
export const toNum = (v: string | number): number =>
  typeof v === 'number' ? v : Number.parseInt(v.slice(2), 16);

/** Class shorthands (PCI Code and ID Assignment spec; 24-bit class codes). */
export const CLASS_SHORTHANDS: Readonly<Record<string, number>> = {
  nvme: 0x010802,
  sata: 0x010601,
  nic: 0x020000,
  ethernet: 0x020000,
  infiniband: 0x020700,
  vga: 0x030000,
  gpu: 0x030200,
  display: 0x038000,
  accel: 0x120000,
  coprocessor: 0x0b4000,
  'host-bridge': 0x060000,
  'isa-bridge': 0x060100,
  'pci-bridge': 0x060400,
  usb: 0x0c0330,
  smbus: 0x0c0500,
  'system-peripheral': 0x088000,
};

/** `0x0207` (≤4 hex digits: base class and subclass) or `0x020700` (24-bit), a number, a shorthand. */
export function parseClass(v: string | number): number {
  if (typeof v === 'number') return v <= 0xffff ? v << 8 : v;
  const s = CLASS_SHORTHANDS[v];
  if (s !== undefined) return s;
  const digits = v.slice(2);
  const n = Number.parseInt(digits, 16);
  return digits.length <= 4 ? n << 8 : n;
}

/** Vendor shorthands (PCI-SIG vendor ids). */
export const VENDOR_SHORTHANDS: Readonly<Record<string, number>> = {
  intel: 0x8086,
  amd: 0x1022,
  ati: 0x1002,
  nvidia: 0x10de,
  mellanox: 0x15b3,
  broadcom: 0x14e4,
  lsi: 0x1000,
  plx: 0x10b5,
  microchip: 0x11f8,
  habana: 0x1da3,
  samsung: 0x144d,
  google: 0x1ae0,
  ibm: 0x1014,
};

export const parseVendor = (v: string | number): number =>
  typeof v === 'string' && VENDOR_SHORTHANDS[v] !== undefined ? VENDOR_SHORTHANDS[v] : toNum(v);

export type AcsBit = keyof typeof ACS;
export const ACS_BITS = Object.keys(ACS) as AcsBit[];

export const parseAcsBits = (v: readonly AcsBit[] | string | number): number =>
  Array.isArray(v) ? v.reduce((m, b) => m | ACS[b as AcsBit], 0) : toNum(v as string | number);

/** Bits as names when every set bit has one, else a hex string. */
export function formatAcsBits(n: number): AcsBit[] | string {
  const names = ACS_BITS.filter((b) => (n & ACS[b]) !== 0);
  return names.reduce((m, b) => m | ACS[b], 0) === n ? names : hex(n, 2);
}

/** Link speeds by generation (GT/s per lane). */
export const GEN_SPEEDS: readonly number[] = [2.5, 5, 8, 16, 32, 64];
