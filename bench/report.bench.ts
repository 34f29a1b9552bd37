/**
 * `peerdma report`: the P2P section judges the pairs once. First row, in process: the report's
 * P2P record (matrix, compact matrix, and the summary read off it: `summaryOfCompact`) on the
 * generated bench machine with 4,096 endpoints, CPU time (user + system) as medians, paired in
 * one run with the second pass the report ran before (`p2pSummary` walking the pairs again after
 * the compact matrix: the baseline).
 *
 * Second row, the whole command as a user runs it: `node dist/cli/main.js report --json --from
 * SNAP.tar.gz > /dev/null` on /tmp/m6656.tar.gz when present, else the same synthetic sysfs
 * snapshot `matrix-json.bench.ts` builds (`synthEntries(6656)`: 4,096 endpoints), CPU time and
 * peak RSS of the child from /usr/bin/time, medians of interleaved runs paired with `matrix --json`
 * on the same input (the P2P section alone) and `node -e 0`; bytes of the document per pair of the
 * P2P section. That machine has no accelerator, so the command exits 2 with map-cost's error after
 * writing the whole document (expected). Needs `npm run build`.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMatrix, compactMatrix, summaryOfCompact } from '../src/app/matrix.js';
import { p2pSummary } from '../src/app/testing/matrix.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import {
  type BenchRow,
  CLI,
  cliMissing,
  cpuTimeMedian,
  interleavedNodes,
  outputOf,
  skippedRow,
  timedNodeMissing,
} from './lib.js';
import { bigSnapshot } from './sysfs.bench.js';

/**
 * The report's P2P record; `twice`: the summary from a second walk over the pairs (before). Its
 * endpoint count (the summary's counts are read, so the work is not thrown away unseen).
 */
function p2pRecord(domains: number, twice: boolean): number {
  const view = buildMatrix(benchFabric(domains, 8), undefined, undefined, {});
  const compact = compactMatrix(view);
  const sum = twice ? p2pSummary(view) : summaryOfCompact(view, compact);
  return sum.counts.length > 0 ? compact.n : 0;
}

/**
 * `stats.pairs` of the P2P section of the `report --json` document in the file at `path`, read off
 * its bytes a window at a time (0 when the section has none: it failed). The section is written
 * compact, so `"stats":{"pairs":` first occurs there (the topology before it is indented, and a
 * quote inside a string is escaped).
 */
export function p2pPairs(path: string, windowBytes = 16 << 20): number {
  const key = Buffer.from('"stats":{"pairs":');
  const overlap = key.length + 40; // the key and its digits
  const window = Buffer.alloc(windowBytes);
  const fd = openSync(path, 'r');
  try {
    // Windows overlap: a key with its digits across two is whole in the second.
    for (let pos = 0; ; pos += window.length - overlap) {
      const got = readSync(fd, window, 0, window.length, pos);
      const last = got < window.length;
      const at = window.subarray(0, got).indexOf(key);
      if (at >= 0 && (last || at + overlap <= got)) {
        const digits = window.toString('latin1', at + key.length, Math.min(got, at + overlap));
        return Number.parseInt(digits, 10) || 0;
      }
      if (last) return 0;
    }
  } finally {
    closeSync(fd);
  }
}

function wholeCommand(runs = 3): BenchRow {
  const name = 'report --json, whole process (4,096 endpoints, sysfs .tar.gz)';
  const why = timedNodeMissing() ?? cliMissing();
  if (why !== null) return skippedRow(name, why);
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-bench-'));
  try {
    const { path: snap, label } = bigSnapshot(dir);
    const args = [CLI, 'report', '--json', '--from', snap];
    const p2pArgs = [CLI, 'matrix', '--json', '--from', snap];
    // Warm-up into a file: its size per pair of the P2P section. The document (1.1 GB on
    // /tmp/m6656.tar.gz) is larger than a string may be: never parsed, the pair count read off
    // the bytes of the P2P section's stats.
    let out: { bytes: number; value: number };
    try {
      out = outputOf(args, join(dir, 'out.json'), p2pPairs, [0, 2]);
    } catch (e) {
      return skippedRow(name, `the command failed: ${String(e).slice(0, 300)}`);
    }
    const { bytes, value: pairs } = out;
    const [base, p2p, cmd] = interleavedNodes(runs, [
      { args: ['-e', '0'] },
      { args: p2pArgs },
      { args, ok: [0, 2] },
    ]);
    const ms = cmd!.ms;
    const mb = cmd!.mb;
    return {
      name,
      medianMs: ms,
      peakRssMb: mb,
      goal: 'completes; ≤ 1024 MB',
      met: mb <= 1024,
      note: `${label}; ${(bytes / 1e6).toFixed(1)} MB, ${pairs > 0 ? (bytes / pairs).toFixed(1) : '?'} B of the whole document per P2P pair; matrix --json alone: ${p2p!.ms.toFixed(0)} ms CPU, ${p2p!.mb.toFixed(0)} MB; node -e 0: ${base!.ms.toFixed(0)} ms; ${runs} runs, load avg ${loadavg()[0]!.toFixed(1)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<BenchRow[]> {
  // 4,096 endpoints (~3 s a run for the baseline).
  let n = 0;
  const beforeMs = cpuTimeMedian(() => p2pRecord(16, true), 3);
  const onceMs = cpuTimeMedian(() => {
    n = p2pRecord(16, false);
  }, 3);
  return [
    {
      name: `report P2P record, pairs judged once (${n} endpoints)`,
      medianMs: onceMs,
      peakRssMb: Number.NaN,
      goal: 'faster than judging twice',
      met: onceMs < beforeMs,
      note: `summary read off the compact matrix; ${beforeMs.toFixed(0)} ms CPU with p2pSummary's second walk over the pairs (baseline, same run)`,
    },
    wholeCommand(),
  ];
}
