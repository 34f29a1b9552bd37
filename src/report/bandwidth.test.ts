/**
 * The streamed bandwidth renderings against plain ones built cell by cell: the text of the matrices
 * (`renderBandwidthPieces`) against the grid as it was written before rows and pieces (the oracle
 * below), and `bandwidthJsonChunks` against the document object `bandwidthJson` builds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BandwidthRecord, buildBandwidth } from '../app/bandwidth.js';
import { loadSpec } from '../ingest/spec/index.js';
import { listExampleNames, readExample } from '../node/examples.js';
import { benchFabric, randomFabric } from '../p2pdma/testing/gen.js';
import type { Fabric } from '../pci/fabric.js';
import type { BandwidthMatrices } from '../perf/matrix.js';
import type { PerfModel } from '../perf/model.js';
import { stringifyJson } from '../util/json.js';
import {
  bandwidthJson,
  bandwidthJsonChunks,
  deviceLabel,
  matricesJsonChunks,
  matricesPieces,
  matricesSvg,
  matricesSvgPieces,
  noteText,
  renderBandwidth,
  renderBandwidthPieces,
  SVG_CELLS_UP_TO,
} from './bandwidth.js';
import { columnGroups } from './format.js';

const r2 = (x: number) => Math.round(Math.fround(x) * 100) / 100;

/** The matrices' text as it was made before streaming: every cell's string, then the widest. */
function oracleText(model: PerfModel, m: BandwidthMatrices, width: number | null): string {
  const { n, ranged } = m;
  if (n === 0) return 'no devices to compare (try --all or --class)\n';
  const grid = (cell: (i: number, j: number) => string, title: string) => {
    const cells = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? '-' : cell(i, j))),
    );
    const w = Math.max(6, ...cells.flat().map((c) => c.length)) + 1;
    const out = [`${title}\n`];
    const groups = columnGroups(n, 6, w, width);
    for (const [start, end] of groups) {
      if (groups.length > 1)
        out.push(`${start > 0 ? '\n' : ''}columns ${start}-${end - 1} of ${n}:\n`);
      const heads = Array.from({ length: end - start }, (_, k) => String(start + k).padStart(w));
      out.push(`   D\\D${heads.join('')}\n`);
      for (let i = 0; i < n; i++)
        out.push(
          `${String(i).padStart(6)}${cells[i]!.slice(start, end)
            .map((c) => c.padStart(w))
            .join('')}\n`,
        );
    }
    return out.join('');
  };
  const rc = model.graph.rc;
  const out = [
    `machine ${model.fabric.machine.name ?? '(unnamed)'}; root complex: ${rc.label}; ${model.op === 'write' ? 'posted writes' : 'DMA reads'}, large transfers\n`,
    'Devices:\n',
  ];
  m.devices.forEach((d, i) => {
    out.push(
      `  ${String(i).padStart(3)}  ${deviceLabel(d).padEnd(14)} ${d.bdf}  ${d.description ?? ''}\n`.replace(
        / +\n$/,
        '\n',
      ),
    );
  });
  out.push('\n');
  const titles = [
    ['uniBounce', 'Unidirectional P2P=Disabled Bandwidth Matrix (GB/s)'],
    ['uniP2p', 'Unidirectional P2P=Enabled Bandwidth Matrix (GB/s)'],
    ['bidiBounce', 'Bidirectional P2P=Disabled Bandwidth Matrix (GB/s)'],
    ['bidiP2p', 'Bidirectional P2P=Enabled Bandwidth Matrix (GB/s)'],
  ] as const;
  for (const [key, title] of titles) {
    const cell = (i: number, j: number) => {
      const a = r2(m.cell(key, i, j, 'lo')).toFixed(2);
      const b = ranged ? r2(m.cell(key, i, j, 'hi')).toFixed(2) : a;
      return a === b ? a : `${a}-${b}`;
    };
    out.push(grid(cell, title), '\n');
  }
  out.push(
    grid(
      (i, j) => (m.cell('latBounce', i, j) / 1000).toFixed(2),
      'P2P=Disabled Latency Matrix (us, fabric only)',
    ),
    '\n',
  );
  out.push(
    grid(
      (i, j) => (m.cell('latP2p', i, j) / 1000).toFixed(2),
      `P2P=Enabled Latency (P2P ${model.op === 'write' ? 'Writes' : 'Reads'}) Matrix (us, fabric only)`,
    ),
    '\n',
  );
  out.push(
    'P2P=Enabled uses the route the kernel allows for each direction (a refused pair falls back to the bounce, as\n' +
      'the CUDA sample does). Latency is the fabric alone (switches, root complex, socket link); a\n' +
      'p2pBandwidthLatencyTest run adds several µs of driver and launch overhead.\n',
  );
  if (ranged)
    out.push(
      `note: ${noteText({ code: rc.id === 'unknown' ? 'rc_unmeasured' : 'rc_lower_bound', evidence: {} })}; cells show lo-hi\n`,
    );
  else if (rc.rcFlow.atLeast)
    out.push(`note: ${noteText({ code: 'rc_lower_bound', evidence: {} })}\n`);
  return out.join('');
}

