/** Bigint arithmetic the model needs everywhere (Math.min/max do not take bigints). */

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

/** `v` rounded down / up to a multiple of `a` (a > 0), as the kernel's ALIGN_DOWN / ALIGN. */
export const alignDown = (v: bigint, a: bigint): bigint => (v / a) * a;
export const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;
