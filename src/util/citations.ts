/**
 * Calibration rows that cite /work/shared/spec/published-numbers.md, and the check that every
 * citation names a section and a row (or model bullet) that exist. Shared by the DMA cost ledger's
 * table (src/dma/calibration.ts) and the bandwidth model's (src/perf/calibration.ts).
 */
export interface CitedRow {
  readonly key: string;
  readonly value: number;
  readonly unit: string;
  readonly what: string;
  /** `§1.1 "dma_map_single 4 KiB, map / unmap, 1 thread"` — section and row name. */
  readonly source: string;
  readonly confidence: 'V' | 'D' | 'A';
  /** The formula (D) or the assumption (A) in words. */
  readonly derivation: string;
}

/** published-numbers.md cut into its `### x.y` sections plus the Gaps section, markup removed. */
export function publishedSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const plain = text.replace(/[*`]/g, '');
  const parts = plain.split(/^(?=### \d+\.\d+ |## Gaps)/m);
  for (const p of parts) {
    const m = /^### (\d+\.\d+) /.exec(p);
    if (m) out.set(m[1]!, p);
    else if (p.startsWith('## Gaps')) out.set('Gaps', p);
  }
  return out;
}

/**
 * Problems with the rows' citations, one line each (empty: all good). A row must cite sections that
 * exist, name table rows (`| name |`) or bullets (`- name…`) in them; a verified value must be read
 * off one of the cited rows' "Number" cell; an assumption must say so.
 */
export function citationProblems(rows: readonly CitedRow[], published: string): string[] {
  const sections = publishedSections(published);
  const bad: string[] = [];
  for (const r of rows) {
    const cited = [...r.source.matchAll(/§(\d+\.\d+)/g)].map((m) => m[1]!);
    if (r.source.startsWith('Gaps')) cited.push('Gaps');
    if (cited.length === 0) bad.push(`${r.key}: cites no section`);
    const texts: string[] = [];
    for (const s of cited) {
      const body = sections.get(s);
      if (body === undefined) bad.push(`${r.key}: section ${s} does not exist`);
      else texts.push(body);
    }
    // a row name in "…", or in «…» when the name itself contains double quotes
    const names = [...r.source.matchAll(/"([^"]+)"|«([^»]+)»/g)].map((m) => (m[1] ?? m[2])!);
    const tableRows: string[] = [];
    for (const n of names) {
      const lines = texts.flatMap((b) => b.split('\n')).filter((l) => l.includes(n));
      const exact = lines.some((l) => l.startsWith(`| ${n} |`) || l.startsWith('- '));
      if (lines.length === 0) bad.push(`${r.key}: "${n}" is not in §${cited.join(', §')}`);
      else if (!exact) bad.push(`${r.key}: "${n}" is not a row name in §${cited.join(', §')}`);
      tableRows.push(...lines.filter((l) => l.startsWith(`| ${n} |`)));
    }
    if (r.confidence === 'V' && !tableRows.some((l) => l.split('|')[2]?.includes(String(r.value))))
      bad.push(`${r.key}: verified value ${r.value} is in none of the cited rows`);
    if (r.confidence === 'A' && !/no published|assum/i.test(r.derivation))
      bad.push(`${r.key}: an assumption must say it assumes`);
  }
  return bad;
}

const CONF = { V: 'verified', D: 'derived', A: 'assumption' } as const;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The rows as a Markdown table (docs embed exactly this). */
export function citedRowsMarkdown(rows: readonly CitedRow[]): string {
  const out = [
    '| key | value | unit | what | source (published-numbers.md) | conf. | derivation / assumption |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| \`${r.key}\` | ${r.value} | ${cell(r.unit)} | ${cell(r.what)} | ${cell(r.source)} | ${CONF[r.confidence]} | ${cell(r.derivation)} |`,
    );
  }
  return `${out.join('\n')}\n`;
}
