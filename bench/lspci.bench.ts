/**
 * loadLspci on a 10,200-function `lspci -vvvnn -D` text built deterministically from the real
 * blocks of the i-switch-multifunction-sriov fixture (root port, switch ports, NVMe, NIC, ivshmem),
 * repeated over 12 domains × 25 root ports × (switch + 8 downstream ports × 3-function device).
 * Goal: median ≤ 1 s and peak RSS ≤ 300 MB (RSS measured in a child: `--child`).
 */
import { fileURLToPath } from 'node:url';
import { loadLspci } from '../src/ingest/lspci/index.js';
import { oracleInput } from '../src/ingest/lspci/testing/fixtures.js';
import { printLspciTree } from '../src/ingest/lspci/testing/print.js';
import { type BenchRow, childPeakRssMb, reportPeakRss, timeMedian } from './lib.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

function templates(): Map<string, string[]> {
  const text = oracleInput('i-switch-multifunction-sriov', 'lspci-vvvnn.txt').text;
  const blocks = new Map<string, string[]>();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    if (lines[0]) blocks.set(lines[0].slice(0, 12), lines);
  }
  return blocks;
}

/** The benchmark input and how many functions it lists. */
export function generateLspci(
  domains = 12,
  rootPorts = 25,
  downstream = 8,
): { text: string; count: number } {
  const t = templates();
  const get = (bdf: string) => t.get(bdf) ?? [];
  const out: string[] = [];
  let count = 0;
  let group = 0;
  const emit = (tpl: string[], bdf: string, bus?: [number, number, number]) => {
    count++;
    out.push(bdf + tpl[0]!.slice(12));
    for (const l of tpl.slice(1)) {
      if (l.startsWith('\tIOMMU group:')) out.push(`\tIOMMU group: ${group++}`);
      else if (bus && l.startsWith('\tBus:')) {
        out.push(
          `\tBus: primary=${hex(bus[0], 2)}, secondary=${hex(bus[1], 2)}, subordinate=${hex(bus[2], 2)}, sec-latency=0`,
        );
      } else out.push(l);
    }
    out.push('');
  };
  for (let d = 0; d < domains; d++) {
    const dom = hex(d, 4);
    emit(get('0000:00:00.0'), `${dom}:00:00.0`);
    let bus = 1;
    for (let r = 0; r < rootPorts; r++) {
      const up = bus;
      const dn = bus + 1;
      const last = bus + 1 + downstream;
      emit(get('0000:00:04.0'), `${dom}:00:${hex(r + 1, 2)}.0`, [0, up, last]);
      emit(get('0000:01:00.0'), `${dom}:${hex(up, 2)}:00.0`, [up, dn, last]);
      for (let k = 0; k < downstream; k++) {
        const eb = dn + 1 + k;
        emit(get('0000:02:00.0'), `${dom}:${hex(dn, 2)}:${hex(k, 2)}.0`, [dn, eb, eb]);
        for (let fn = 0; fn < 3; fn++)
          emit(get(`0000:03:00.${fn}`), `${dom}:${hex(eb, 2)}:00.${fn}`);
      }
      bus = last + 1;
    }
  }
  return { text: out.join('\n'), count };
}

const self = fileURLToPath(import.meta.url);

export default async function bench(): Promise<BenchRow[]> {
  const { text, count } = generateLspci();
  const mb = (text.length / 2 ** 20).toFixed(1);
  const verbose = [{ name: 'bench.vvvnn', text }];
  const ms = await timeMedian(() => loadLspci(verbose), 5);
  const rss = childPeakRssMb(self, ['--child', 'verbose']);
  const tree = printLspciTree(loadLspci(verbose).fabric);
  const both = [{ name: 'bench.tvnn', text: tree }, ...verbose];
  const ms2 = await timeMedian(() => loadLspci(both), 5);
  const rss2 = childPeakRssMb(self, ['--child', 'both']);
  const goal = '≤ 1000 ms, ≤ 300 MB';
  return [
    {
      name: `lspci: load -vvvnn, ${count} functions`,
      medianMs: ms,
      peakRssMb: rss,
      goal,
      met: ms <= 1000 && rss <= 300,
      note: `${mb} MB of text`,
    },
    {
      name: `lspci: load -tvnn + -vvvnn, ${count} functions`,
      medianMs: ms2,
      peakRssMb: rss2,
      goal,
      met: ms2 <= 1000 && rss2 <= 300,
    },
  ];
}

if (process.argv[1] === self && process.argv[2] === '--child') {
  const { text, count } = generateLspci();
  const inputs = [{ name: 'bench.vvvnn', text }];
  const fabric = loadLspci(inputs).fabric;
  if (process.argv[3] === 'both')
    loadLspci([{ name: 't', text: printLspciTree(fabric) }, ...inputs]);
  if (fabric.size !== count) throw new Error(`loaded ${fabric.size} of ${count} functions`);
  reportPeakRss();
}
