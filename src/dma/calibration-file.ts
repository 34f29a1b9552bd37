import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { PeerdmaError } from '../errors/index.js';
import { MAX_NESTING, nestingBound } from '../util/nesting.js';
import {
  CALIBRATION_KEYS,
  type Calibration,
  type CalibrationKey,
  DEFAULT_CALIBRATION,
} from './calibration.js';

/**
 * A user calibration override (`--calibration FILE`), JSON or YAML: a map from calibration key to a
 * non-negative number, optionally with `schemaVersion: 1`. Keys left out keep their default.
 * Problems are E_SCHEMA / E_PARSE errors naming the file, line and key.
 *
 *   schemaVersion: 1
 *   iotlbSyncNs: 1236     # x86 figure instead of the Arm one
 *   lazyUnmapFactor: 0.2
 */
const valueSchema = z.number().finite().nonnegative();
const fileSchema = z
  .object({
    schemaVersion: z.literal(1).optional(),
    ...Object.fromEntries(CALIBRATION_KEYS.map((k) => [k, valueSchema.optional()])),
  })
  .strict();

export interface CalibrationOverride {
  readonly calibration: Calibration;
  /** Keys the file changed. */
  readonly overridden: readonly CalibrationKey[];
}

export function parseCalibrationText(text: string, file: string): CalibrationOverride {
  const { depth, line } = nestingBound(text);
  if (depth > MAX_NESTING) {
    throw new PeerdmaError('E_TOO_LARGE', `nested more than ${MAX_NESTING} levels deep`, {
      file,
      line,
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstErr = doc.errors[0];
  if (firstErr !== undefined) {
    const pos = lineCounter.linePos(firstErr.pos[0]);
    throw new PeerdmaError('E_PARSE', firstErr.message.split('\n')[0]!, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  const data: unknown = doc.toJS();
  const r = fileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path =
      issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : issue.path.map((p) => String(p));
    const node = path.length > 0 ? doc.getIn(path, true) : doc.contents;
    const keyNode = issue.code === 'unrecognized_keys' ? findKey(doc, path[0]!) : undefined;
    const offset = (keyNode ?? (node as { range?: [number] } | undefined))?.range?.[0];
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    const msg =
      issue.code === 'unrecognized_keys'
        ? `unknown calibration key '${path[0]}' (known: ${CALIBRATION_KEYS.join(', ')})`
        : issue.message;
    throw new PeerdmaError('E_SCHEMA', msg, {
      file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      ...(path.length > 0 ? { field: path.join('.') } : {}),
    });
  }
  const values = r.data as Partial<Record<CalibrationKey, number>>;
  const overridden = CALIBRATION_KEYS.filter((k) => values[k] !== undefined);
  const calibration = { ...DEFAULT_CALIBRATION };
  for (const k of overridden) calibration[k] = values[k]!;
  return { calibration, overridden };
}

function findKey(
  doc: ReturnType<typeof parseDocument>,
  key: string,
): { range?: [number] } | undefined {
  const contents = doc.contents as {
    items?: { key?: { value?: unknown; range?: [number] } }[];
  } | null;
  return contents?.items?.find((i) => i.key?.value === key)?.key;
}
