/** `examples`: the bundled machines, usable as `--from example:NAME`. */
import { type AppContext, type ExampleInfo, need } from './context.js';
import { DEFAULT_EXAMPLE } from './options.js';

export type { ExampleInfo };

export interface ExamplesRecord {
  readonly default: string;
  readonly examples: readonly ExampleInfo[];
}

export async function examples(ctx: AppContext): Promise<ExamplesRecord> {
  return { default: DEFAULT_EXAMPLE, examples: await need(ctx, 'listExamples')() };
}
