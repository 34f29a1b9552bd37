/**
 * Benchmark helpers: medians over repeated runs, and peak RSS measured in a child process so one
 * benchmark's heap does not pollute the next one's figure.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  readonly name: string;
  readonly medianMs: number;
  readonly peakRssMb: number;
  readonly goal: string;
  readonly met?: boolean;
  readonly note?: string;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Time `fn` `runs` times (after one warm-up) and return the median in ms. */
export async function timeMedian(fn: () => unknown | Promise<unknown>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/**
 * Median CPU time (user + system, ms) of `runs` runs of `fn` after one warm-up: steadier than wall
 * time on a shared machine.
 */
export function cpuTimeMedian(fn: () => unknown, runs = 5): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t0);
    times.push((d.user + d.system) / 1000);
  }
  return median(times);
}

/**
 * Run `node --import tsx <script> ...args` in a child and return its peak RSS in MB (from
 * /usr/bin/time's max resident set, or the child's own report on stdout as `PEAK_RSS_MB=<n>`).
 */
export function childPeakRssMb(script: string, args: readonly string[]): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  const m = /PEAK_RSS_MB=([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`bench child printed no PEAK_RSS_MB: ${r.stdout.slice(0, 200)}`);
  return Number(m[1]);
}

/**
 * Call at the end of a child benchmark script: prints the process's peak RSS. Reads VmHWM (this
 * process's own high-water mark) rather than getrusage's maxRSS, which Linux carries over from the
 * parent across fork+exec and so reports at least the parent's size.
 */
export function reportPeakRss(): void {
  let mb = process.resourceUsage().maxRSS / 1024;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) mb = Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  process.stdout.write(`PEAK_RSS_MB=${mb.toFixed(1)}\n`);
}

/** The built CLI the whole-process benches run (`npm run build`). */
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** Why a bench that runs the built CLI cannot run here, or null when it can. */
export function cliMissing(): string | null {
  return existsSync(CLI) ? null : 'dist/ missing: npm run build';
}

/** GNU time, which reports a child's CPU time and peak RSS. */
export const TIME = '/usr/bin/time';

/** Why a bench that times children with {@link timedNode} cannot run here, or null when it can. */
export function timedNodeMissing(): string | null {
  return existsSync(TIME) ? null : `no ${TIME}`;
}

/** A row for a bench that could not run: the runner prints the note and counts no goal. */
export function skippedRow(name: string, why: string): BenchRow {
  return { name, medianMs: Number.NaN, peakRssMb: Number.NaN, goal: 'skipped', note: why };
}

/**
 * CPU time (user + system, ms; 10 ms resolution) and peak RSS (MB) of one `node ...args` child,
 * from /usr/bin/time (check {@link timedNodeMissing} first). /usr/bin/time sits in between: a
 * process exec'd straight from a big bench would carry its RSS high-water mark over. Throws when
 * the child fails (an exit status not in `okStatuses`).
 */
export function timedNode(
  args: readonly string[],
  stdout: number | 'ignore' = 'ignore',
  okStatuses: readonly number[] = [0],
): { ms: number; mb: number } {
  const r = spawnSync(TIME, ['-f', 'CHILD %U %S %M', process.execPath, ...args], {
    stdio: ['ignore', stdout, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const m = /CHILD ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status === null || !okStatuses.includes(r.status) || !m)
    throw new Error(`bench child failed: ${r.stderr}`);
  return { ms: (Number(m[1]) + Number(m[2])) * 1000, mb: Number(m[3]) / 1024 };
}

/**
 * One warm-up run of `node ...args` with its output in the file `out` (truncated first); `read`
 * looks at the file before it is removed. Returns the output's size in bytes and what `read` gave.
 */
export function outputOf<T>(
  args: readonly string[],
  out: string,
  read: (path: string) => T,
  okStatuses: readonly number[] = [0],
): { bytes: number; value: T } {
  const fd = openSync(out, 'w');
  try {
    timedNode(args, fd, okStatuses);
  } finally {
    closeSync(fd);
  }
  try {
    return { bytes: statSync(out).size, value: read(out) };
  } finally {
    rmSync(out, { force: true });
  }
}

/**
 * Each command (`node ...args`, stdout to /dev/null) `runs` times, interleaved (one of each per
 * round, so a change of load hits them alike): per command the median CPU time (ms) and the peak
 * RSS (MB) over its runs, from {@link timedNode}. `ok`: exit statuses that count as success.
 */
export function interleavedNodes(
  runs: number,
  commands: readonly { readonly args: readonly string[]; readonly ok?: readonly number[] }[],
): { ms: number; mb: number }[] {
  const times = commands.map((): number[] => []);
  const mbs = commands.map(() => 0);
  const nul = openSync('/dev/null', 'w');
  try {
    for (let k = 0; k < runs; k++) {
      commands.forEach((c, x) => {
        const r = timedNode(c.args, nul, c.ok);
        times[x]!.push(r.ms);
        mbs[x] = Math.max(mbs[x]!, r.mb);
      });
    }
  } finally {
    closeSync(nul);
  }
  return commands.map((_, x) => ({ ms: median(times[x]!), mb: mbs[x]! }));
}
