import type { Command, OptionValues } from '@commander-js/extra-typings';
import { RULE_SET_HELP } from '../../app/options.js';
import { type CliIo, cliContext, printJson, printText } from '../io.js';
import { type SourceOptions, withSourceOptions } from '../shared.js';

/** The options `check` and `matrix` share: `--rules`, `--kernel-cmdline`, `--json`. */
export function withP2pOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  Global extends OptionValues,
>(cmd: Command<Args, Opts, Global>) {
  return cmd
    .option('--rules <name>', RULE_SET_HELP)
    .option(
      '--kernel-cmdline <line>',
      'what-if kernel command line (pci=disable_acs_redir=…, pci=config_acs=…), parsed as the kernel parses it',
    )
    .option('--json', 'print one JSON document (schemaVersion 1)');
}

/** `peerdma check A B`: the kernel's P2P verdict for provider A and client B, with route and fix. */
export function register(program: Command, io: CliIo): void {
  const cmd = withP2pOptions(
    program
      .command('check')
      .description(
        'P2P verdict for provider A and client B exactly as the kernel decides it: map type, distance, route, reasons, fix',
      )
      .argument(
        '<provider>',
        'provider (memory owner): BDF, unique BDF suffix (3b:00.0) or spec name',
      )
      .argument('<client>', 'client (DMA initiator): BDF, unique BDF suffix or spec name'),
  );
  // withSourceOptions adds --from/--format in place; keep `cmd`'s own typing for .action().
  withSourceOptions(cmd);
  cmd.action(async (provider, client, opts) => {
    const o = opts as typeof opts & SourceOptions;
    const [{ check }, { renderVerdict, verdictJson }] = await Promise.all([
      import('../../app/check.js'),
      import('../../report/p2p.js'),
    ]);
    const rec = await check({ ...o, provider, client }, cliContext(io, o.json === true));
    if (o.json) printJson(io, verdictJson(rec));
    else printText(io, renderVerdict(rec));
  });
}
