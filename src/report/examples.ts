/** `peerdma examples` rendered: a table of the bundled machines, or one JSON document. */
import Table from 'cli-table3';
import type { ExamplesRecord } from '../app/examples.js';

export const EXAMPLES_SCHEMA_VERSION = 1;

export function renderExamples(rec: ExamplesRecord): string {
  const table = new Table({ head: ['name', 'title'], style: { head: [], border: [] } });
  for (const e of rec.examples) table.push([`example:${e.name}`, e.title]);
  return `${table.toString()}\n`;
}

/** {schemaVersion, default, examples: [{name, title, description}]} */
export function examplesJson(rec: ExamplesRecord): object {
  return { schemaVersion: EXAMPLES_SCHEMA_VERSION, default: rec.default, examples: rec.examples };
}
