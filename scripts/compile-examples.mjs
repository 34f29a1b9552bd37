// Build step (after tsc): the bundled examples compiled to dist/examples/NAME.json (see
// src/node/compile-examples.ts). `check` and friends load these without YAML parser or schema library.
import { writeCompiledExamples } from '../dist/node/compile-examples.js';

for (const file of writeCompiledExamples()) process.stdout.write(`compiled ${file}\n`);
