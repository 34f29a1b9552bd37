import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { machineJsonSchema } from './index.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '../../../schema/machine.schema.json');
const generated = `${JSON.stringify(machineJsonSchema(), null, 2)}\n`;

describe('schema/machine.schema.json', () => {
  it('is what the zod schema generates (regenerate: UPDATE_SCHEMA=1 node --import tsx --test src/ingest/spec/schema.test.ts)', () => {
    if (process.env['UPDATE_SCHEMA'] === '1') writeFileSync(file, generated);
    assert.equal(readFileSync(file, 'utf8'), generated);
  });
  it('describes the marker and the recursive device tree', () => {
    const s = JSON.parse(generated) as {
      $defs: Record<string, { required?: string[]; properties: Record<string, unknown> }>;
    };
    assert.ok(s.$defs['MachineSpec']?.required?.includes('peerdma'));
    assert.ok(s.$defs['Device']?.properties['children']);
    assert.ok(s.$defs['HostBridge']?.properties['hostDevice']);
  });
});