const fabrics: [string, Fabric][] = [
  ...listExampleNames().map(
    (name) => [name, loadSpec({ name, text: readExample(name).text }).fabric] as [string, Fabric],
  ),
  ...Array.from(
    { length: 12 },
    (_, k) => [`random ${k + 1}`, randomFabric(k + 1, { maxHostBridges: 4 })] as [string, Fabric],
  ),
  ['benchFabric(1, 2)', benchFabric(1, 2)],
];

/** The matrices of every machine: default selection and --all, writes and reads (≥ 2 devices). */
function matrixRecords(): [string, Extract<BandwidthRecord, { kind: 'matrices' }>][] {
  const out: [string, Extract<BandwidthRecord, { kind: 'matrices' }>][] = [];
  for (const [name, fabric] of fabrics)
    for (const all of [false, true])
      for (const op of ['write', 'read']) {
        let rec: BandwidthRecord;
        try {
          rec = buildBandwidth(fabric, { all, op });
        } catch {
          continue; // fewer than 2 devices
        }
        if (rec.kind === 'matrices') out.push([`${name} all=${all} ${op}`, rec]);
      }
  return out;
}

test('the text pieces join to the grid made cell by cell: every width, several piece sizes', () => {
  let ranged = 0;
  let wrapped = 0;
  for (const [name, rec] of matrixRecords()) {
    if (rec.matrices.ranged) ranged++;
    for (const width of [null, 30, 80, 133, 10_000]) {
      const want = oracleText(rec.model, rec.matrices, width);
      assert.equal(renderBandwidth(rec, { width }), want, `${name} width ${width}`);
      if (want.includes('columns 0-')) wrapped++;
      for (const size of [1, 500, 1 << 16]) {
        const pieces = [...matricesPieces(rec.model, rec.matrices, { width }, size)];
        assert.equal(pieces.join(''), want, `${name} width ${width} pieces of ${size}`);
        for (const p of pieces) assert.ok(p.endsWith('\n'), `${name}: a piece ends a line`);
        if (size === 500)
          assert.ok(pieces.length >= want.length / 2000, `${name}: ${pieces.length} pieces`);
      }
    }
  }
  assert.ok(ranged > 4 && wrapped > 20, `${ranged} ranged, ${wrapped} wrapped`);
});

