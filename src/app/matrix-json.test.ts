/**
 * The `matrix --json` writer (report/p2p-matrix.ts) against a plain one built from strings here:
 * its rows are written as byte copies of the row before with the differing cells written again,
 * so rows that differ in few cells, in many, at the first or last cell, by cells of other widths
 * (distances -1, 7, 130, -300), across the digit count of a group number, and empty rows all have
 * to give the same text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { distanceRows, TableRows } from '../p2pdma/matrix.js';
import { benchFabric } from '../p2pdma/testing/gen.js';
import { pairAnswer } from '../p2pdma/verdict.js';
import { findingHint, findingText } from '../report/findings.js';
import { matrixJsonText } from '../report/p2p-matrix.js';
import { rng } from '../util/rng.js';
import { issueFinding } from './findings.js';
import {
  buildMatrix,
  type CompactMatrix,
  compactMatrix,
  type MatrixView,
  PAIR_SUBJECT,
} from './matrix.js';
import { groupFindingRows, groupRowsFromTables, randomMatrix } from './testing/matrix.js';

/** The document from `"mapType"` on, written the plain way (join, JSON.stringify). */
function plainTail(c: CompactMatrix): string {
  const n = c.n;
  const G = c.groups;
  const rows = (name: string, lines: readonly string[]) =>
    `"${name}":[\n${lines.map((l, i) => (i + 1 < lines.length ? `${l},\n` : `${l}\n`)).join('')}],\n`;
  const cells = (f: (i: number, k: number) => string | number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, k) => f(i, k)));
  // The matrix's rows, read once each.
  const mapType: number[][] = [];
  const distance: number[][] = [];
  for (let i = 0; i < n; i++) {
    const mt = new Int8Array(n);
    const d = distanceRows(c.cells);
    c.cells.row(i, mt, d);
    mapType.push([...mt]);
    distance.push([...d]);
  }
  const X = 0; // LOCALITY_CODES index of 'X'
  const entries: number[][] = [];
  for (let g = 0; g < G; g++)
    for (let h = 0; h < G; h++) {
      const id = c.groupRows.list(g, h);
      if (id >= 0) entries.push([g, h, ...c.findingLists[id]!]);
    }
  return [
    rows(
      'mapType',
      cells((i, k) => mapType[i]![k]!).map((r) => `"${r.join('')}"`),
    ),
    rows(
      'class',
      cells((i, k) => (i === k ? X : c.groupRows.cls(c.group[i]!, c.group[k]!))).map(
        (r) => `"${r.join('')}"`,
      ),
    ),
    rows(
      'distance',
      cells((i, k) => distance[i]![k]!).map((r) => `[${r.join(',')}]`),
    ),
    `"group":[${[...c.group].join(',')}],\n`,
    rows(
      'findings',
      c.findings.map((f) =>
        JSON.stringify({ ...f, text: findingText(f), hintText: findingHint(f) }),
      ),
    ),
    `"groupFindings":${JSON.stringify(entries)},\n`,
    `"selfFindings":${JSON.stringify(c.selfFindings)},\n`,
    `"undecided":${JSON.stringify(c.undecided)},\n`,
    `"stats":${JSON.stringify({ pairs: n * n, groups: c.groups, walked: c.walked })}}\n`,
  ].join('');
}

function assertSameTail(view: MatrixView, c: CompactMatrix, chunkBytes?: number): void {
  const text = matrixJsonText(view, c, chunkBytes);
  assert.equal(text.slice(text.indexOf('"mapType":[')), plainTail(c));
}

/** Rows that mostly repeat the row before: each cell of a new row is, with probability
 * `change`, a fresh pick, else the cell above. */
function rowsLike<T>(
  rand: () => number,
  rows: number,
  cols: number,
  change: readonly number[],
  pick: () => T,
  out: { [k: number]: T },
): void {
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < cols; k++)
      out[i * cols + k] =
        i === 0 || change[i % change.length]! > rand() ? pick() : out[(i - 1) * cols + k]!;
}

