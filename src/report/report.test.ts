import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import { loadMachine } from '../app/context.js';
import { compactMatrix } from '../app/matrix.js';
import { buildReport, type ReportRecord, type Section } from '../app/report.js';
import { colorize } from '../cli/io.js';
import { runCli } from '../cli/testing/run.js';
import { PeerdmaError } from '../errors/index.js';
import { LOCAL_HOST } from '../node/host.js';
import { standard } from '../p2pdma/testing/build.js';
import { bigintReplacer, stringifyJson } from '../util/json.js';
import { bandwidthJson, renderBandwidth } from './bandwidth.js';
import { renderDemoSection } from './demo.js';
import { asciiText } from './format.js';
import { mapCostJson, renderMapCostSection } from './map-cost.js';
import { matrixJsonText, renderP2pSection } from './p2p-matrix.js';
import { firstSectionError, renderReportPieces, reportJsonChunks, sectionError } from './report.js';
import { renderTopo, topoJson } from './topo.js';

const FIXTURES = join(import.meta.dirname, '../../../shared/fixtures');

/**
 * The oracle: the document as `report --json` built it before it was streamed — one object, the
 * P2P section parsed back from `matrix --json`'s text, printed with printJson's indent.
 */
function oldReportJson(rec: ReportRecord): unknown {
  const json = <T>(s: Section<T>, f: (v: T) => unknown) =>
    s.ok ? f(s.value) : sectionError(s.error);
  const doc = {
    schemaVersion: 1,
    topology: topoJson(rec.fabric),
    p2p: json(rec.p2p, (p) => JSON.parse(matrixJsonText(p.view, compactMatrix(p.view)))),
    demo: json(rec.demo, (d) => d),
    mapCost: json(rec.mapCost, mapCostJson),
    bandwidth: json(rec.bandwidth, bandwidthJson),
  };
  return JSON.parse(stringifyJson(doc, bigintReplacer, 2));
}

/** The oracle of the text: the report as it was printed before it was streamed, section by section
 * as one string each, up to the first section that failed (then its error). */
function oldReportText(rec: ReportRecord): { text: string; error: unknown } {
  let text = '';
  const print = (title: string, body: string) => {
    const b = body.replace(/^== .* ==\n/, '');
    text += `== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n${b.endsWith('\n') ? b : `${b}\n`}\n`;
  };
  const value = <T>(s: Section<T>): T => {
    if (!s.ok) throw s.error;
    return s.value;
  };
  try {
    print('Topology', renderTopo(rec.fabric));
    print('P2P verdicts (kernel p2pdma rules)', renderP2pSection(value(rec.p2p)));
    print('DMA-BUF: the founding scenario', renderDemoSection(value(rec.demo)));
    print('DMA mapping cost', renderMapCostSection(value(rec.mapCost)));
    print('Bandwidth and latency (PCIe model)', renderBandwidth(value(rec.bandwidth)));
  } catch (error) {
    return { text, error };
  }
  return { text, error: undefined };
}

/** The chunks joined as text (bytes decoded as UTF-8). */
function joined(chunks: Iterable<string | Uint8Array>): string {
  const utf8 = new TextDecoder();
  let s = '';
  for (const c of chunks) s += typeof c === 'string' ? c : utf8.decode(c, { stream: true });
  return s + utf8.decode();
}

/** What each section's own command prints with --json, or its error as the report holds it. */
async function sectionTexts(from: string): Promise<Record<string, string>> {
  const cmds: [string, string[]][] = [
    ['topology', ['topo']],
    ['p2p', ['matrix']],
    ['demo', ['demo']],
    ['mapCost', ['map-cost']],
    ['bandwidth', ['bandwidth']],
  ];
  const out: Record<string, string> = {};
  for (const [key, args] of cmds) {
    const r = await runCli([...args, '--from', from, '--json']);
    if (r.code === 0) {
      assert.ok(r.stdout.endsWith('}\n'), `${key}: one document and a newline`);
      out[key] = r.stdout.slice(0, -1);
    } else {
      const e = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
      out[key] = JSON.stringify({ error: { code: e.code, message: e.message } }, null, 2);
    }
  }
  return out;
}

/** Two bundled specs, a sysfs capture and hwloc XML. */
const INPUTS = [
  'example:default',
  'example:amd-epyc-gpus',
  join(FIXTURES, 'sysfs/40intel64-2g2n4c+pcilocality.tar.gz'),
  join(FIXTURES, 'hwloc/16intel64-manyVFs.xml'),
];

