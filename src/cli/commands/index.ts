import type { Command } from '@commander-js/extra-typings';
import type { CliIo } from '../io.js';
import { register as bandwidth } from './bandwidth.js';
import { register as buffers } from './buffers.js';
import { register as check } from './check.js';
import { register as demo } from './demo.js';
import { register as examples } from './examples.js';
import { register as mapCost } from './map-cost.js';
import { register as matrix } from './matrix.js';
import { register as report } from './report.js';
import { register as snapshot } from './snapshot.js';
import { register as topo } from './topo.js';

/**
 * Every subcommand lives in its own file under commands/ and exports `register(program, io)`: it
 * declares the options, calls its use case in src/app and prints with src/report. Add one line here
 * per command (see ARCHITECTURE.md).
 */
export function registerCommands(program: Command, io: CliIo): void {
  for (const register of [
    report,
    topo,
    check,
    matrix,
    bandwidth,
    demo,
    mapCost,
    snapshot,
    examples,
    buffers,
  ]) {
    register(program, io);
  }
}
