/**
 * The text matrix written in pieces (src/report/p2p-matrix.ts renderMatrixPieces, the CLI's
 * streaming): every piece ends a line, the pieces make the string form, the grid is the one a
 * per-cell rendering gives, and styling piece by piece equals styling the whole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildMatrix, type MatrixView, matrix } from '../app/matrix.js';
import { MATRIX_SHOWS, type MatrixShow } from '../app/options.js';
import { LOCAL_HOST } from '../node/host.js';
import { localityClass } from '../p2pdma/locality.js';
import { cellDistance, cellMapType, MT_BUS_ADDR, MT_UNCERTAIN } from '../p2pdma/matrix.js';
import { randomFabric } from '../p2pdma/testing/gen.js';
import { deviceLabels } from '../report/device-names.js';
import { columnGroups } from '../report/format.js';
import { renderMatrix, renderMatrixPieces } from '../report/p2p.js';
import { captureIo, PLAIN_STYLE, type StyledIo, styledPieces, styledText } from './io.js';

const SHORT = ['NS', 'BUS', 'THB', '?'];

/**
 * The grid's lines cell by cell (padStart per cell, as the renderer once did): [text, whole line]
 * — a row of the last group is followed by its NUMA column, checked as a prefix.
 */
function referenceGrid(view: MatrixView, show: MatrixShow, width: number | null) {
  const m = view.matrix;
  const n = m.devices.length;
  const { labels } = deviceLabels(m.devices);
  const named = labels.every((l) => l.length <= 8);
  const heads = named ? labels : m.devices.map((_, j) => `D${j}`);
  const w = Math.max(5, ...labels.map((l) => l.length)) + 1;
  const headW = named ? w : 5 + w;
  const cw = Math.max(5, ...heads.map((h) => h.length + 1));
  const cell = (i: number, j: number): string => {
    const t = cellMapType(m, i, j);
    const d = cellDistance(m, i, j);
    if (show === 'class') {
      // From the fabric's own common upstream device (the view caches chains).
      const c = localityClass(view.env.fabric, m.devices[i]!, m.devices[j]!);
      return c === 'unknown' ? '?' : c;
    }
    if (show === 'distance') return t === MT_UNCERTAIN ? `${d}?` : String(d);
    return i === j && t === MT_BUS_ADDR ? 'X' : SHORT[t]!;
  };
  const groups = columnGroups(n, headW, cw, width);
  const out: Array<[string, boolean]> = [];
  for (const [start, end] of groups) {
    const last = end === n;
    if (groups.length > 1) {
      if (start > 0) out.push(['', true]);
      out.push([`clients ${start + 1}-${end} of ${n}:`, true]);
    }
    let head = ' '.repeat(headW);
    for (let j = start; j < end; j++) head += heads[j]!.padStart(cw);
    out.push([last ? `${head}  NUMA` : head, true]);
    for (let i = 0; i < n; i++) {
      let row = (named ? '' : `D${i}`.padEnd(5)) + labels[i]!.padEnd(w);
      for (let j = start; j < end; j++) row += cell(i, j).padStart(cw);
      out.push(last ? [`${row}  `, false] : [row.trimEnd(), true]);
    }
  }
  return out;
}

function checkPieces(view: MatrixView, show: MatrixShow, width: number | null, size: number) {
  const pieces = [...renderMatrixPieces(view, show, { width }, size)];
  const whole = renderMatrix(view, show, { width });
  assert.equal(pieces.join(''), whole);
  for (const p of pieces) {
    assert.ok(p.length > 0);
    assert.ok(p.endsWith('\n'), 'a piece ends a line');
  }
  // Small pieces: one per row at least (the grid's rows, then the tail in one).
  if (size <= 1) assert.ok(pieces.length > view.matrix.devices.length);
  const lines = whole.split('\n');
  referenceGrid(view, show, width).forEach(([text, exact], k) => {
    if (exact) assert.equal(lines[k], text, `line ${k}`);
    else assert.ok(lines[k]!.startsWith(text), `line ${k}: ${lines[k]} starts with ${text}`);
  });
}

describe('matrix text in pieces', () => {
  it('the example machines: every show, several widths, pieces of whole lines', async () => {
    for (const name of ['default', 'workstation', 'amd-epyc-gpus', 'skylake-sp', 'xeon-e5v3']) {
      for (const all of [false, true]) {
        const view = await matrix({ from: `example:${name}`, all }, LOCAL_HOST);
        for (const show of MATRIX_SHOWS)
          for (const width of [null, 30, 80, 120])
            for (const size of [1, 300, 1 << 16]) checkPieces(view, show, width, size);
      }
    }
  });

  it('random fabrics: the pieces make the per-cell grid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(...MATRIX_SHOWS),
        fc.constantFrom(null, 20, 60, 200),
        fc.integer({ min: 1, max: 500 }),
        (seed, show, width, size) => {
          const f = randomFabric(seed, { unknowns: seed % 2 === 0 });
          checkPieces(buildMatrix(f, undefined, undefined, { all: true }), show, width, size);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('styling piece by piece (colour, ASCII fallback) equals styling the whole text', async () => {
    const io: StyledIo = { ...captureIo(), style: { ...PLAIN_STYLE, color: true, unicode: false } };
    const view = await matrix({ from: 'example:workstation', all: true }, LOCAL_HOST);
    const whole = renderMatrix(view, 'maptype', { width: 60 });
    const styled = styledText(io, whole, { cells: true });
    assert.notEqual(styled, whole, 'colour was applied');
    const pieces = renderMatrixPieces(view, 'maptype', { width: 60 }, 1);
    assert.equal([...styledPieces(io, pieces, { cells: true })].join(''), styled);
    // Headings, legend words and tree branches at line starts and ends, one line per piece.
    const text = '== P2P ==\nLegend:\n├─ BUS NS THB\n│ └─ x\nBUS_ADDR uncertain\n';
    const lines = text.split(/(?<=\n)/);
    assert.equal(
      [...styledPieces(io, lines, { cells: true })].join(''),
      styledText(io, text, { cells: true }),
    );
  });

  it('the CLI writes the same bytes as the string form', async () => {
    const { main } = await import('./main.js');
    const io = captureIo();
    assert.equal(await main(['matrix', '--all', '--from', 'example:workstation'], io), 0);
    const view = await matrix({ from: 'example:workstation', all: true }, LOCAL_HOST);
    assert.equal(io.out(), renderMatrix(view, 'maptype'));
  });
});