describe('report --json, streamed', () => {
  for (const from of INPUTS) {
    it(`${from.replace(/.*\//, '')}: the old document, and each section byte for byte its command's`, async () => {
      const r = await runCli(['report', '--from', from, '--json']);
      const texts = await sectionTexts(from);
      const expected = `{\n  "schemaVersion": 1,\n${Object.entries(texts)
        .map(([k, t]) => `  "${k}": ${t}`)
        .join(',\n')}\n}\n`;
      assert.equal(r.stdout, expected);
      // The same machine through the app: the stream parses to the document built the old way.
      const rec = buildReport((await loadMachine(LOCAL_HOST, { from })).fabric);
      assert.deepEqual(JSON.parse(r.stdout), oldReportJson(rec));
      assert.deepEqual(
        JSON.parse(joined(reportJsonChunks(rec, { chunkBytes: 64 }))),
        JSON.parse(r.stdout),
      );
      assert.equal(r.code, firstSectionError(rec) === undefined ? 0 : 2);
      // The text report: written in pieces of whole lines, the bytes of the one-string report.
      const old = oldReportText(rec);
      const text = await runCli(['report', '--from', from]);
      assert.equal(text.stdout, old.text);
      assert.equal(text.code, old.error === undefined ? 0 : 2);
      let pieces = 0;
      let got = '';
      try {
        for (const p of renderReportPieces(rec)) {
          assert.ok(p.endsWith('\n'), 'a piece ends at a line end');
          got += p;
          pieces++;
        }
      } catch (error) {
        assert.equal(error, old.error);
      }
      assert.equal(got, old.text);
      assert.ok(pieces >= 3);
    });
  }

  it('the text report in colour and ASCII: the one-string report styled as a whole', async () => {
    const from = 'example:default';
    const rec = buildReport((await loadMachine(LOCAL_HOST, { from })).fabric);
    const r = await runCli(['report', '--from', from], { env: { FORCE_COLOR: '1', LANG: 'C' } });
    assert.equal(r.code, 0, r.stderr);
    const whole = colorize(asciiText(oldReportText(rec).text), pc.createColors(true));
    assert.ok(whole.includes('\u001b['), 'coloured');
    assert.equal(r.stdout, whole);
  });

  it('a machine where a section fails (map-cost: no accelerator): the others, its error, exit 2', async () => {
    const file = join(tmpdir(), `peerdma-report-${process.pid}.yaml`);
    // Two NICs: nothing to map (map-cost fails); topology, P2P, the demo and bandwidth run.
    writeFileSync(
      file,
      'peerdma: 1\nmachine: {name: n}\nsockets:\n  - id: 0\n    hostBridges:\n      - bus: 0x00\n        devices:\n          - {name: nic0, kind: endpoint, devfn: "01.0", vendor: mellanox, device: 0x101b, class: 0x0200}\n          - {name: nic1, kind: endpoint, devfn: "02.0", vendor: mellanox, device: 0x101b, class: 0x0200}\n',
    );
    const r = await runCli(['report', '--from', file, '--json']);
    const texts = await sectionTexts(file);
    rmSync(file);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout) as Record<
      string,
      { error?: { code: string; message: string } }
    >;
    assert.deepEqual(Object.keys(doc), KEYS);
    for (const k of ['p2p', 'demo', 'bandwidth']) assert.equal(doc[k]?.error, undefined, k);
    const err = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
    assert.deepEqual(doc['mapCost']?.error, { code: err.code, message: err.message });
    assert.equal(err.code, 'E_NOT_FOUND');
    for (const k of KEYS.slice(1)) assert.ok(r.stdout.includes(texts[k]!), k);
  });

  it('a failed demo section: the sections after it still written, the error in its place', () => {
    const rec = buildReport(standard());
    const failed = new PeerdmaError('E_NOT_FOUND', 'no accelerator to export');
    const broken: ReportRecord = { ...rec, demo: { ok: false, error: failed } };
    const doc = JSON.parse(joined(reportJsonChunks(broken))) as Record<string, unknown>;
    const whole = JSON.parse(joined(reportJsonChunks(rec))) as Record<string, unknown>;
    assert.deepEqual(doc['demo'], {
      error: { code: 'E_NOT_FOUND', message: 'no accelerator to export' },
    });
    assert.deepEqual({ ...doc, demo: null }, { ...whole, demo: null });
    assert.equal(firstSectionError(broken), failed);
    // Something that is not a typed error still gives a code and a message.
    const odd = JSON.parse(
      joined(reportJsonChunks({ ...rec, bandwidth: { ok: false, error: 'x' } })),
    );
    assert.deepEqual(odd.bandwidth, { error: { code: 'E_INTERNAL', message: 'x' } });
  });
});

const KEYS = ['schemaVersion', 'topology', 'p2p', 'demo', 'mapCost', 'bandwidth'];
