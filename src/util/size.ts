/**
 * Byte sizes as people write them, with one unit rule everywhere: binary units with an `i`
 * (`KiB`, `MiB`, `GiB`, `TiB`, `PiB` = 2^10…2^50) and the bare letters `K`/`M`/`G`/`T`/`P` (the
 * same, as lspci and the kernel write them); decimal units with a `B` (`kB`/`KB`, `MB`, `GB`, `TB`,
 * `PB` = 10^3…10^15). `formatBytesExact` prints a size back in the unit family it is exact in, so
 * the output says which one was meant.
 */

const BINARY: Readonly<Record<string, bigint>> = {
  K: 1n << 10n,
  M: 1n << 20n,
  G: 1n << 30n,
  T: 1n << 40n,
  P: 1n << 50n,
};
const DECIMAL: Readonly<Record<string, bigint>> = {
  K: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
};

/** `64GiB`, `64G`, `64GB` (decimal), `4096`, `4096B`, `0x1000` → bytes; null when not a size. */
export function parseBytes(text: string): bigint | null {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return BigInt(t);
  const m = /^(\d+)\s*(?:([kKmMgGtTpP])(i?)([bB]?))?\s*$/.exec(t);
  if (!m) {
    const bytes = /^(\d+)\s*[bB]$/.exec(t);
    return bytes ? BigInt(bytes[1]!) : null;
  }
  const n = BigInt(m[1]!);
  if (m[2] === undefined) return n;
  const letter = m[2].toUpperCase();
  if (m[3] === 'i') return m[4] === '' || m[4] === 'B' || m[4] === 'b' ? n * BINARY[letter]! : null;
  return m[4] === '' ? n * BINARY[letter]! : n * DECIMAL[letter]!;
}

/** Unit letters, largest first; `names(letter)` spells each unit of `table`. */
const LETTERS = ['P', 'T', 'G', 'M', 'K'] as const;
const unitsDesc = (
  table: Readonly<Record<string, bigint>>,
  name: (letter: string) => string,
): ReadonlyArray<[string, bigint]> => LETTERS.map((l) => [name(l), table[l]!]);

const BINARY_DESC = unitsDesc(BINARY, (l) => l);
const BINARY_NAMES = unitsDesc(BINARY, (l) => `${l}iB`);
const DECIMAL_NAMES = unitsDesc(DECIMAL, (l) => (l === 'K' ? 'kB' : `${l}B`));

/**
 * The shortest exact spelling: the size in the largest binary unit that divides it (`64GiB`) or
 * the largest decimal one (`64GB` for 64·10^9 bytes), whichever is shorter (binary on a tie), else
 * bytes (`1000003B`).
 */
export function formatBytesExact(n: bigint): string {
  const best = (names: ReadonlyArray<[string, bigint]>) => {
    for (const [u, v] of names) if (n >= v && n % v === 0n) return `${n / v}${u}`;
    return `${n}B`;
  };
  const bin = best(BINARY_NAMES);
  const dec = best(DECIMAL_NAMES);
  return dec.length < bin.length ? dec : bin;
}

/**
 * A size in the largest binary unit that divides it exactly: `64GiB` (`iB` names, as specs write
 * them) or `64G` (`letter`, as lspci writes them); otherwise `0x…` (`hex`) or plain bytes.
 */
export function formatBinaryExact(
  n: bigint,
  names: 'iB' | 'letter',
  fallback: 'hex' | 'bytes',
): string {
  for (const [u, v] of BINARY_DESC) {
    if (n >= v && n % v === 0n) return `${n / v}${names === 'iB' ? `${u}iB` : u}`;
  }
  return fallback === 'hex' ? `0x${n.toString(16)}` : `${n}`;
}

/** Human size with binary units and up to one decimal: 1.5 GiB. */
export function formatBytes(n: bigint | number): string {
  const v = typeof n === 'bigint' ? Number(n) : n;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x : Number.isInteger(x) ? x : x.toFixed(1)} ${units[i]}`;
}
