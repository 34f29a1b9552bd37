/**
 * Small file reads and writes for the shells (a calibration file, an SVG chart, a snapshot
 * archive): every failure becomes one typed E_IO error naming the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PeerdmaError } from '../errors/index.js';

/** Read a UTF-8 text file; `what` names it in the error (`cannot read calibration file: …`). */
export function readTextFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PeerdmaError('E_IO', `cannot read ${what}: ${(e as Error).message}`, { file });
  }
}

/**
 * Write a whole file. The error says `cannot write WHAT: MESSAGE`, or `cannot write: ERRNO` when
 * `what` is omitted (the errno code alone, e.g. for an archive the user named with -o).
 */
export function writeWholeFile(file: string, data: string | Uint8Array, what?: string): void {
  try {
    writeFileSync(file, data);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg =
      what === undefined
        ? `cannot write: ${err.code ?? 'error'}`
        : `cannot write ${what}: ${err.message}`;
    throw new PeerdmaError('E_IO', msg, { file });
  }
}
