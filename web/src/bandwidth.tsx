/** The selected pair's predicted bandwidth: P2P (as the kernel allows) and the bounce, each alone. */
import { useMemo } from 'preact/hooks';
import { rateText } from '../../src/report/bandwidth.js';
import { type Judged, pairBandwidth } from '../../src/web/judge.js';

export interface PairBandwidthProps {
  readonly judged: Judged;
  readonly pair: readonly [string, string];
}

export function PairBandwidth(p: PairBandwidthProps) {
  const r = useMemo(() => {
    try {
      return pairBandwidth(p.judged, p.pair[0], p.pair[1]);
    } catch {
      return null; // an unknown BDF: the route panel already says so
    }
  }, [p.judged, p.pair[0], p.pair[1]]);
  if (r === null) return null;
  const label = (bdf: string) => p.judged.fabric.get(bdf)?.name ?? bdf;
  const rows = [
    ['P2P', r.p2p],
    ['bounce', r.bounce],
  ] as const;
  return (
    <section aria-label="pair bandwidth">
      <h3>
        Predicted bandwidth {label(p.pair[0])} → {label(p.pair[1])} (one direction, posted writes)
      </h3>
      <table data-testid="pair-bandwidth">
        <thead>
          <tr>
            <th scope="col">path</th>
            <th scope="col">GB/s</th>
            <th scope="col">limited by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([what, f]) => (
            <tr key={what} data-testid={`bw-${what}`}>
              <th scope="row">{what}</th>
              <td>{rateText(f.rate)}</td>
              <td>{f.bottleneck}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
