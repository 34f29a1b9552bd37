/**
 * `peerdma demo` rendered: the founding scenario step by step, the ring + doorbell comparison and
 * NVMe → GPU VRAM (src/app/demo.ts), as text. The JSON document is the record itself.
 */
import type { DemoDoc } from '../app/demo.js';
import { ledgerLine } from '../dma/index.js';
import type { DemoMapping, DemoResult } from '../scenarios/demo-steps.js';
import type { GpuNvmeResult } from '../scenarios/gpu-nvme.js';
import type { RingResult, RingRow } from '../scenarios/ring-doorbell.js';
import { driverFindingText } from './findings.js';
import { rulesLines } from './p2p-text.js';

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
  for (const f of r.findings) out.push(`finding: ${driverFindingText(f)}`);
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
  const t = r.timing;
  const us = (ns: number) => `${(ns / 1000).toFixed(3)} µs`;
  out.push('');
  out.push(
    `time per item (bandwidth/latency model, ${t.recordBytes} B records, doorbell every ${t.batch}):`,
  );
  out.push(
    `  p2p-doorbell  ${us(t.p2pNs)}  (record ${us(t.p2p.recordNs)} at ${t.p2p.GBps.toFixed(2)} GB/s + doorbell ${us(t.p2p.batchNs)} / ${t.batch})${t.p2pRefused ? '  — P2P refused by the kernel: this is the bounce' : ''}`,
  );
  out.push(
    `  bounce-host   ${us(t.cpuNs)}  (record ${us(t.cpu.recordNs)} at ${t.cpu.GBps.toFixed(2)} GB/s + completion, CPU step, copy and doorbell ${us(t.cpu.batchNs)} / ${t.batch})`,
  );
  out.push(`  the P2P doorbell is ${(t.cpuNs / t.p2pNs).toFixed(1)}× faster per item`);
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
export function renderDemoSection(doc: DemoDoc): string {
  return `== DMA-BUF founding scenario ==\n${renderDemo(doc)}`;
}
