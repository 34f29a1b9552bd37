/**
 * Seqno ordering within one fence context (spec §2.1.1 rule 3). With 64-bit seqnos the order is
 * plain `>`; otherwise only the low 32 bits count, compared with wrap-around: `a` is later than `b`
 * iff the signed 32-bit difference `(u32)a − (u32)b` is positive. Pure functions, no fences.
 */

/** `__dma_fence_is_later(a, b)`: is seqno `a` later than `b`? */
export function seqnoIsLater(a: bigint, b: bigint, seqno64: boolean): boolean {
  if (seqno64) return a > b;
  const diff = BigInt.asIntN(32, BigInt.asUintN(32, a) - BigInt.asUintN(32, b));
  return diff > 0n;
}

/** Total pre-order helper for sorting same-context seqnos: -1 if a later, 1 if b later, else 0. */
export function seqnoCompareLaterFirst(a: bigint, b: bigint, seqno64: boolean): number {
  if (seqnoIsLater(a, b, seqno64)) return -1;
  if (seqnoIsLater(b, a, seqno64)) return 1;
  return 0;
}
