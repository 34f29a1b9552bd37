/**
 * The layer order of ARCHITECTURE.md over the whole import graph of src/ — production code and the
 * `testing/` helper folders; test files are leaves and may import anything. Folders form a DAG; a
 * folder in the table imports only folders of a lower rank; the shells and the renderers keep to
 * their lanes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Rank of each top-level folder: imports go to strictly lower ranks only. */
const RANK: Readonly<Record<string, number>> = {
  core: 0,
  errors: 0,
  util: 0,
  pci: 1,
  fence: 1,
  proc: 1,
  sim: 1,
  names: 1.5,
  ingest: 2,
  p2pdma: 2,
  iommu: 2,
  dma: 3,
  buffers: 3,
  perf: 4,
  dmabuf: 4,
  kernel: 5,
  drivers: 6,
  scenarios: 7,
  node: 8,
  app: 9,
  report: 10,
  web: 10.25, // pure browser shell: loaders for dropped files, what-if edits, URL state; judges via app/, words via report/
  server: 10.5, // the `peerdma serve` HTTP shell: serves built assets and a spec, no model code
  cli: 11,
};

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(SRC)) {
    const rel = relative(SRC, file);
    const from = rel.split('/')[0]!;
    if (!rel.includes('/')) continue; // files directly in src/ (the package entry)
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[3] ?? m[4]!;
      const target = relative(SRC, normalize(join(dirname(file), spec)));
      const to = target.split('/')[0]!;
      if (target.startsWith('..') || !target.includes('/') || to === from) continue;
      out.push({ file: rel, from, to, target, typeOnly: m[2] !== undefined });
    }
  }
  return out;
}

const ALL = edges();
const show = (es: readonly Edge[]) => es.map((e) => `${e.file} → ${e.target}`).join('\n');

test('the import graph sees every layer (the parser works)', () => {
  const folders = new Set(ALL.map((e) => e.from));
  for (const f of ['cli', 'report', 'app', 'node', 'kernel', 'dmabuf', 'p2pdma', 'pci'])
    assert.ok(folders.has(f), f);
  assert.ok(ALL.some((e) => e.typeOnly) && ALL.some((e) => !e.typeOnly));
  assert.ok(ALL.some((e) => e.file.includes('/testing/')));
});

test('folders form a DAG: no import cycle between layers, testing helpers included', () => {
  const next = new Map<string, Set<string>>();
  for (const e of ALL) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === 'done') return null;
    if (state.get(f) === 'open') return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 'open');
    stack.push(f);
    for (const g of next.get(f) ?? []) {
      const cycle = visit(g);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of next.keys()) {
    const cycle = visit(f);
    assert.equal(cycle, null, `cycle: ${cycle?.join(' → ')}`);
  }
});

test('every import goes down the layer table', () => {
  const bad = ALL.filter(
    (e) => RANK[e.from] !== undefined && RANK[e.to] !== undefined && RANK[e.to]! >= RANK[e.from]!,
  );
  assert.equal(show(bad), '', 'upward or sideways imports');
});

test('cli only parses, calls app and prints: no model code', () => {
  const allowed = new Set(['app', 'report', 'node', 'errors', 'server', 'util']);
  assert.equal(show(ALL.filter((e) => e.from === 'cli' && !allowed.has(e.to))), '');
});

test('report only renders: types from app (plus its findings and option lists), no scenario or kernel code', () => {
  const fromApp = ALL.filter(
    (e) =>
      e.from === 'report' &&
      e.to === 'app' &&
      !e.typeOnly &&
      !/^app\/(findings|options)\.js$/.test(e.target),
  );
  assert.equal(show(fromApp), '', 'report imports app values');
  const runners = new Set(['scenarios', 'kernel', 'drivers', 'dmabuf', 'node']);
  assert.equal(
    show(ALL.filter((e) => e.from === 'report' && runners.has(e.to) && !e.typeOnly)),
    '',
    'report imports model runners',
  );
});

test('nothing imports a shell', () => {
  assert.equal(show(ALL.filter((e) => e.to === 'cli')), '');
});

test('app never references node: shells inject the host (app/ stays browser-safe)', () => {
  // Type-only imports too: app/ is bundled for the browser, and a `node/` path there (even a
  // lazy `import()`) drags node:* into the bundle.
  assert.equal(show(ALL.filter((e) => e.from === 'app' && e.to === 'node')), '');
  const mentions = sources(join(SRC, 'app')).filter((f) =>
    /['"](?:\.\.\/)+node\//.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(
    mentions.map((f) => relative(SRC, f)),
    [],
  );
});
