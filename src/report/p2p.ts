/**
 * P2P verdict rendering: the one place issue wording lives (text and JSON say the same thing),
 * `peerdma check` (verdict + route drawn on the tree + reasons + fix), `peerdma matrix`
 * (`nvidia-smi topo -m` layout with a legend) and the report section.
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
import type { Issue, IssueCode, MissingFact, Verdict } from '../p2pdma/types.js';
import { pairAnswer } from '../p2pdma/verdict.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { acsSummary, hex4 } from './format.js';

export const P2P_SCHEMA_VERSION = 1;

const FACT_TEXT: Readonly<Record<MissingFact['fact'], string>> = {
  'acs-control':
    'the ACS control register (capture lacks it; run lspci as root or capture sysfs config)',
  'acs-cmdline-match': 'whether the pci= ACS entry matches (the device ids are unknown)',
  'acs-firmware-value':
    'the firmware ACS value that pci=config_acs= keeps for bits outside its mask',
  'cpu-vendor-family': 'the CPU vendor and family (cpu_supports_p2pdma: x86 AMD family >= 0x17)',
  'host-bridge-device-id': 'the vendor:device id of the host bridge device the allowlist looks at',
};

export function factText(m: MissingFact): string {
  return `${FACT_TEXT[m.fact]}${m.devices.length ? ` (${m.devices.join(', ')})` : ''}`;
}

const list = (xs: readonly unknown[]) => xs.map(String).join(', ');

/** The wording of every finding. */
export function issueText(i: Issue): string {
  const e = i.evidence as Record<string, unknown>;
  switch (i.code) {
    case 'acs_redirect':
      return `ACS redirect (RR|CR|EC) is set on ${list(i.path)}, so peer requests are sent up to the root complex instead of turning around at ${String(e['common'])}`;
    case 'early_acs_refused':
      return `ACS redirect is set on ${list(i.path)}; this kernel refuses the pair (-2 → -1) instead of routing through the host bridge`;
    case 'no_common_upstream':
      return e['sameHostBridge']
        ? `no common upstream bridge below host bridge ${String(e['providerHostBridge'])}: only the host-bridge route remains`
        : `no common upstream bridge: the route crosses host bridges ${String(e['providerHostBridge'])} and ${String(e['clientHostBridge'])}`;
    case 'early_no_common_switch':
      return 'no common upstream bridge: this kernel allows P2P only below one PCIe switch (-1)';
    case 'cpu_allows_host_bridge':
      return `the CPU (${String(e['vendor'])} family 0x${Number(e['family']).toString(16)}) is AMD Zen or later: cpu_supports_p2pdma() opens the host-bridge route`;
    case 'host_bridge_not_allowlisted': {
      const ids = e['ids'] as [number, number] | null;
      return `host bridge device ${String(e['device'])}${ids ? ` [${hex4(ids[0])}:${hex4(ids[1])}]` : ''} of ${String(e['hostBridge'])} is not in the ${String(e['ruleSet'])} P2PDMA allowlist`;
    }
    case 'host_bridge_allowlisted': {
      const ids = e['ids'] as [number, number] | null;
      return `host bridge device ${String(e['device'])}${ids ? ` [${hex4(ids[0])}:${hex4(ids[1])}]` : ''} of ${String(e['hostBridge'])} is in the ${String(e['ruleSet'])} P2PDMA allowlist${e['entry'] ? ` (${String(e['entry'])})` : ''}: the host-bridge route is open`;
    }
    case 'host_bridge_requires_same':
      return `host bridge device ${String(e['device'])} is allowlisted only for traffic within one host bridge (REQ_SAME_HOST_BRIDGE), and the pair spans two`;
    case 'no_host_bridge_device':
      return `${String(e['hostBridge'])} has no usable host bridge device (first device on the root bus is neither 00.0 nor a root port): the allowlist cannot match`;
    case 'fact_unknown':
      return `undecided: missing ${FACT_TEXT[e['fact'] as MissingFact['fact']]}${i.path.length ? ` for ${list(i.path)}` : ''}`;
    case 'cmdline':
      return `the what-if command line changed ACS redirect on ${list(i.path)}`;
  }
}

export function hintText(i: Issue): string | null {
  if (i.hint === null) return null;
  if (i.code === 'acs_redirect' || i.code === 'early_acs_refused')
    return `add the kernel parameter: ${i.hint}`;
  return i.hint;
}

/** The verdict as JSON (schemaVersion 1): the record plus worded issues. */
export function verdictJson(v: Verdict): object {
  return {
    schemaVersion: P2P_SCHEMA_VERSION,
    ...v,
    issues: v.issues.map((i) => ({ ...i, text: issueText(i), hintText: hintText(i) })),
  };
}

