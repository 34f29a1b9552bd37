/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints a
 * table of medians. Each bench module default-exports `async () => BenchRow[]`.
 * Figures are only meaningful on the reference machine (2 cores, 24 GiB); quote medians.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const rows: BenchRow[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as {
    default: () => Promise<BenchRow[]>;
  };
  process.stderr.write(`bench: ${f}\n`);
  const got = await mod.default();
  for (const r of got) {
    rows.push(r);
    process.stdout.write(
      `${r.name.padEnd(58)} median ${r.medianMs.toFixed(1).padStart(9)} ms  peak RSS ${Number.isFinite(r.peakRssMb) ? r.peakRssMb.toFixed(0).padStart(5) : '  n/a'} MB  goal ${r.goal}${r.note ? `  (${r.note})` : ''}\n`,
    );
  }
}
// Rows with a goal: not the baselines and floors they are compared with.
const goals = rows.filter((r) => r.met !== undefined);
const failed = goals.filter((r) => r.met === false);
process.stdout.write(`\n${goals.length - failed.length} of ${goals.length} goals met\n`);
