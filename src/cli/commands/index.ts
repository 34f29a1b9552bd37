import type { Command } from '@commander-js/extra-typings';

/**
 * Every subcommand lives in its own file under commands/ and exports `register(program)`.
 * Add one line here per command.
 */
export function registerCommands(program: Command): void {
  void program;
}
