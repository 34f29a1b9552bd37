/** Placeholder: filled below. */
export interface InvariantRow {
  readonly n: number;
}
export const DMABUF_INVARIANTS: readonly InvariantRow[] = [];
