/**
 * `peerdma matrix`: every endpoint pair laid out like `nvidia-smi topo -m` with a legend, its JSON
 * (map type and distance from the fast matrix; the per-pair walk only where there are findings),
 * and the P2P section of `peerdma report`.
 */
import { P2pEnv } from '../p2pdma/env.js';
import { LOCALITY_LEGEND, localityClass } from '../p2pdma/locality.js';
import {
  cellDistance,
  cellMapType,
  type DeviceSelection,
  fastMatrix,
  MT_BUS_ADDR,
  MT_NOT_SUPPORTED,
  MT_THRU_HOST_BRIDGE,
  MT_UNCERTAIN,
  matrixDevices,
  type PairMatrix,
} from '../p2pdma/matrix.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { IssueCode } from '../p2pdma/types.js';
import { pairAnswer } from '../p2pdma/verdict.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { deviceLabels, numaWithCpus } from './device-names.js';
import { hex4 } from './format.js';
import { hintText, issueText, P2P_SCHEMA_VERSION } from './p2p-text.js';

export type MatrixShow = 'maptype' | 'class' | 'distance';
const MT_SHORT = ['NS', 'BUS', 'THB', '?'];

export interface MatrixView {
  readonly env: P2pEnv;
  readonly matrix: PairMatrix;
}

export function buildMatrix(
  fabric: Fabric,
  ruleSet: string | undefined,
  cmdline: string | undefined,
  sel: DeviceSelection,
): MatrixView {
  const env = new P2pEnv(fabric, getRuleSet(ruleSet), cmdline);
  return { env, matrix: fastMatrix(env, matrixDevices(fabric, sel)) };
}

/** nvidia-smi's "NUMA Affinity" column: the function's node, else its host bridge's; -1 → N/A. */
function numaOf(fabric: Fabric, f: PciFunction): string {
  const n = isKnown(f.numaNode) ? f.numaNode : fabric.hostBridge(f.hostBridge).numaNode;
  if (!isKnown(n)) return '?';
  return n < 0 ? 'N/A' : String(n);
}

