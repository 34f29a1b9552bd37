/**
 * `peerdma bandwidth` (the all-pairs matrices) as a user runs it on a big machine: `node
 * dist/cli/main.js bandwidth [--json] --from SNAP.tar.gz > /dev/null`, SNAP = /tmp/m6656.tar.gz
 * when present, else the same synthetic sysfs snapshot made here (`synthEntries(6656)` of
 * sysfs.bench.ts: 6,656 functions, 4,096 endpoints in 2,048 groups, the default selection picks
 * them all). CPU time (user + system) of the child from /usr/bin/time, medians of interleaved runs
 * paired with `node -e 0`; peak RSS of the child; needs `npm run build`.
 * Goals: both complete (before: the text died at 17 s CPU, "Maximum call stack size exceeded", the
 * JSON wrote nothing in 60 s at 4.4 GB), ≤ 1 GB RSS, the JSON ≤ 64 bytes per ordered pair.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BenchRow,
  CLI,
  cliMissing,
  interleavedNodes,
  outputOf,
  skippedRow,
  timedNodeMissing,
} from './lib.js';
import { bigSnapshot } from './sysfs.bench.js';

const RUNS = 3;

/** The devices of a `bandwidth --json` document: its head (before the matrices) parsed. */
function devicesIn(file: string): number {
  const mark = '\n  "unidirectional": {';
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let head = '';
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      head += buf.toString('latin1', 0, got);
      const at = head.indexOf(mark);
      if (at >= 0)
        return (JSON.parse(`${head.slice(0, at - 1)}}`) as { devices: unknown[] }).devices.length;
      if (got === 0 || head.length > 64 << 20)
        throw new Error(`${file}: no matrices after the head`);
    }
  } finally {
    closeSync(fd);
  }
}

export default async function run(): Promise<BenchRow[]> {
  const names = ['bandwidth --json, whole process', 'bandwidth (text), whole process'];
  const why = timedNodeMissing() ?? cliMissing();
  if (why !== null) return names.map((n) => skippedRow(n, why));
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-bench-'));
  try {
    const { path: snap, label: from } = bigSnapshot(dir);
    const variants = [
      { name: names[0]!, args: [CLI, 'bandwidth', '--json', '--from', snap] },
      { name: names[1]!, args: [CLI, 'bandwidth', '--from', snap] },
    ];
    // Warm-up into a file each: the size of the output (and the devices, from the JSON's head).
    const out = join(dir, 'out');
    const json = outputOf(variants[0]!.args, out, devicesIn);
    const devices = json.value;
    const bytes = [json.bytes, outputOf(variants[1]!.args, out, () => 0).bytes];
    // `node -e 0` first, then each variant, per round
    const [base, ...runs] = interleavedNodes(RUNS, [{ args: ['-e', '0'] }, ...variants]);
    const pairs = devices * devices;
    const baseMs = base!.ms.toFixed(0);
    return variants.map((v, x) => {
      const json = x === 0;
      const perPair = bytes[x]! / pairs;
      return {
        name: `${v.name} (${devices.toLocaleString('en-US')} endpoints, ${from})`,
        medianMs: runs[x]!.ms,
        peakRssMb: runs[x]!.mb,
        goal: json ? 'completes, ≤ 1024 MB, ≤ 64 B/pair' : 'completes, ≤ 1024 MB',
        met: runs[x]!.mb <= 1024 && (!json || perPair <= 64),
        note: `${(bytes[x]! / 1e6).toFixed(0)} MB out, ${perPair.toFixed(1)} B/pair; node -e 0: ${baseMs} ms CPU; ${RUNS} runs, load avg ${loadavg()[0]!.toFixed(1)}`,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