function mapTypeLine(v: Verdict): string {
  if (v.mapType === 'uncertain') {
    return `uncertain: ${v.possible.join(' or ')} (distance ${v.distance ?? 'depends'}) — decided by ${factText(v.missing)}`;
  }
  return `${v.mapType}, distance ${v.distance}`;
}

/** The union of both upstream chains, drawn as a pruned tree with the route marked. */
export function renderRoute(fabric: Fabric, v: Verdict): string[] {
  const a = fabric.require(v.provider);
  const b = fabric.require(v.client);
  const on = new Set<PciFunction>([...fabric.upstreamChain(a), ...fabric.upstreamChain(b)]);
  const common = fabric.commonUpstream(a, b);
  const acs = new Set<string>(v.acsBridges);
  const out: string[] = [];
  const hbs = [...new Set([a.hostBridge, b.hostBridge])];
  const mark = (f: PciFunction): string => {
    const tags: string[] = [];
    if (f === a) tags.push('provider');
    if (f === b) tags.push('client');
    if (f === common && a !== b) tags.push('common upstream: turns around here');
    if (acs.has(f.bdf)) tags.push(`${acsSummary(f.acs)}`);
    else if (fabric.isBridge(f) && f.acs.state !== 'absent') tags.push(acsSummary(f.acs));
    if (f.physfn !== null) tags.push(`VF of ${f.physfn}`);
    return tags.length ? `  ◀ ${tags.join('; ')}` : '';
  };
  const walk = (f: PciFunction, prefix: string, last: boolean) => {
    out.push(
      `${prefix}${last ? '└─ ' : '├─ '}${f.bdf}${f.name ? ` "${f.name}"` : ''}  ${f.kind}${mark(f)}`,
    );
    const kids = [...on]
      .filter((k) => fabric.upstreamBridge(k) === f)
      .sort((x, y) => (x.bdf < y.bdf ? -1 : 1));
    kids.forEach((k, i) => {
      walk(k, prefix + (last ? '   ' : '│  '), i === kids.length - 1);
    });
  };
  for (const hb of hbs) {
    const through = common === null ? '  ◀ route goes through the host bridge' : '';
    out.push(`${hb}${through}`);
    const roots = [...on]
      .filter((f) => f.hostBridge === hb && fabric.upstreamBridge(f) === null)
      .sort((x, y) => (x.bdf < y.bdf ? -1 : 1));
    roots.forEach((f, i) => {
      walk(f, '', i === roots.length - 1);
    });
  }
  return out;
}

export function renderVerdict(fabric: Fabric, v: Verdict): string {
  const lines: string[] = [];
  lines.push(`provider ${v.provider}  →  client ${v.client}   [rules ${v.ruleSet}]`);
  const caveat = getRuleSet(v.ruleSet).caveat;
  if (caveat) lines.push(`note:     ${caveat}`);
  lines.push(`verdict:  ${mapTypeLine(v)}`);
  lines.push(
    `locality: ${v.class}${v.bottleneck ? `   bottleneck ${v.bottleneck.link.join('↔')} Gen${v.bottleneck.gen} x${v.bottleneck.width} = ${v.bottleneck.gbps} GB/s per direction (${v.bottleneck.source})` : ''}`,
  );
  lines.push(`path:     ${v.path.join(' → ')}`);
  lines.push('', 'route:', ...renderRoute(fabric, v).map((l) => `  ${l}`));
  if (v.issues.length) {
    lines.push('', 'reasons:');
    for (const i of v.issues) lines.push(`  - ${issueText(i)}`);
  }
  const hints = v.issues.map(hintText).filter((h): h is string => h !== null);
  if (hints.length) {
    lines.push('', 'fix:');
    for (const h of [...new Set(hints)]) lines.push(`  - ${h}`);
  }
  if (v.mapType === 'uncertain') {
    lines.push('', 'possible outcomes:');
    for (const o of v.outcomes)
      lines.push(
        `  - ${o.mapType}, distance ${o.distance}${o.kernelLog.length ? `; log: ${o.kernelLog.join(' | ')}` : ''}`,
      );
  }
  if (v.bootLog.length)
    lines.push('', 'boot log (command line):', ...v.bootLog.map((l) => `  ${l}`));
  lines.push(
    '',
    'kernel log:',
    ...(v.kernelLog.length ? v.kernelLog.map((l) => `  ${l}`) : ['  (nothing)']),
  );
  if (v.mapType !== 'uncertain' && v.logMissing)
    lines.push(`  (log text depends on ${v.logMissing.map(factText).join('; ')})`);
  return `${lines.join('\n')}\n`;
}

// ── matrix ─────────────────────────────────────────────────────────────────────────────

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

const label = (f: PciFunction) => f.name ?? f.bdf.replace(/^0000:/, '');

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
  const labels = devs.map(label);
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
    lines.push(`${rowHead(i)}${cells.join('')}  ${numaOf(fabric, a)}`);
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
      // Verdicts (the reference walk) only until enough distinct findings are known.
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
