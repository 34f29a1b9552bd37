/** Levenshtein distance, for "did you mean" lists. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The `n` candidates closest to `query` (ties by text order), case-insensitive. */
export function closestMatches(query: string, candidates: Iterable<string>, n: number): string[] {
  const q = query.toLowerCase();
  return [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(q, c.toLowerCase().slice(-Math.max(q.length, 1) - 2)) }))
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, n)
    .map((x) => x.c);
}
