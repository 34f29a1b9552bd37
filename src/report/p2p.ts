/**
 * P2P verdict rendering: `peerdma check` (src/app/check.ts: verdict + route drawn on the tree +
 * reasons + fix) and its JSON. The wording of findings lives in p2p-text.ts; `peerdma matrix` (`nvidia-smi topo -m` layout
 * with a legend), its JSON and the report section live in p2p-matrix.ts. Both are re-exported here.
 */
import type { CheckRecord } from '../app/check.js';
import { rulesChoiceData } from '../p2pdma/kernel-release.js';
import type { P2pRoute } from '../p2pdma/route.js';
import type { Verdict } from '../p2pdma/types.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { findingText } from './findings.js';
import { acsUsedSummary } from './format.js';
import {
  CHECK_SCHEMA_VERSION,
  factText,
  flipJson,
  flipText,
  hintText,
  issueText,
  rulesLines,
} from './p2p-text.js';

export * from './p2p-matrix.js';
export * from './p2p-text.js';

/** The verdict as JSON (schemaVersion 1): the record plus worded issues. */
export function verdictJson(r: CheckRecord): object {
  const v = r.verdict;
  const caveat = r.ruleSetNote;
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    ...v,
    ...(caveat ? { ruleSetNote: caveat } : {}),
    ...(r.rules ? { rules: rulesChoiceData(r.rules) } : {}),
    ...(r.flip ? { laterRelease: flipJson(r.flip) } : {}),
    route: r.route,
    issues: v.issues.map((i) => ({ ...i, text: issueText(i), hintText: hintText(i) })),
    ...(facts(r).length ? { facts: facts(r).map((f) => ({ ...f, text: findingText(f) })) } : {}),
  };
}

/** Stated facts beyond the kernel's verdict (driver P2P policy, switch chip partitions). */
const facts = (r: CheckRecord) =>
  r.findings.filter((f) => f.code === 'driver_refuses_p2p' || f.code === 'chip_partitions');

function mapTypeLine(v: Verdict): string {
  if (v.mapType === 'uncertain') {
    return `uncertain: ${v.possible.join(' or ')} (distance ${v.distance ?? 'depends'}) — decided by ${factText(v.missing)}`;
  }
  return `${v.mapType}, distance ${v.distance}`;
}

/** Where the route turns, as the tree marks it. */
function turnText(route: P2pRoute): string {
  switch (route.kind) {
    case 'switch-local':
    case 'root-port':
      return 'common upstream: turns around here';
    case 'root-complex (ACS redirect)':
      return 'turns around here (root complex: ACS redirect sends the traffic up)';
    case 'root-complex (IOMMU)':
      return 'turns around here (root complex: the IOMMU translates)';
    default:
      return 'turns around here (host bridge)';
  }
}

/**
 * The union of both upstream chains, drawn as a pruned tree with the route marked where it turns
 * (`route`, from the verdict) and each function's ACS state as the verdict used it.
 */
export function renderRoute(fabric: Fabric, v: Verdict, route: P2pRoute): string[] {
  const a = fabric.require(v.provider);
  const b = fabric.require(v.client);
  const on = new Set<PciFunction>([...fabric.upstreamChain(a), ...fabric.upstreamChain(b)]);
  const common = fabric.commonUpstream(a, b);
  const acs = new Set<string>(v.acsBridges);
  const turn = new Set(route.turnsAt);
  const out: string[] = [];
  const hbs = [...new Set([a.hostBridge, b.hostBridge])];
  const mark = (f: PciFunction): string => {
    const tags: string[] = [];
    if (f === a) tags.push('provider');
    if (f === b) tags.push('client');
    if (turn.has(f.bdf)) tags.push(turnText(route));
    else if (f === common && a !== b) tags.push('common upstream');
    const used = v.acsUsed[f.bdf];
    if (used && (acs.has(f.bdf) || (fabric.isBridge(f) && used.cap !== 'absent')))
      tags.push(acsUsedSummary(used));
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
    const through = turn.has(hb) ? `  ◀ ${turnText(route)}` : '';
    out.push(`${hb}${through}`);
    const roots = [...on]
      .filter((f) => f.hostBridge === hb && fabric.upstreamBridge(f) === null)
      .sort((x, y) => (x.bdf < y.bdf ? -1 : 1));
    roots.forEach((f, i) => {
      walk(f, '', i === roots.length - 1);
    });
  }
  if (route.kind === 'none')
    out.push('(no route: the kernel refuses peer-to-peer DMA for this pair)');
  return out;
}

export function renderVerdict(r: CheckRecord): string {
  const { fabric, verdict: v } = r;
  const lines: string[] = [];
  lines.push(`provider ${v.provider}  →  client ${v.client}   [rules ${v.ruleSet}]`);
  if (r.rules) lines.push(...rulesLines(rulesChoiceData(r.rules)));
  else if (r.ruleSetNote) lines.push(`note:     ${r.ruleSetNote}`);
  lines.push(`verdict:  ${mapTypeLine(v)}`);
  if (r.flip) lines.push(`later:    ${flipText(r.flip)}`);
  lines.push(
    `locality: ${v.class}${v.bottleneck ? `   bottleneck ${v.bottleneck.link.join('↔')} Gen${v.bottleneck.gen} x${v.bottleneck.width} = ${v.bottleneck.GBps} GB/s per direction (raw, after encoding; published-numbers.md §3.1)` : ''}`,
  );
  lines.push(`path:     ${v.path.join(' → ')}`);
  for (const f of facts(r)) lines.push(`note:     ${findingText(f)}`);
  lines.push('', 'route:', ...renderRoute(fabric, v, r.route).map((l) => `  ${l}`));
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
