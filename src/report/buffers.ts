/** `peerdma buffers`: the DMA-BUF objects of a machine, as text and as one JSON document. */
import type { BuffersAppRecord as BuffersRecord } from '../app/buffers.js';
import type { BufferRecord } from '../buffers/index.js';
import { formatSize } from './format.js';
import { rulesLines } from './p2p-text.js';

export const BUFFERS_SCHEMA_VERSION = 1;

const holderText = (b: BufferRecord) =>
  b.holders.length === 0
    ? 'no fd'
    : b.holders.map((h) => `${h.comm ?? '?'}[${h.pid}] fd ${h.fd}`).join(', ');

function attachmentLines(b: BufferRecord): string[] {
  if (b.attachments === null) return ['    attached: unknown (no bufinfo)'];
  if (b.attachments.length === 0) return ['    attached: none'];
  return b.attachments.map((a) => {
    const who = a.bdf === null ? `${a.device} (not a PCI function of this fabric)` : a.device;
    if (a.verdicts.length === 0)
      return `    attached ${who}${a.bdf !== null ? `: exporter device unknown (no function runs ${b.exporter})` : ''}`;
    const v = a.verdicts
      .map(
        (x) =>
          `${x.mapType}${x.distance !== null ? ` distance ${x.distance}` : ''} from ${x.exporter}`,
      )
      .join('; ');
    return `    attached ${who}: ${v}`;
  });
}

export function renderBuffers(rec: BuffersRecord): string {
  const out: string[] = [
    `DMA-BUF objects: ${rec.buffers.length}, ${rec.totalBytes === 0n ? 'no memory' : `${formatSize(rec.totalBytes)} in all`}`,
    `P2P verdicts: ${rulesLines(rec.rules).join('\n')}`,
  ];
  for (const b of rec.buffers) {
    const ino = b.ino === null ? 'ino ?' : `ino ${b.ino}`;
    const name = b.name === null ? '' : `  "${b.name}"`;
    const count = b.count === null ? '' : `  ${b.count} refs`;
    const exporters = b.exporterDevices.length === 0 ? '' : ` (${b.exporterDevices.join(', ')})`;
    out.push(
      `  ${ino}  ${formatSize(b.size)}  exporter ${b.exporter}${exporters}${name}${count}  held by ${holderText(b)}  [${b.source}]`,
    );
    out.push(...attachmentLines(b));
  }
  if (rec.p2pmem.length > 0) {
    out.push('', 'p2pmem (PCI P2P DMA providers):');
    for (const p of rec.p2pmem) {
      const sz = (n: bigint | null) => (n === null ? '?' : formatSize(n));
      const pub = p.published === null ? '?' : p.published ? 'yes' : 'no';
      out.push(`  ${p.bdf}  size ${sz(p.size)}  available ${sz(p.available)}  published ${pub}`);
    }
  }
  if (rec.notes.length > 0) out.push('', 'not read:', ...rec.notes.map((n) => `  - ${n}`));
  return `${out.join('\n')}\n`;
}

export function buffersJson(rec: BuffersRecord): object {
  return {
    schemaVersion: BUFFERS_SCHEMA_VERSION,
    ruleSet: rec.ruleSet,
    rules: rec.rules,
    totalBytes: rec.totalBytes,
    buffers: rec.buffers,
    p2pmem: rec.p2pmem,
    notes: rec.notes,
  };
}
