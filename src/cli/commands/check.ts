import type { Command, OptionValues } from '@commander-js/extra-typings';
import { firstFlip } from '../../p2pdma/flips.js';
import { chooseRules } from '../../p2pdma/kernel-release.js';
import { P2pdma } from '../../p2pdma/p2pdma.js';
import { getRuleSet, RULE_SET_HELP } from '../../p2pdma/rulesets.js';
import { renderVerdict, verdictJson } from '../../report/p2p.js';
import { loadFromOptions, printJson, type SourceOptions, withSourceOptions } from '../shared.js';

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
export function register(program: Command): void {
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
  cmd.action(async (providerArg, clientArg, opts) => {
    if (opts.rules !== undefined) getRuleSet(opts.rules); // a typed error before loading anything
    const { fabric } = await loadFromOptions(
      opts as typeof opts & SourceOptions,
      opts.json === true,
    );
    // --rules, else the machine's own kernel, else the newest release (said to be a default).
    const choice = chooseRules(fabric.machine, opts.rules);
    const model = new P2pdma(fabric, choice.rules, opts.kernelCmdline);
    const provider = fabric.resolve(providerArg);
    const client = fabric.resolve(clientArg);
    const v = model.verdict(provider, client);
    // A distribution kernel is answered as its mainline base: name the later change that flips it.
    const flip =
      choice.distro !== null
        ? firstFlip(fabric, choice.rules, provider, client, opts.kernelCmdline)
        : null;
    if (opts.json) printJson(verdictJson(v, { choice, flip }));
    else process.stdout.write(renderVerdict(fabric, v, { choice, flip }));
  });
}
