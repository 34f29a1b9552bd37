import { CALIBRATION_ROWS, type CalibrationRow } from './calibration.js';

const CONF = { V: 'verified', D: 'derived', A: 'assumption' } as const;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The calibration table as Markdown (docs/calibration.md embeds exactly this). */
export function calibrationMarkdown(rows: readonly CalibrationRow[] = CALIBRATION_ROWS): string {
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
