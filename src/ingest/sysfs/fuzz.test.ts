/**
 * Properties: whatever happens to a capture's bytes — a truncated or corrupted `config`,
 * `resource`, `class` or link-speed attribute, or corrupted gzip bytes — the loader returns a
 * LoadResult or throws a PeerdmaError; never another exception, never a hang.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isPeerdmaError } from '../../errors/index.js';
import { flattenVfs, memoryVfs, tarVfs } from '../../node/vfs.js';
import { loadSysfs } from './index.js';
import { ORACLE_FIXTURES } from './testing/fixtures.js';

const ARCHIVE = join(ORACLE_FIXTURES, 'i-switch-multifunction-sriov/sysfs.tar.gz');
const ATTRS = ['config', 'resource', 'class', 'current_link_speed', 'max_link_speed'];

function typedOrOk(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!isPeerdmaError(e)) throw e;
  }
}

describe('sysfs loader under corruption', async () => {
  const bytes = readFileSync(ARCHIVE);
  const base = flattenVfs(await tarVfs(bytes, 'fixture'));
  const targets = [...base.keys()].filter((p) => ATTRS.some((a) => p.endsWith(`/${a}`))).sort();

  it('has attributes to corrupt', () => {
    assert.ok(targets.length > 40);
  });

  it('truncated or byte-corrupted attributes give a LoadResult or a PeerdmaError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...targets),
        fc.oneof(
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({
            kind: fc.constant('flip' as const),
            at: fc.nat(),
            value: fc.integer({ min: 0, max: 255 }),
          }),
          fc.record({
            kind: fc.constant('insert' as const),
            at: fc.nat(),
            value: fc.integer({ min: 0, max: 255 }),
          }),
        ),
        (path, edit) => {
          const node = base.get(path);
          if (node?.t !== 'file') return;
          const d = node.data;
          const at = d.length === 0 ? 0 : edit.at % (d.length + 1);
          let next: Uint8Array;
          if (edit.kind === 'truncate') next = d.slice(0, at);
          else if (edit.kind === 'flip') {
            next = d.slice();
            if (next.length > 0) next[at % next.length] = edit.value;
          } else next = new Uint8Array([...d.subarray(0, at), edit.value, ...d.subarray(at)]);
          const map = new Map(base);
          map.set(path, { t: 'file', data: next });
          typedOrOk(() => loadSysfs(memoryVfs(map, 'fuzz.tar.gz')));
        },
      ),
      { numRuns: 300, seed: 0x5eed },
    );
  });

  it('corrupted capability pointers in a config give a LoadResult or a PeerdmaError', () => {
    const configs = targets.filter((p) => p.endsWith('/config'));
    fc.assert(
      fc.property(
        fc.constantFrom(...configs),
        fc.array(
          fc.tuple(fc.integer({ min: 0x34, max: 0x1ff }), fc.integer({ min: 0, max: 255 })),
          { minLength: 1, maxLength: 6 },
        ),
        (path, pokes) => {
          const node = base.get(path);
          if (node?.t !== 'file') return;
          const next = node.data.slice();
          for (const [o, v] of pokes) if (o < next.length) next[o] = v;
          const map = new Map(base);
          map.set(path, { t: 'file', data: next });
          typedOrOk(() => loadSysfs(memoryVfs(map, 'fuzz.tar.gz')));
        },
      ),
      { numRuns: 300, seed: 0xc0f },
    );
  });

  it('corrupted or truncated gzip bytes give a LoadResult or a PeerdmaError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (at, value, truncate) => {
          const i = at % bytes.length;
          const next = truncate ? bytes.subarray(0, i) : Buffer.from(bytes);
          if (!truncate) next[i] = value;
          try {
            loadSysfs(await tarVfs(next, 'fuzz.tar.gz'));
          } catch (e) {
            if (!isPeerdmaError(e)) throw e;
          }
        },
      ),
      { numRuns: 150, seed: 0x9219 },
    );
  });

  it('corrupted tar headers inside valid gzip give a LoadResult or a PeerdmaError', async () => {
    const raw = gunzipSync(bytes);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (pokes) => {
          const next = Buffer.from(raw);
          // Aim at header blocks: offsets within the first 512 bytes of some block.
          for (const [o, v] of pokes) next[(o % (next.length >> 9)) * 512 + (o % 512)] = v;
          try {
            loadSysfs(await tarVfs(gzipSync(next), 'fuzz.tar.gz'));
          } catch (e) {
            if (!isPeerdmaError(e)) throw e;
          }
        },
      ),
      { numRuns: 150, seed: 0x7a2 },
    );
  });
});
