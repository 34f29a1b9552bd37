/**
 * `peerdma matrix --all --json` on ~4,096 endpoints (the generated bench machine): matrix, group
 * pairs (walks shared by verdict key) and the streamed compact document (schemaVersion 2), CPU
 * time (user + system) as medians, paired in one run with a quarter of the machine with and
 * without shared walks (baseline); peak RSS in a child.
 * Goal (issue 11): ≤ 2 s, ≤ 1 GB, ≤ 64 bytes per pair.
 *
 * Second row, the whole command as a user runs it: `node dist/cli/main.js matrix --all --json
 * --from SNAP.tar.gz > /dev/null` on a synthetic sysfs snapshot with 4,096 endpoints in 2,048
 * groups (`synthEntries(6656)` of sysfs.bench.ts), CPU time (user + system) of the child from
 * /usr/bin/time, medians of interleaved runs paired with `node -e 0`; needs `npm run build`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMatrix, compactMatrix } from '../src/app/matrix.js';
import { packTarGz } from '../src/node/snapshot.js';
import { benchFabric } from '../src/p2pdma/testing/gen.js';
import { matrixJsonChunks } from '../src/report/p2p-matrix.js';
import {
  type BenchRow,
  CLI,
  childPeakRssMb,
  cliMissing,
  cpuTimeMedian,
  interleavedNodes,
  outputOf,
  reportPeakRss,
  skippedRow,
  timedNodeMissing,
} from './lib.js';
import { synthEntries } from './sysfs.bench.js';

interface Run {
  n: number;
  bytes: number;
  walked: number;
  computed: number;
  groups: number;
}

/**
 * The whole command after loading: verdicts, compact record, every byte of the document.
 * `shareWalks: false` is the baseline: one per-pair walk for every group pair with findings.
 */
function pipeline(domains: number, shareWalks = true): Run {
  const view = buildMatrix(benchFabric(domains, 8), 'linux-6.19', undefined, { all: true });
  const c = compactMatrix(view, { shareWalks });
  let bytes = 0;
  for (const chunk of matrixJsonChunks(view, c)) bytes += chunk.length;
  return { n: c.n, bytes, walked: c.walked, computed: c.computed, groups: c.groups };
}

/** The whole `matrix --all --json` process on a 4,096-endpoint sysfs snapshot (see the header). */
function wholeCommand(runs = 5): BenchRow {
  const why = timedNodeMissing() ?? cliMissing();
  if (why !== null) return skippedRow('matrix --all --json, whole process', why);
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-bench-'));
  try {
    const snap = join(dir, 'synth.tar.gz');
    writeFileSync(snap, packTarGz(synthEntries(6656)));
    const args = [CLI, 'matrix', '--all', '--json', '--from', snap];
    // Warm-up into a file: its size per pair and its sha256 (to compare versions byte for byte).
    const { value: doc } = outputOf(args, join(dir, 'out.json'), (p) => readFileSync(p));
    const stats = /"stats":\{"pairs":(\d+)/.exec(doc.subarray(doc.length - 200).toString('latin1'));
    if (!stats) throw new Error('matrix-json bench: no stats at the end of the document');
    const pairs = Number(stats[1]);
    const sha = createHash('sha256').update(doc).digest('hex').slice(0, 16);
    const perPair = doc.length / pairs;
    const [base, cmd] = interleavedNodes(runs, [{ args: ['-e', '0'] }, { args }]);
    const ms = cmd!.ms;
    const mb = cmd!.mb;
    return {
      name: `matrix --all --json, whole process (${Math.round(Math.sqrt(pairs))} endpoints, sysfs .tar.gz)`,
      medianMs: ms,
      peakRssMb: mb,
      goal: '≤ 2000 ms CPU, ≤ 1024 MB, ≤ 64 B/pair',
      met: ms <= 2000 && mb <= 1024 && perPair <= 64,
      note: `${(doc.length / 1e6).toFixed(1)} MB, ${perPair.toFixed(1)} B/pair, sha256 ${sha}…; node -e 0: ${base!.ms.toFixed(0)} ms CPU; ${runs} runs, load avg ${loadavg()[0]!.toFixed(1)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<BenchRow[]> {
  // Peak RSS first, while this process is small (a child inherits the parent's high-water mark).
  const rss = childPeakRssMb(fileURLToPath(import.meta.url), ['--child']);
  let big: Run = { n: 0, bytes: 0, walked: 0, computed: 0, groups: 0 };
  let small = big;
  // Baseline in the same run, on a quarter of the machine (the whole one takes ~10 s a run).
  const quarterAloneMs = cpuTimeMedian(() => pipeline(4, false), 3);
  const quarterMs = cpuTimeMedian(() => {
    small = pipeline(4);
  }, 3);
  const fullMs = cpuTimeMedian(() => {
    big = pipeline(16);
  }, 3);
  const perPair = big.bytes / big.n ** 2;
  return [
    {
      name: `matrix --all --json (${big.n} endpoints, ${(big.n ** 2 / 1e6).toFixed(1)} M pairs)`,
      medianMs: fullMs,
      peakRssMb: rss,
      goal: '≤ 2000 ms CPU, ≤ 1024 MB, ≤ 64 B/pair',
      met: fullMs <= 2000 && rss <= 1024 && perPair <= 64,
      note: `${perPair.toFixed(1)} B/pair, ${big.groups} groups, ${big.walked} group pairs answered by ${big.computed} walks; ${small.n} endpoints: ${quarterMs.toFixed(0)} ms CPU vs ${quarterAloneMs.toFixed(0)} ms with a walk per group pair (baseline)`,
    },
    wholeCommand(),
  ];
}

if (process.argv[2] === '--child' && process.argv[3] === undefined) {
  pipeline(16);
  reportPeakRss();
}
