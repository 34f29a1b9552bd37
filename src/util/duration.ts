/** A duration in ns as people read it: `850 ns`, `12.5 µs`, `3.20 ms`, `1.05 s`. */
export const formatNs = (ns: number): string =>
  ns >= 1e9
    ? `${(ns / 1e9).toFixed(2)} s`
    : ns >= 1e6
      ? `${(ns / 1e6).toFixed(2)} ms`
      : ns >= 1e3
        ? `${(ns / 1e3).toFixed(1)} µs`
        : `${ns.toFixed(0)} ns`;
