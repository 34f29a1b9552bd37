import type { Command, OptionValues } from '@commander-js/extra-typings';
import { INPUT_FORMATS } from '../app/options.js';

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
    .option('--format <fmt>', `force the input format (${INPUT_FORMATS.join('|')})`)
    .option(
      '--pci-ids <file>',
      'vendor/device names from this pci.ids (sysfs sources default to /usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids)',
    );
}