test('the JSON chunks parse to the document built cell by cell, one line per matrix row', () => {
  for (const [name, rec] of matrixRecords()) {
    const want = bandwidthJson(rec);
    const text = [...bandwidthJsonChunks(rec)].join('');
    assert.deepEqual(JSON.parse(text), want, name);
    assert.ok(!text.endsWith('\n'));
    for (const size of [1, 4096])
      assert.equal(
        [...matricesJsonChunks(rec.model, rec.matrices, size)].join(''),
        text,
        `${name} ${size}`,
      );
    // the head as JSON.stringify(…, 2) prints it; every matrix row one line
    const n = rec.matrices.n;
    const matrices = rec.matrices.ranged ? 10 : 6;
    const rowLines = text.split('\n').filter((l) => /^ +\[(null|-?[0-9])/.test(l));
    assert.equal(rowLines.length, matrices * n, name);
    const pretty = stringifyJson(want, undefined, 2);
    assert.equal(
      text.slice(0, text.indexOf('"unidirectional"')),
      pretty.slice(0, pretty.indexOf('"unidirectional"')),
    );
  }
});

test('a pair and concurrent flows: one piece, and the JSON as JSON.stringify(…, 2)', () => {
  const fabric = loadSpec({ name: 'default', text: readExample('default').text }).fabric;
  const recs = [
    buildBandwidth(fabric, { src: 'accel0', dst: 'accel1', bidir: true }),
    buildBandwidth(fabric, { pattern: 'ring' }),
  ];
  for (const rec of recs) {
    assert.notEqual(rec.kind, 'matrices');
    assert.deepEqual([...renderBandwidthPieces(rec)], [renderBandwidth(rec)]);
    assert.equal(
      [...bandwidthJsonChunks(rec)].join(''),
      stringifyJson(bandwidthJson(rec), undefined, 2),
    );
  }
});

/** The heatmap as it was drawn before runs: one rect per off-diagonal cell. */
function oracleSvg(m: BandwidthMatrices): string {
  const { n } = m;
  const cell = Math.max(8, Math.min(40, Math.floor(640 / Math.max(1, n))));
  const pad = 120;
  const size = pad + n * cell + 20;
  const at = (i: number, j: number) => m.cell('uniP2p', i, j);
  let max = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j && Number.isFinite(at(i, j))) max = Math.max(max, at(i, j));
  const color = (v: number) => {
    const t = max > 0 ? v / max : 0;
    return `hsl(${Math.round(t * 220)},70%,${Math.round(40 + 20 * (1 - t))}%)`;
  };
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 30}" font-family="sans-serif" font-size="${Math.min(11, cell - 2)}">`,
    `<text x="4" y="16" font-size="13">Unidirectional P2P=Enabled bandwidth (GB/s), max ${r2(max)}</text>`,
  ];
  m.devices.forEach((d, i) => {
    parts.push(`<text x="4" y="${30 + pad + i * cell + cell * 0.7}">${esc(deviceLabel(d))}</text>`);
    parts.push(
      `<text transform="translate(${pad + i * cell + cell * 0.7},${30 + pad - 4}) rotate(-60)">${esc(deviceLabel(d))}</text>`,
    );
  });
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const v = at(i, j);
      parts.push(
        `<rect x="${pad + j * cell}" y="${30 + pad + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${color(v)}"><title>${esc(deviceLabel(m.devices[i]!))} → ${esc(deviceLabel(m.devices[j]!))}: ${r2(v)} GB/s</title></rect>`,
      );
    }
  parts.push('</svg>\n');
  return parts.join('\n');
}

test('the heatmap: every cell its own rect up to SVG_CELLS_UP_TO devices, byte for byte', () => {
  let compared = 0;
  for (const [name, rec] of matrixRecords()) {
    if (rec.matrices.n > SVG_CELLS_UP_TO) continue;
    const want = oracleSvg(rec.matrices);
    assert.equal(matricesSvg(rec.matrices), want, name);
    assert.equal([...matricesSvgPieces(rec.matrices, 300)].join(''), want, `${name} in pieces`);
    compared++;
  }
  assert.ok(compared > 20);
});

test('the heatmap of a big machine: runs of equal cells, covering each off-diagonal cell once', () => {
  for (const fabric of [benchFabric(2, 2), benchFabric(1, 8)]) {
    const rec = buildBandwidth(fabric, { all: true });
    assert.equal(rec.kind, 'matrices');
    if (rec.kind !== 'matrices') return;
    const m = rec.matrices;
    const n = m.n;
    if (n <= SVG_CELLS_UP_TO) continue;
    const svg = [...matricesSvgPieces(m, 1000)].join('');
    const cell = 8;
    const seen = new Uint8Array(n * n);
    let rects = 0;
    for (const r of svg.matchAll(
      /<rect x="(\d+)" y="(\d+)" width="(\d+)" height="7" fill="[^"]+"><title>([^<]*): ([^ ]+) GB\/s<\/title><\/rect>/g,
    )) {
      const j0 = (Number(r[1]) - 120) / cell;
      const i = (Number(r[2]) - 150) / cell;
      const k = (Number(r[3]) + 1) / cell;
      rects++;
      for (let j = j0; j < j0 + k; j++) {
        assert.notEqual(i, j, 'the diagonal is never drawn');
        assert.equal(seen[i * n + j], 0, `cell (${i}, ${j}) drawn once`);
        seen[i * n + j] = 1;
        assert.equal(r[5], String(r2(m.cell('uniP2p', i, j))), `(${i}, ${j}) value`);
      }
      const labels =
        k === 1
          ? deviceLabel(m.devices[j0]!)
          : `${deviceLabel(m.devices[j0]!)} … ${deviceLabel(m.devices[j0 + k - 1]!)} (${k} devices)`;
      assert.equal(r[4], `${deviceLabel(m.devices[i]!)} → ${labels}`);
    }
    let drawn = 0;
    for (const x of seen) drawn += x;
    assert.equal(drawn, n * n - n, 'every off-diagonal cell');
    assert.ok(rects < (n * n) / 2, `${rects} rects for ${n * n - n} cells`);
  }
});
