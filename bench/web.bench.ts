/**
 * The web UI's what-if loop in Chromium: a 1,024-endpoint machine served by `peerdma serve`, ACS
 * redirect toggled on a root port through the page's URL state, and the page's own `rejudge`
 * measure read back (applyEdits + the all-pairs matrix, exactly what the page runs after an edit).
 * The edit flips ACS redirect on a switch downstream port. Also the edit → page-updated time, the
 * canvas heatmap's draw (its own `heatmap-draw` measure, after the re-judge, not inside it) and
 * edit → heatmap repainted, and the same re-judge in Node in the same run as the baseline.
 * Goal: re-judge ≤ 50 ms. Skipped when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { fabricToSpec, loadSpec } from '../src/ingest/spec/index.js';
import { matrixDevices } from '../src/p2pdma/matrix.js';
import { startServer } from '../src/server/serve.js';
import { CHROMIUM, ensureWebBuilt, launchChromium } from '../src/server/testing/browser.js';
import { wideSpec } from '../src/server/testing/machines.js';
import { judge } from '../src/web/judge.js';
import { DEFAULT_STATE, encodeState } from '../src/web/state.js';
import { type BenchRow, median, timeMedian } from './lib.js';

const TOGGLES = 21;

export default async function run(): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench: web: skipped, ${CHROMIUM} not found\n`);
    return [];
  }
  const spec = wideSpec();
  const fabric = loadSpec({ name: 'web-bench', text: spec }).fabric;
  const n = matrixDevices(fabric).length;
  // A switch downstream port above one 8-function device: redirect on/off flips 112 pairs.
  const PORT = fabric.functions.filter((f) => f.kind === 'switch-downstream')[0]!.bdf;
  const server = await startServer({
    machine: { label: 'web-bench', spec: fabricToSpec(fabric), warnings: [] },
    assetsDir: await ensureWebBuilt(),
    port: 0,
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const hash = (on: boolean) =>
      `#${encodeState({ ...DEFAULT_STATE, view: 'matrix', edits: { ...DEFAULT_STATE.edits, acs: { [PORT]: on } } })}`;
    await page.goto(`${server.url}${hash(false)}`);
    await page.getByTestId('matrix-summary').waitFor({ timeout: 120_000 });
    const rejudge: number[] = [];
    const endToEnd: number[] = [];
    const draw: number[] = [];
    const painted: number[] = [];
    for (let i = 0; i < TOGGLES; i++) {
      const r = (await page.evaluate(`(async () => {
        const el = document.querySelector('[data-testid=matrix-summary]');
        const before = el.textContent;
        const count = performance.getEntriesByName('rejudge').length;
        const draws = performance.getEntriesByName('heatmap-draw').length;
        const t0 = performance.now();
        await new Promise((resolve, reject) => {
          setTimeout(() => reject(new Error('the page did not update within 30 s')), 30000);
          new MutationObserver((_, obs) => {
            if (el.textContent !== before) { obs.disconnect(); resolve(); }
          }).observe(el, { childList: true, subtree: true, characterData: true });
          location.hash = ${JSON.stringify(hash(i % 2 === 0))};
        });
        const t1 = performance.now();
        // The canvas heatmap repaints in an effect after the render.
        while (performance.getEntriesByName('heatmap-draw').length === draws) {
          if (performance.now() - t0 > 30000) throw new Error('the heatmap was not redrawn within 30 s');
          await new Promise((r) => setTimeout(r, 1));
        }
        const t2 = performance.now();
        const m = performance.getEntriesByName('rejudge');
        if (m.length !== count + 1) throw new Error('no rejudge measure');
        const d = performance.getEntriesByName('heatmap-draw');
        return [m[m.length - 1].duration, t1 - t0, d[d.length - 1].duration, t2 - t0];
      })()`)) as [number, number, number, number];
      if (i > 0) {
        rejudge.push(r[0]);
        endToEnd.push(r[1]);
        draw.push(r[2]);
        painted.push(r[3]);
      }
    }
    const inPage = median(rejudge);
    const node = await timeMedian(
      () =>
        judge(fabric, {
          rules: null,
          cmdline: '',
          edits: { acs: { [PORT]: true }, moves: [], iommu: null },
        }),
      11,
    );
    return [
      {
        name: `web what-if re-judge in Chromium (${n} endpoints, ACS toggle)`,
        medianMs: inPage,
        peakRssMb: Number.NaN,
        goal: '≤ 50 ms',
        met: inPage <= 50,
        note: `${rejudge.length} toggles`,
      },
      {
        name: 'web what-if, edit → page updated (same run)',
        medianMs: median(endToEnd),
        peakRssMb: Number.NaN,
        goal: 'measured, no goal',
      },
      {
        name: `web heatmap canvas draw in Chromium (${n} endpoints, after the re-judge)`,
        medianMs: median(draw),
        peakRssMb: Number.NaN,
        goal: 'measured, outside the re-judge budget',
      },
      {
        name: 'web what-if, edit → heatmap repainted (same run)',
        medianMs: median(painted),
        peakRssMb: Number.NaN,
        goal: 'measured, no goal',
      },
      {
        name: 'web what-if re-judge in Node (same run, baseline)',
        medianMs: node,
        peakRssMb: Number.NaN,
        goal: 'baseline',
      },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}