export function renderMatrix(view: MatrixView, show: MatrixShow): string {
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  if (devs.length === 0) return 'no devices to compare (try --all)\n';
  const names = deviceLabels(devs);
  const labels = names.labels;
  // nvidia-smi heads the columns with the device names; long names fall back to D0, D1, …
  const named = labels.every((l) => l.length <= 8);
  const heads = named ? labels : devs.map((_, j) => `D${j}`);
  const rowHead = (i: number) => (named ? '' : `D${i}`.padEnd(5)) + labels[i]!.padEnd(w);
  const w = Math.max(5, ...labels.map((l) => l.length)) + 1;
  const cw = Math.max(5, ...heads.map((h) => h.length + 1));
  const lines: string[] = [];
  lines.push(`${''.padEnd(named ? w : 5 + w)}${heads.map((h) => h.padStart(cw)).join('')}  NUMA`);
  devs.forEach((a, i) => {
    const cells = devs.map((b, j) => {
      let s: string;
      if (show === 'class') {
        const c = localityClass(fabric, a, b);
        s = c === 'unknown' ? '?' : c;
      } else if (show === 'distance') {
        const t = cellMapType(matrix, i, j);
        s =
          t === MT_UNCERTAIN
            ? `${cellDistance(matrix, i, j)}?`
            : String(cellDistance(matrix, i, j));
      } else
        s =
          i === j && cellMapType(matrix, i, j) === MT_BUS_ADDR
            ? 'X'
            : MT_SHORT[cellMapType(matrix, i, j)]!;
      return s.padStart(cw);
    });
    lines.push(`${rowHead(i)}${cells.join('')}  ${numaWithCpus(numaOf(fabric, a), a)}`);
  });
  lines.push(
    '',
    `rows: provider (memory owner), columns: client (DMA initiator); rules ${env.rules.name}`,
  );
  if (env.rules.caveat) lines.push(`note: ${env.rules.caveat}`);
  lines.push(...legend(show));
  lines.push(
    '  NUMA = the device\'s NUMA node (nvidia-smi "NUMA Affinity"); N/A: none; ?: not in the input',
  );
  if (devs.some((d) => d.cpulist !== undefined))
    lines.push('  CPUs = the CPUs near the device (local_cpulist; nvidia-smi "CPU Affinity")');
  if (names.legend.length > 0) lines.push('', ...names.legend);
  if (env.overlay.bootLog.length)
    lines.push('', 'boot log (command line):', ...env.overlay.bootLog.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

export function legend(show: MatrixShow): string[] {
  if (show === 'class')
    return [
      'Legend:',
      ...LOCALITY_LEGEND.map(([k, d]) => `  ${k.padEnd(4)} = ${d}`),
      '  ?    = NUMA node of a host bridge unknown',
      '  (nvidia-smi also shows NV# for bonded NVLinks; peerdma sees PCIe only)',
    ];
  if (show === 'distance')
    return [
      'Legend:',
      '  n  = pci_p2pdma_distance() (hops via the common upstream device, or over both full chains)',
      '  -1 = refused (NOT_SUPPORTED)',
      '  n? = undecided: a missing fact decides between n and -1 (run `peerdma check`)',
    ];
  return [
    'Legend:',
    '  X   = the device itself (BUS_ADDR, distance 0)',
    '  BUS = BUS_ADDR: traffic turns around below the host bridge; the client uses PCI bus addresses',
    '  THB = THRU_HOST_BRIDGE: through the root complex; mapped like ordinary memory (IOMMU)',
    '  NS  = NOT_SUPPORTED: refused (-1); mapping fails with -EREMOTEIO',
    '  ?   = undecided: a missing fact decides it (run `peerdma check A B` for which)',
  ];
}

/**
 * `matrix --json`: every ordered pair, both directions. Map type and distance come from the fast
 * matrix; the per-pair walk (`pairAnswer`, without its log) runs only where there is something to
 * say: pairs that are not BUS_ADDR, and BUS_ADDR pairs whose path the what-if command line touched.
 * A BUS_ADDR pair otherwise has no ACS bridges and no findings (the walk found a common device and no
 * redirect); the differential test in p2p.test.ts holds every pair against the full verdict.
 */
export function matrixJson(view: MatrixView): object {
  const { env, matrix } = view;
  const fabric = env.fabric;
  const devs = matrix.devices;
  const changed = env.changedByCmdline;
  const pairs: object[] = [];
  let walked = 0;
  devs.forEach((a, i) => {
    devs.forEach((b, j) => {
      const t = cellMapType(matrix, i, j);
      const path = fabric.path(a, b);
      const base = { provider: a.bdf, client: b.bdf };
      const klass = localityClass(fabric, a, b);
      if (t === MT_BUS_ADDR && !path.some((x) => changed.has(x))) {
        const distance = cellDistance(matrix, i, j);
        pairs.push({
          ...base,
          mapType: 'BUS_ADDR',
          distance,
          class: klass,
          path,
          acsBridges: [],
          issues: [],
        });
        return;
      }
      walked++;
      const v = pairAnswer(env, a, b, path, { log: false });
      pairs.push({
        ...base,
        mapType: v.mapType,
        distance: v.distance,
        class: klass,
        path,
        acsBridges: v.acsBridges,
        issues: v.issues.map((x) => ({ ...x, text: issueText(x), hintText: hintText(x) })),
        ...(v.mapType === 'uncertain' ? { possible: v.possible, missing: v.missing } : {}),
      });
    });
  });
  return {
    schemaVersion: P2P_SCHEMA_VERSION,
    ruleSet: env.rules.name,
    ...(env.rules.caveat ? { ruleSetNote: env.rules.caveat } : {}),
    bootLog: env.overlay.bootLog,
    devices: devs.map((d) => d.bdf),
    pairs,
    stats: { pairs: pairs.length, walked },
  };
}

export interface P2pSectionOptions {
  readonly ruleSet?: string;
  readonly cmdline?: string;
  readonly selection?: DeviceSelection;
  /** How many notable findings to list (default 8). */
  readonly maxFindings?: number;
}

const INFO_CODES: ReadonlySet<IssueCode> = new Set([
  'no_common_upstream',
  'cpu_allows_host_bridge',
  'host_bridge_allowlisted',
  'cmdline',
]);

/** For `peerdma report`: a compact map-type matrix plus the notable findings. */
export function renderP2pSection(fabric: Fabric, opts: P2pSectionOptions = {}): string {
  const view = buildMatrix(fabric, opts.ruleSet, opts.cmdline, opts.selection ?? {});
  const out = [renderMatrix(view, 'maptype').trimEnd()];
  const { matrix, env } = view;
  // Distinct findings by wording; refusals and fixable causes before informational ones.
  const found = new Map<string, number>();
  const acsPorts = new Set<string>();
  const allowed = new Map<string, string>();
  let acsPairs = 0;
  let crossPairs = 0;
  const counts = [0, 0, 0, 0];
  const max = opts.maxFindings ?? 8;
  for (let i = 0; i < matrix.n; i++) {
    for (let j = 0; j < matrix.n; j++) {
      const t = cellMapType(matrix, i, j);
      counts[t]!++;
      // The per-pair walk (no log) for every pair that is not plainly BUS_ADDR.
      if (i === j || t === MT_BUS_ADDR) continue;
      const a = matrix.devices[i]!;
      const b = matrix.devices[j]!;
      const v = pairAnswer(env, a, b, env.fabric.path(a, b), { log: false });
      for (const x of v.issues) {
        if (x.code === 'no_common_upstream') {
          crossPairs++;
          continue;
        }
        if (x.code === 'host_bridge_allowlisted') {
          const e = x.evidence as { hostBridge: string; entry?: string; ids: number[] | null };
          const ids = e.ids ? ` ${hex4(e.ids[0]!)}:${hex4(e.ids[1]!)}` : '';
          allowed.set(e.hostBridge, `${e.entry ?? 'allowlisted'}${ids}`);
          continue;
        }
        if (x.code === 'acs_redirect') {
          acsPairs++;
          for (const b of x.path) acsPorts.add(b);
          continue;
        }
        const h = hintText(x);
        const text = `  - ${issueText(x)}${h ? `\n      fix: ${h}` : ''}`;
        const rank = INFO_CODES.has(x.code) ? 2 : t === MT_THRU_HOST_BRIDGE ? 1 : 0;
        found.set(text, Math.min(found.get(text) ?? rank, rank));
      }
    }
  }
  const findings = [...found].sort((a, b) => a[1] - b[1]).map(([text]) => text);
  if (crossPairs > 0) {
    findings.push(
      `  - ${crossPairs} pair(s) share no upstream bridge below the host bridge; whether they may go through the root complex is the host-bridge rule's call (see \`peerdma check A B\`)`,
    );
  }
  if (allowed.size > 0) {
    const kinds = [...new Set(allowed.values())].join('; ');
    findings.push(
      `  - the ${env.rules.name} allowlist opens the host-bridge route on ${[...allowed.keys()].sort().join(', ')} (${kinds})`,
    );
  }
  if (acsPorts.size > 0) {
    // One parameter for the whole machine: the union of every pair's ACS list.
    const ports = [...acsPorts].sort();
    findings.unshift(
      `  - ACS redirect on ${ports.length} port(s) sends ${acsPairs} pair(s) up to the root complex instead of turning around below it: ${ports.join(', ')}\n      fix: add the kernel parameter: pci=disable_acs_redir=${ports.join(';')}`,
    );
  }
  out.push(
    '',
    `pairs: ${counts[MT_BUS_ADDR]} BUS_ADDR, ${counts[MT_THRU_HOST_BRIDGE]} THRU_HOST_BRIDGE, ${counts[MT_NOT_SUPPORTED]} NOT_SUPPORTED, ${counts[MT_UNCERTAIN]} undecided`,
  );
  if (findings.length) {
    out.push('notable findings:', ...findings.slice(0, max));
    if (findings.length > max) out.push('  … and more (peerdma matrix --json)');
  }
  return `${out.join('\n')}\n`;
}
