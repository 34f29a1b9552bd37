import { citedRowsMarkdown } from '../util/citations.js';
import { CALIBRATION_ROWS, type CalibrationRow } from './calibration.js';

/** The calibration table as Markdown (docs/calibration.md embeds exactly this). */
export function calibrationMarkdown(rows: readonly CalibrationRow[] = CALIBRATION_ROWS): string {
  return citedRowsMarkdown(rows);
}
