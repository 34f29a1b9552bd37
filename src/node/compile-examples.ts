/**
 * Build step: compile every bundled example (examples/NAME.yaml) to `dist/examples/NAME.json`, the
 * form `check`, `matrix`, … load without the YAML parser and the schema library.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpec } from '../ingest/spec/index.js';
import { compiledExamplesDir, listExampleNames, readExample } from './examples.js';

export function writeCompiledExamples(dir: string = compiledExamplesDir()): string[] {
  mkdirSync(dir, { recursive: true });
  return listExampleNames().map((name) => {
    const ex = readExample(name);
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(compileSpec({ name: `example:${name}`, text: ex.text })));
    return file;
  });
}
