/**
 * `peerdma demo`: the founding scenario step by step and the ring + doorbell comparison, as text
 * or one JSON document (schemaVersion 1). The wording of driver findings lives here.
 */
import type { KResult } from '../core/errno.js';
import { ledgerLine } from '../dma/index.js';
import type { DriverFinding } from '../drivers/env.js';
import { chooseRules } from '../p2pdma/kernel-release.js';
import type { Fabric } from '../pci/fabric.js';
import type { DemoMapping, DemoResult } from '../scenarios/demo-steps.js';
import { type FoundingOptions, runFounding } from '../scenarios/founding.js';
import { type GpuNvmeResult, runGpuNvme } from '../scenarios/gpu-nvme.js';
import { type RingResult, type RingRow, runRingDoorbell } from '../scenarios/ring-doorbell.js';
import { type RulesJson, rulesJson, rulesLines } from './p2p-text.js';

export const DEMO_SCHEMA_VERSION = 1;

export interface DemoDoc {
  readonly schemaVersion: 1;
  /** Which kernel release the demo models and why (`--rules`, the machine's kernel, the newest). */
  readonly rules: RulesJson;
  readonly founding: DemoResult;
  readonly ring: RingResult | { readonly error: string };
  /** NVMe → GPU VRAM through the amdgpu-style dynamic exporter (static vs pinned, MOVE_NOTIFY). */
  readonly gpuNvme: GpuNvmeResult | { readonly error: string };
}

export function buildDemo(fabric: Fabric, given: FoundingOptions = {}): DemoDoc {
  // --rules, else the machine's own kernel, else the newest release (said to be a default).
  const choice = chooseRules(fabric.machine, given.ruleSet);
  const opts: FoundingOptions = { ...given, ruleSet: choice.rules.name };
  const founding = runFounding(fabric, opts);
  const ring: KResult<RingResult> = founding.pair
    ? runRingDoorbell(fabric, opts)
    : {
        ok: false,
        errno: 'ENODEV',
        code: -19,
        message: 'it needs the same (accelerator, NIC) pair',
      };
  const gpuNvme = runGpuNvme(fabric, opts);
  return {
    schemaVersion: 1,
    rules: rulesJson(choice),
    founding,
    ring: ring.ok ? ring.value : { error: ring.message },
    gpuNvme: gpuNvme.ok ? gpuNvme.value : { error: gpuNvme.message },
  };
}