describe('matrix --json writer', () => {
  test('real matrices: the same text as written the plain way', () => {
    for (const rules of ['linux-4.20', 'linux-6.1', 'linux-6.19']) {
      for (let seed = 1; seed <= 12; seed++) {
        const { view } = randomMatrix(seed, rules, seed % 2 === 0, seed % 3 === 0);
        assertSameTail(view, compactMatrix(view), 512);
      }
    }
    const view = buildMatrix(benchFabric(2, 4), 'linux-6.19', undefined, { all: true });
    assertSameTail(view, compactMatrix(view), 4096);
  });

  test('rows that differ from the one before in few or many cells, of any width', () => {
    const { view } = randomMatrix(7, 'linux-6.19', false, false);
    const base = compactMatrix(view);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 140 }),
        fc.integer({ min: 1, max: 130 }),
        fc.array(fc.constantFrom(0, 0, 0.01, 0.05, 0.3, 1), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1 << 16 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (n, groups, change, wide, chunk, seed) => {
          const rand = rng(seed);
          const G = n === 0 ? 0 : Math.min(groups, n);
          const rnd = (k: number) => Math.floor(rand() * k);
          const mapType = new Int8Array(n * n);
          rowsLike(rand, n, n, change, () => rnd(4), mapType);
          const distance = wide ? new Int16Array(n * n) : new Int8Array(n * n);
          const dists = wide ? [-1, 0, 2, 7, 130, -300, 3000] : [-1, 0, 2, 7, 12, 100];
          rowsLike(rand, n, n, change, () => dists[rnd(dists.length)]!, distance);
          // Groups: runs of neighbours mostly, every group used.
          const group = Int32Array.from({ length: n }, (_, i) =>
            i < G ? i : rand() < 0.7 ? i % G : rnd(G),
          ).sort();
          const groupClass = new Int8Array(G * G);
          rowsLike(rand, G, G, change, () => 1 + rnd(5), groupClass);
          const findingLists = Array.from({ length: 1 + rnd(30) }, () =>
            Array.from({ length: 1 + rnd(4) }, () => rnd(base.findings.length + 1000)),
          );
          const groupLists = wide ? new Int32Array(G * G) : new Int16Array(G * G);
          rowsLike(
            rand,
            G,
            G,
            change,
            () => (rand() < 0.2 ? -1 : rnd(findingLists.length)),
            groupLists,
          );
          const c: CompactMatrix = {
            ...base,
            n,
            cells: new TableRows(n, mapType, distance),
            group,
            groups: G,
            groupRows: groupRowsFromTables(G, groupClass, groupLists),
            findingLists,
          };
          assertSameTail(view, c, chunk);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('group rows stored as runs give back every cell, by row and one by one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 90 }),
        fc.array(fc.constantFrom(0, 0.01, 0.1, 0.5, 1), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (G, change, seed) => {
          const rand = rng(seed);
          const rnd = (k: number) => Math.floor(rand() * k);
          // Rows of runs mostly (a run of one value, then another), some noisy.
          const cls = new Int8Array(G * G);
          const lists = new Int32Array(G * G);
          for (let g = 0; g < G; g++) {
            let c = rnd(8);
            let l = rnd(3) - 1;
            for (let h = 0; h < G; h++) {
              if (rand() < change[g % change.length]!) c = rnd(8);
              if (rand() < change[(g + 1) % change.length]!) l = rand() < 0.3 ? -1 : rnd(70000);
              cls[g * G + h] = c;
              lists[g * G + h] = l;
            }
          }
          const t = groupRowsFromTables(G, cls, lists);
          const rc = new Int8Array(G).fill(99);
          const rl = new Int32Array(G).fill(99);
          for (let g = 0; g < G; g++) {
            t.row(g, rc, rl);
            assert.deepEqual([...rc], [...cls.subarray(g * G, g * G + G)]);
            assert.deepEqual([...rl], [...lists.subarray(g * G, g * G + G)]);
            for (let h = 0; h < G; h++) {
              assert.equal(t.cls(g, h), cls[g * G + h]);
              assert.equal(t.list(g, h), lists[g * G + h]);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('the findings table: each distinct finding once, every pair with its own, evidence included', () => {
    const json = (x: unknown) =>
      JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    for (const rules of ['linux-4.20', 'linux-6.1', 'linux-6.19']) {
      for (let seed = 1; seed <= 10; seed++) {
        const { view } = randomMatrix(seed, rules, seed % 2 === 0, seed % 3 === 0);
        const c = compactMatrix(view);
        const texts = c.findings.map(json);
        assert.equal(new Set(texts).size, texts.length, 'no finding twice');
        const byGroup = new Map([...groupFindingRows(c)].map(([g, h, ...fs]) => [`${g},${h}`, fs]));
        const { env, matrix } = view;
        const devs = matrix.devices;
        for (let i = 0; i < c.n; i++) {
          for (let j = 0; j < c.n; j++) {
            if (i === j) continue;
            const v = pairAnswer(env, devs[i]!, devs[j]!, env.fabric.path(devs[i]!, devs[j]!), {
              log: false,
            });
            const want = v.issues.map((x) => {
              const f = issueFinding(x);
              return json(PAIR_SUBJECT.has(f.code) ? { ...f, subject: [] } : f);
            });
            const got = (byGroup.get(`${c.group[i]},${c.group[j]}`) ?? []).map((k) => texts[k]);
            assert.deepEqual(got.sort(), want.sort(), `${devs[i]!.bdf} → ${devs[j]!.bdf}`);
          }
        }
      }
    }
  });
});
