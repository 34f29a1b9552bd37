/**
 * Every published measurement in published-numbers.md whose topology is known well enough, as a
 * case: the machine as a spec (src/perf/cases/*.yaml), the flows that were measured, and the
 * measured figure. The model was calibrated for physics (rates, overheads, root-complex and socket
 * figures per CPU family), not to these rows; where a case reuses the row a constant was derived
 * from, `circular` says so. docs/bandwidth.md carries the generated error table.
 */
import type { Fabric } from '../pci/fabric.js';
import type { FlowMode } from './model.js';
import { PerfModel } from './model.js';

export interface ConformanceCase {
  readonly id: string;
  /** File name under src/perf/cases/. */
  readonly spec: string;
  readonly what: string;
  readonly flows: readonly (readonly [string, string])[];
  readonly mode: FlowMode;
  /** Midpoint of the published range, GB/s (sum over the flows). */
  readonly measured: number;
  readonly measuredText: string;
  /** `§2.1 "row name"`. */
  readonly source: string;
  /** A model constant was derived from this very row. */
  readonly circular: boolean;
}

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    id: 'wrx80-rc-bidi',
    spec: 'wrx80-4090.yaml',
    what: 'RTX 4090 ↔ RTX 4090 through a Zen 2 root complex, both directions',
    flows: [
      ['gpu0', 'gpu1'],
      ['gpu1', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 50.5,
    measuredText: '50–51',
    source: '§2.1 "Root-complex P2P bidi, WRX80"',
    circular: true,
  },
  {
    id: 'epyc-same-socket-bidi',
    spec: 'epyc7302-a40.yaml',
    what: 'A40 ↔ A40, same socket, through the root complex',
    flows: [
      ['gpu0', 'gpu1'],
      ['gpu1', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 50,
    measuredText: '~50',
    source: '§2.1 "Same-socket vs cross-socket P2P, bidi"',
    circular: false,
  },
  {
    id: 'epyc-cross-socket-bidi',
    spec: 'epyc7302-a40.yaml',
    what: 'A40 ↔ A40 across sockets (xGMI)',
    flows: [
      ['gpu0', 'gpu2'],
      ['gpu2', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 40.55,
    measuredText: '39.6–41.5',
    source: '§2.1 "Same-socket vs cross-socket P2P, bidi"',
    circular: true,
  },
  {
    id: 'epyc-staged-bidi',
    spec: 'epyc7302-a40.yaml',
    what: 'A40 ↔ A40, P2P disabled (host-staged), same socket',
    flows: [
      ['gpu0', 'gpu1'],
      ['gpu1', 'gpu0'],
    ],
    mode: 'bounce',
    measured: 20,
    measuredText: '19–21',
    source: '§2.1 "Same-socket vs cross-socket P2P, bidi"',
    circular: false,
  },
  {
    id: 'dgx1-staged-uni',
    spec: 'dgx1-p100.yaml',
    what: 'P100 → P100 host-staged, same PLX switch, one direction',
    flows: [['gpu0', 'gpu1']],
    mode: 'bounce',
    measured: 10,
    measuredText: '~9.2–10.8',
    source: '§2.1 «DGX-1 P100 host-staged copies: "anti-locality"»',
    circular: false,
  },
  {
    id: 'dgx1-staged-same-switch-bidi',
    spec: 'dgx1-p100.yaml',
    what: 'P100 ↔ P100 host-staged, same PLX switch (both legs share the uplink)',
    flows: [
      ['gpu0', 'gpu1'],
      ['gpu1', 'gpu0'],
    ],
    mode: 'bounce',
    measured: 9.875,
    measuredText: '9.28–10.47',
    source: '§2.1 «DGX-1 P100 host-staged copies: "anti-locality"»',
    circular: false,
  },
  {
    id: 'dgx1-staged-cross-switch-bidi',
    spec: 'dgx1-p100.yaml',
    what: 'P100 ↔ P100 host-staged, different switches, same socket',
    flows: [
      ['gpu0', 'gpu2'],
      ['gpu2', 'gpu0'],
    ],
    mode: 'bounce',
    measured: 17.5,
    measuredText: '16.8–18.2',
    source: '§2.1 «DGX-1 P100 host-staged copies: "anti-locality"»',
    circular: false,
  },
  {
    id: 'broadwell-3nvme-gpu',
    spec: 'broadwell-nvme-p40.yaml',
    what: 'three NVMe → P40 P2P at once through a Broadwell root complex (total)',
    flows: [
      ['nvme0', 'gpu0'],
      ['nvme1', 'gpu0'],
      ['nvme2', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 7.1,
    measuredText: '7.1',
    source: '§2.1 "NVMe → GPU P2P through an Intel Broadwell root complex"',
    circular: true,
  },
  {
    id: 'broadwell-2nvme-gpu',
    spec: 'broadwell-nvme-p40.yaml',
    what: 'two NVMe → P40 P2P at once (total)',
    flows: [
      ['nvme0', 'gpu0'],
      ['nvme1', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 6.3,
    measuredText: '6.3',
    source: '§2.1 "NVMe → GPU P2P through an Intel Broadwell root complex"',
    circular: false,
  },
  {
    id: 'naples-uni',
    spec: 'naples-mi25.yaml',
    what: 'MI25 → MI25 through a Naples root complex',
    flows: [['gpu0', 'gpu1']],
    mode: 'p2p-hw',
    measured: 7.06,
    measuredText: '7.06',
    source: '§2.1 "GPU P2P on AMD Naples"',
    circular: true,
  },
  {
    id: 'naples-bidi',
    spec: 'naples-mi25.yaml',
    what: 'MI25 ↔ MI25 through a Naples root complex',
    flows: [
      ['gpu0', 'gpu1'],
      ['gpu1', 'gpu0'],
    ],
    mode: 'p2p-hw',
    measured: 12,
    measuredText: '~12',
    source: '§2.1 "GPU P2P on AMD Naples"',
    circular: true,
  },
  {
    id: 'h100-staged-uni',
    spec: 'hgx-h100-staged.yaml',
    what: 'H100 → H100 host-staged (P2P disabled), one direction',
    flows: [['gpu0', 'gpu1']],
    mode: 'bounce',
    measured: 37.2,
    measuredText: '36.3–38.1',
    source: '§2.1 "Host-staged (P2P disabled), H100"',
    circular: true,
  },
];

export interface CaseResult {
  readonly c: ConformanceCase;
  readonly lo: number;
  readonly hi: number;
  /** (predicted − measured) / measured, at the end of the range nearer the measurement. */
  readonly error: number;
}

export function runCase(fabric: Fabric, c: ConformanceCase): CaseResult {
  const model = new PerfModel(fabric);
  const rs = model.solve(
    c.flows.map(([s, d]) => ({ src: fabric.resolve(s), dst: fabric.resolve(d), mode: c.mode })),
  );
  const lo = rs.reduce((t, r) => t + r.rate.lo, 0);
  const hi = rs.reduce((t, r) => t + r.rate.hi, 0);
  const near = Math.min(hi, Math.max(lo, c.measured));
  return { c, lo, hi, error: (near - c.measured) / c.measured };
}

const f2 = (x: number) => x.toFixed(2);

/** The error table of docs/bandwidth.md. */
export function conformanceMarkdown(results: readonly CaseResult[]): string {
  const out = [
    '| case | machine (spec) | measured GB/s | predicted GB/s | error | source (published-numbers.md) | calibrated from this row |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const pred = f2(r.lo) === f2(r.hi) ? f2(r.lo) : `${f2(r.lo)}–${f2(r.hi)}`;
    const err = `${r.error >= 0 ? '+' : ''}${(r.error * 100).toFixed(1)}%`;
    out.push(
      `| ${r.c.what} | \`${r.c.spec}\` | ${r.c.measuredText} | ${pred} | ${err} | ${r.c.source.replace(/\|/g, '\\|')} | ${r.c.circular ? 'yes' : 'no'} |`,
    );
  }
  const indep = results.filter((r) => !r.c.circular);
  const mean = indep.reduce((t, r) => t + Math.abs(r.error), 0) / Math.max(1, indep.length);
  out.push('');
  out.push(
    `Mean absolute error over the ${indep.length} cases no constant was derived from: ${(mean * 100).toFixed(1)}%.`,
  );
  return `${out.join('\n')}\n`;
}
