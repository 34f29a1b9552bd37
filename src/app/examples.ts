/** `examples`: the bundled machines, usable as `--from example:NAME`. */
import { type ExampleInfo, listExamples } from '../node/examples.js';
import { DEFAULT_EXAMPLE } from './options.js';

export interface ExamplesRecord {
  readonly default: string;
  readonly examples: readonly ExampleInfo[];
}

export function examples(): ExamplesRecord {
  return { default: DEFAULT_EXAMPLE, examples: listExamples() };
}
