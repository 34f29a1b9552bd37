/**
 * Names and buffers: parsing the system pci.ids (the real file when installed, else a generated one
 * of the same shape: 2,600 vendors × 16 devices × 2 subsystems), a sysfs load with and without it
 * (the baseline: what naming adds to every `--from live`), and a 10,000-object bufinfo.
 * Medians of process CPU time; figures from a 2-core machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBufinfo } from '../src/buffers/index.js';
import { printBufinfo } from '../src/buffers/testing/print.js';
import { loadSysfs } from '../src/ingest/sysfs/index.js';
import { SHARED } from '../src/ingest/sysfs/testing/fixtures.js';
import { PciIds } from '../src/names/index.js';
import { tarVfs } from '../src/node/vfs.js';
import { type BenchRow, cpuTimeMedian } from './lib.js';

function pciIdsText(): { name: string; text: string; real: boolean } {
  const sys = '/usr/share/misc/pci.ids';
  if (existsSync(sys)) return { name: sys, text: readFileSync(sys, 'utf8'), real: true };
  const out: string[] = [];
  for (let v = 0; v < 2600; v++) {
    out.push(`${v.toString(16).padStart(4, '0')}  Vendor ${v}`);
    for (let d = 0; d < 16; d++) {
      out.push(`\t${d.toString(16).padStart(4, '0')}  Device ${d} of vendor ${v}`);
      for (let s = 0; s < 2; s++)
        out.push(`\t\t${v.toString(16).padStart(4, '0')} 00${s}0  Board ${s}`);
    }
  }
  return { name: 'generated', text: `${out.join('\n')}\n`, real: false };
}

export default async function (): Promise<BenchRow[]> {
  const ids = pciIdsText();
  const parse = cpuTimeMedian(() => PciIds.from([ids]), 7);
  const bytes = readFileSync(join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'));
  const vfs = await tarVfs(bytes, 'c-iommu');
  const bare = cpuTimeMedian(() => loadSysfs(vfs), 15);
  const named = cpuTimeMedian(() => loadSysfs(vfs, { systemIds: ids }), 7);
  const bufs = Array.from({ length: 10_000 }, (_, i) => ({
    size: 4096 * (1 + (i % 512)),
    count: 1 + (i % 3),
    exporter: i % 2 ? 'habanalabs' : 'system',
    ino: i + 1,
    attached: i % 4 === 0 ? ['0000:1a:00.0'] : [],
  }));
  const info = printBufinfo('v6.1', bufs);
  const buf = cpuTimeMedian(() => parseBufinfo(info, 'bufinfo'), 7);
  const kb = Math.round(ids.text.length / 1024);
  return [
    {
      name: `pci.ids parse (${ids.real ? 'system file' : 'generated'}, ${kb} KiB)`,
      medianMs: parse,
      peakRssMb: Number.NaN,
      goal: '≤ 150 ms',
      met: parse <= 150,
    },
    {
      name: 'sysfs load c-iommu, built-in class names only (baseline)',
      medianMs: bare,
      peakRssMb: Number.NaN,
      goal: 'baseline',
    },
    {
      name: 'sysfs load c-iommu + pci.ids names',
      medianMs: named,
      peakRssMb: Number.NaN,
      goal: '≤ baseline + pci.ids parse + 20 ms',
      met: named <= bare + parse + 20,
    },
    {
      name: 'bufinfo parse, 10,000 objects (v6.1 format)',
      medianMs: buf,
      peakRssMb: Number.NaN,
      goal: '≤ 100 ms',
      met: buf <= 100,
    },
  ];
}
