import type { Command, OptionValues } from '@commander-js/extra-typings';
import { PeerdmaError } from '../errors/index.js';
import type { InputFormat, LoadResult } from '../ingest/types.js';
import { loadSource } from '../node/load.js';

const FORMATS: readonly InputFormat[] = ['sysfs', 'lspci', 'hwloc', 'spec'];

export interface SourceOptions {
  from?: string;
  format?: string;
  pciIds?: string;
}

/** Adds `--from SRC` and `--format FMT` to a command (in place; returns it with typed options). */
export function withSourceOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(cmd: Command<Args, Opts, Global>) {
  return cmd
    .option(
      '--from <src>',
      "machine: example:NAME, 'live', a sysfs dir or .tar.gz snapshot, lspci text, hwloc XML or spec file",
    )
    .option('--format <fmt>', `force the input format (${FORMATS.join('|')})`)
    .option(
      '--pci-ids <file>',
      'vendor/device names from this pci.ids (default for sysfs sources: /usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids)',
    );
}

/** Load the machine named by --from/--format, printing load warnings on stderr. */
export async function loadFromOptions(opts: SourceOptions, quiet = false): Promise<LoadResult> {
  let format: InputFormat | undefined;
  if (opts.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(opts.format)) {
      throw new PeerdmaError(
        'E_USAGE',
        `unknown --format '${opts.format}' (one of ${FORMATS.join(', ')})`,
      );
    }
    format = opts.format as InputFormat;
  }
  const res = await loadSource(opts.from, {
    ...(format === undefined ? {} : { format }),
    ...(opts.pciIds === undefined ? {} : { pciIds: opts.pciIds }),
  });
  if (!quiet) printWarnings(res);
  return res;
}

export function printWarnings(res: LoadResult, limit = 20): void {
  const ws = res.warnings;
  for (const w of ws.slice(0, limit)) {
    const line = w.location?.line !== undefined ? `:${w.location.line}` : '';
    const loc = w.location?.file ? `${w.location.file}${line}: ` : '';
    const field = w.location?.field ? `${w.location.field}: ` : '';
    process.stderr.write(`peerdma: warning: ${loc}${field}${w.message}\n`);
  }
  if (ws.length > limit)
    process.stderr.write(`peerdma: warning: … and ${ws.length - limit} more warnings\n`);
}

/** Write a JSON document with a trailing newline (bigints as hex strings). */
export function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, jsonReplacer, 2)}\n`);
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}
