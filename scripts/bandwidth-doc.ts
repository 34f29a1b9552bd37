/**
 * Regenerates the generated parts of docs/bandwidth.md (the calibration table and the conformance
 * error table) between their markers: `node --import tsx scripts/bandwidth-doc.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadSpec } from '../src/ingest/spec/index.js';
import { PERF_ROWS } from '../src/perf/calibration.js';
import { CONFORMANCE_CASES, conformanceMarkdown, runCase } from '../src/perf/conformance.js';
import { RC_PROFILES } from '../src/perf/rc.js';
import { citedRowsMarkdown } from '../src/util/citations.js';

const doc = new URL('../docs/bandwidth.md', import.meta.url);
const cases = CONFORMANCE_CASES.map((c) =>
  runCase(
    loadSpec({
      name: c.spec,
      text: readFileSync(new URL(`../src/perf/cases/${c.spec}`, import.meta.url), 'utf8'),
    }).fabric,
    c,
  ),
);
const put = (text: string, name: string, body: string) => {
  const re = new RegExp(`(<!-- ${name} -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) throw new Error(`docs/bandwidth.md has no ${name} markers`);
  return text.replace(re, `$1${body}$2`);
};
let text = readFileSync(doc, 'utf8');
text = put(text, 'calibration', citedRowsMarkdown(PERF_ROWS));
text = put(text, 'rc-profiles', citedRowsMarkdown(RC_PROFILES.flatMap((p) => p.rows)));
text = put(text, 'conformance', conformanceMarkdown(cases));
writeFileSync(doc, text);