/** The one place driver findings are worded. */
export function findingText(f: DriverFinding): string {
  const e = f.evidence;
  switch (f.code) {
    case 'p2p_silent_fallback_gtt':
      return `${f.path[1]} cannot do P2P with ${f.path[0]}: buffer ${String(e['bo'])} (prefers VRAM) was served from system memory instead, with no error`;
    case 'pin_dropped_vram':
      return `pinning for ${f.path[1]} dropped VRAM (${String(e['why'])}): buffer ${String(e['bo'])} moved to system memory`;
    case 'p2p_refused_at_map':
      return `${f.path[1]} attached but mapping was refused (-EPERM): P2P to ${f.path[0]} is not possible`;
    case 'stale_pinned_mapping':
      return `${f.path[0]}: exporter ${String(e['exporter'])} moved a pinned buffer; the importer keeps its stale mapping`;
    case 'no_p2p_pair':
      return `no P2P-capable pair: ${String(e['reason'])}`;
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => pad(c, w[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)];
}

/** One map/unmap of a step: its ledger line, or its calls when the mapper kept no ledger. */
export function mappingLine(m: DemoMapping, names: Readonly<Record<string, string>> = {}): string {
  const who = Object.hasOwn(names, m.importer) ? names[m.importer] : m.importer;
  const label = `${m.strategy} ${m.what} → ${who}`;
  if (m.ledger !== null) return ledgerLine(m.ledger, label);
  const calls = Object.entries(m.calls).map(([k, n]) => `${k}×${n}`);
  return `${label}: ${calls.join(', ') || 'no DMA-API calls'} · ${m.segments} DMA seg(s) · no ledger`;
}

export function renderFounding(r: DemoResult): string[] {
  const out: string[] = [];
  out.push(
    `machine ${r.machine} · rules ${r.ruleSet}${r.p2pRuleSet !== r.ruleSet ? ` (p2pdma ${r.p2pRuleSet})` : ''} · IOMMU ${r.iommu}${r.iommuAssumed ? ' (unknown in the capture: assumed; set --iommu)' : ''} · strategy ${r.strategy} · MR ${r.mrMode}`,
  );
  if (!r.pair) {
    out.push(`no P2P-capable (accelerator, NIC) pair: ${r.noPair?.reason ?? 'unknown'}`);
    for (const c of r.noPair?.candidates ?? []) {
      out.push(
        `  ${c.accel} ← ${c.nic}: ${c.mapType}, distance ${c.distance ?? 'unknown'}${c.issues.length ? ` (${c.issues.join(', ')})` : ''}`,
      );
    }
    return out;
  }
  const p = r.pair;
  out.push(
    `pair: ${p.accel} (${p.accelBdf}) exports, ${p.nic} (${p.nicBdf}) imports — ${p.mapType}, distance ${p.distance ?? 'unknown'}${p.issues.length ? `, issues: ${p.issues.join(', ')}` : ''}`,
  );
  out.push('');
  const names = { [p.accelBdf]: p.accel, [p.nicBdf]: p.nic };
  for (const s of r.steps) {
    out.push(`${s.n}. ${pad(s.name, 11)} ${s.ok ? 'ok  ' : `FAIL -${s.errno}`} ${s.detail}`);
    if (s.route) out.push(`   route     ${s.route}`);
    if (s.mapType) out.push(`   map type  ${s.mapType}`);
    out.push(`   cost      ${s.dmaCalls} DMA-API call(s), ~${s.cpuNs} ns CPU so far`);
    for (const m of s.mappings) out.push(`   ledger    ${mappingLine(m, names)}`);
    out.push(`   fences    ${s.fences.length ? s.fences.join('; ') : 'none'}`);
  }
  out.push('');
  out.push(
    `verified: ${r.verified ? 'yes' : 'no'} · pristine: ${r.pristine.length === 0 ? 'yes' : r.pristine.join('; ')}`,
  );
  if (r.violations.length) out.push(`violations: ${r.violations.length} (see the kernel log)`);
  for (const f of r.findings) out.push(`finding: ${findingText(f)}`);
  if (r.kernelLog.length) {
    out.push('kernel log:');
    for (const l of r.kernelLog) out.push(`  ${l}`);
  }
  return out;
}

export function renderRing(r: RingResult | { readonly error: string }): string[] {
  if ('error' in r) return [`ring + doorbell: not run (${r.error})`];
  const row = (x: RingRow) => [
    x.design,
    `${x.consumed}/${x.records}`,
    x.verified ? 'yes' : 'no',
    String(x.nicToAccelWrites),
    String(x.nicToRamWrites),
    `${x.doorbellsByNic}/${x.doorbellsByCpu}`,
    String(x.cpuWakeups),
    String(x.cpuCopiedBytes),
    String(x.cpuInterventions),
    x.pristine.length === 0 ? 'yes' : 'no',
  ];
  const out = [
    `ring + doorbell: ${r.nic} fills a ring in ${r.accel}'s memory and rings its doorbell`,
    '',
  ];
  out.push(
    ...table(
      [
        'design',
        'consumed',
        'ok',
        'NIC→dev',
        'NIC→RAM',
        'doorbells NIC/CPU',
        'CPU wakeups',
        'CPU copied B',
        'CPU interventions',
        'pristine',
      ],
      r.rows.map(row),
    ),
  );
  out.push('');
  for (const x of r.rows) out.push(`${pad(x.design, 12)} route: ${x.route}`);
  return out;
}

export function renderGpuNvme(r: GpuNvmeResult | { readonly error: string }): string[] {
  if ('error' in r) return [`NVMe → GPU VRAM: not run (${r.error})`];
  const out = [
    `NVMe → GPU VRAM: ${r.nvme} READs a block into a dma-buf of ${r.gpu}'s VRAM (amdgpu-style exporter, ${r.mapType})`,
    '',
  ];
  const rows = r.rows.map((x) => [
    x.attach,
    x.moveNotify ? 'on' : 'off',
    x.ok ? 'ok' : `-${x.errno ?? '?'}`,
    x.placement,
    x.target,
    x.p2p ? 'yes' : 'no',
    x.verified ? 'yes' : 'no',
    x.findings.join(', ') || '-',
    x.pristine.length === 0 ? 'yes' : 'no',
  ]);
  out.push(
    ...table(
      [
        'attach',
        'MOVE_NOTIFY',
        'result',
        'placement',
        'drive wrote to',
        'P2P',
        'verified',
        'findings',
        'pristine',
      ],
      rows,
    ),
  );
  return out;
}

export function renderDemo(doc: DemoDoc): string {
  return `${[...rulesLines(doc.rules), ...renderFounding(doc.founding), '', ...renderRing(doc.ring), '', ...renderGpuNvme(doc.gpuNvme)].join('\n')}\n`;
}

/** The demo as a section of `peerdma report`. */
export function renderDemoSection(fabric: Fabric): string {
  return `== DMA-BUF founding scenario ==\n${renderDemo(buildDemo(fabric))}`;
}
