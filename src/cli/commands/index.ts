import type { Command } from '@commander-js/extra-typings';
import { register as report } from './report.js';
import { register as topo } from './topo.js';

/**
 * Every subcommand lives in its own file under commands/ and exports `register(program)`.
 * Add one line here per command.
 */
export function registerCommands(program: Command): void {
  for (const register of [report, topo]) register(program);
}
