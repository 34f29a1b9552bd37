/** Small bigint helpers shared by the drivers (Math.min/max do not take bigints). */
export function minBig(a: bigint, ...rest: bigint[]): bigint {
  let m = a;
  for (const v of rest) if (v < m) m = v;
  return m;
}
export function maxBig(a: bigint, ...rest: bigint[]): bigint {
  let m = a;
  for (const v of rest) if (v > m) m = v;
  return m;
}
export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
export const alignDown = (v: bigint, a: bigint): bigint => (v / a) * a;
export const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;
