import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { getRuleSet } from '../../p2pdma/rulesets.js';
import type { DeviceCategory } from '../../pci/classes.js';
import { buildMatrix, type MatrixShow, matrixJson, renderMatrix } from '../../report/p2p.js';
import { loadFromOptions, printJson, type SourceOptions, withSourceOptions } from '../shared.js';
import { withP2pOptions } from './check.js';

const CLASSES: readonly DeviceCategory[] = [
  'accel',
  'gpu',
  'nic',
  'nvme',
  'storage',
  'host-bridge',
  'other',
];
const SHOWS: readonly MatrixShow[] = ['maptype', 'class', 'distance'];

/** `peerdma matrix`: every endpoint pair, laid out like `nvidia-smi topo -m`. */
export function register(program: Command): void {
  const cmd = withP2pOptions(
    program
      .command('matrix')
      .description(
        'P2P verdicts for every pair of endpoints, laid out like nvidia-smi topo -m, with a legend',
      )
      .option(
        '--all',
        'every function that is not a bridge (host-bridge devices and chipset functions included)',
      )
      .option('--class <list>', `only these device classes (${CLASSES.join(',')})`)
      .option('--show <what>', 'cell content: maptype (default), class, distance'),
  );
  // withSourceOptions adds --from/--format in place; keep `cmd`'s own typing for .action().
  withSourceOptions(cmd);
  cmd.action(async (opts) => {
    const show = (opts.show ?? 'maptype') as MatrixShow;
    if (!SHOWS.includes(show)) {
      throw new PeerdmaError(
        'E_USAGE',
        `unknown --show '${opts.show}' (one of ${SHOWS.join(', ')})`,
      );
    }
    const classes = opts.class
      ?.split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
    const bad = classes?.find((c) => !(CLASSES as readonly string[]).includes(c));
    if (bad !== undefined) {
      throw new PeerdmaError('E_USAGE', `unknown --class '${bad}' (one of ${CLASSES.join(', ')})`);
    }
    if (opts.rules !== undefined) getRuleSet(opts.rules); // a typed error before loading anything
    const { fabric } = await loadFromOptions(
      opts as typeof opts & SourceOptions,
      opts.json === true,
    );
    const view = buildMatrix(fabric, opts.rules, opts.kernelCmdline, {
      ...(opts.all ? { all: true } : {}),
      ...(classes ? { classes: classes as DeviceCategory[] } : {}),
    });
    if (opts.json) printJson(matrixJson(view));
    else process.stdout.write(renderMatrix(view, show));
  });
}
