import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isPeerdmaError, PeerdmaError } from '../../errors/index.js';
import { categoryOf } from '../../pci/classes.js';
import { linkFromGBps, linkGBps, loadHwloc, looksLikeHwloc } from './index.js';
import { MAX_HWLOC_CHARS } from './xml.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = join(repo, '../shared/fixtures/hwloc');
const read = (f: string) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') });
const load = (f: string) => loadHwloc(read(f));

describe('hwloc XML loader', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));

  it('finds the fixtures', () => assert.ok(files.length >= 8));

  for (const f of files) {
    it(`loads ${f}`, () => {
      const { text } = read(f);
      assert.equal(looksLikeHwloc(text), true);
      const { fabric, warnings } = load(f);
      const pci = (text.match(/pci_busid="/g) ?? []).length;
      const dup = warnings.filter((w) => w.code === 'hwloc_duplicate').length;
      assert.equal(fabric.size, pci - dup);
      assert.equal(fabric.machine.source, 'hwloc');
      assert.ok(warnings.some((w) => w.code === 'hwloc_no_acs'));
      for (const fn of fabric.functions) assert.equal(fn.acs.state, 'unknown');
    });
  }

  it('reads ids, class and parents (16intel64-manyVFs)', () => {
    const { fabric } = load('16intel64-manyVFs.xml');
    const rp = fabric.require('0000:00:01.1');
    assert.equal(rp.kind, 'root-port');
    assert.equal(rp.vendor, 0x8086);
    assert.equal(rp.device, 0x3c03);
    assert.equal(rp.classCode, 0x060400);
    assert.equal(rp.revision, 0x07);
    assert.deepEqual(rp.buses, { secondary: 2, subordinate: 3 });
    const nic = fabric.require('0000:02:00.1');
    assert.equal(nic.parent, '0000:00:01.1');
    assert.equal(nic.subsystemVendor, 0x1137);
    assert.equal(nic.classCode, 0x020000);
    assert.equal(nic.description, 'Intel Corporation I350 Gigabit Network Connection [eth1]');
    // Cisco VIC: root port → switch (004e) → downstream (0041) → nested switch (0040) → downstream.
    assert.equal(fabric.require('0000:06:00.0').kind, 'switch-upstream');
    assert.equal(fabric.require('0000:07:01.0').kind, 'switch-downstream');
    assert.equal(fabric.require('0000:09:00.0').kind, 'switch-upstream');
    assert.equal(fabric.require('0000:0a:01.0').kind, 'switch-downstream');
    assert.deepEqual(
      fabric.upstreamChain(fabric.require('0000:0c:00.4')).map((f) => f.bdf),
      [
        '0000:0c:00.4',
        '0000:0a:01.0',
        '0000:09:00.0',
        '0000:07:01.0',
        '0000:06:00.0',
        '0000:00:03.0',
      ],
    );
    assert.equal(fabric.require('0000:0c:00.4').hostBridge, 'pci0000:00');
    assert.equal(fabric.hostBridge('pci0000:80').numaNode, 1);
    assert.equal(fabric.require('0000:88:00.5').numaNode, 1);
  });

  it('gives each host bridge its NUMA locality (pcilocality: Groups spanning two nodes)', () => {
    const { fabric, warnings } = load('linux-40intel64-2g2n4c+pcilocality.xml');
    assert.deepEqual(
      fabric.hostBridges.map((h) => [h.id, h.numaNode]),
      [
        ['pci0000:00', 'unknown'],
        ['pci0000:40', 'unknown'],
      ],
    );
    const loc = warnings.filter((w) => w.code === 'hwloc_numa_locality').map((w) => w.message);
    assert.equal(loc.length, 2);
    assert.match(loc[0]!, /pci0000:00 is local to NUMA nodes 0,2/);
    assert.match(loc[1]!, /pci0000:40 is local to NUMA nodes 1,3/);
    assert.equal(fabric.machine.sockets, 4);
    assert.equal(fabric.machine.numaNodes, 4);
    // The 0600 device at 00:00.0 is the host-bridge device the p2pdma allowlist looks at.
    const hbDev = fabric.hostBridgeDevice('pci0000:00');
    assert.equal(hbDev?.bdf, '0000:00:00.0');
    assert.equal(hbDev?.kind, 'host-bridge');
    assert.equal(hbDev?.device, 0x3407);
    // 3.938462 GB/s = 4 lanes × 8 GT/s × 128/130 / 8.
    const ib = fabric.require('0000:43:00.0');
    assert.equal(ib.parent, '0000:40:03.0');
    assert.equal(ib.description, 'InfiniBand [ib0, qib0]'); // class 0x0c06 named, OS names kept
    assert.equal(categoryOf(ib), 'nic');
    assert.ok(ib.pcie !== 'unknown' && ib.pcie !== null);
    assert.deepEqual(ib.pcie.linkStatus, { speedGTs: 8, width: 4 });
    assert.equal(ib.pcie.linkCap, 'unknown');
    // A subtractive-decode bridge (prog-if 01) on the root bus is not a root port.
    assert.equal(fabric.require('0000:00:1e.0').kind, 'pci-bridge');
    assert.equal(fabric.require('0000:00:14.0').kind, 'rc-integrated-endpoint');
  });

  it('places host bridges on the right node (fakepcilocalities)', () => {
    const { fabric } = load('linux-fakepcilocalities.xml');
    assert.deepEqual(
      fabric.hostBridges.map((h) => [h.id, h.numaNode, h.socket]),
      [
        ['pci0000:00', 0, 0],
        ['pci0000:40', 1, 1],
        ['pci0000:80', 3, 3],
        ['pci0000:c0', 3, 3],
      ],
    );
  });

  it('handles non-zero PCI domains (power8)', () => {
    const { fabric } = load('power8gpudistances.xml');
    assert.deepEqual(
      fabric.hostBridges.map((h) => h.id),
      ['pci0002:00', 'pci0003:00', 'pci000a:00', 'pci000b:00'],
    );
    const gpu = fabric.require('000a:01:00.0');
    assert.equal(gpu.parent, '000a:00:00.0');
    assert.equal(gpu.classCode, 0x030200);
    assert.equal(gpu.numaNode, 1);
    assert.ok(gpu.pcie !== 'unknown' && gpu.pcie !== null);
    assert.deepEqual(gpu.pcie.linkStatus, { speedGTs: 8, width: 16 });
    assert.equal(fabric.machine.cpu.arch, 'ppc64le');
    assert.equal(fabric.machine.kernelRelease, '4.19.0-14-powerpc64le');
  });

  it('keeps the first of two functions at one address, with a warning', () => {
    const { fabric, warnings } = load('32em64t-2n8c2t-pci-normalio.xml');
    assert.equal(fabric.require('0000:04:00.0').device, 0x1d6b);
    assert.ok(
      warnings.some((w) => w.code === 'hwloc_duplicate' && w.location?.field === '0000:04:00.0'),
    );
  });

  it('warns about link speeds that match no generation', () => {
    const { warnings } = load('24em64t-2n6c2t-pci.xml');
    const w = warnings.find((x) => x.code === 'hwloc_link_speed');
    assert.match(w?.message ?? '', /0000:04:00\.0 0\.200000/);
  });

  it('rejects malformed XML with line and column', () => {
    const text =
      '<?xml version="1.0"?>\n<topology version="3.0">\n  <object type="Machine">\n  </objekt>\n</topology>\n';
    assert.throws(
      () => loadHwloc({ name: 'bad.xml', text }),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_PARSE' &&
        e.location.line === 4 &&
        e.location.column !== undefined &&
        e.location.file === 'bad.xml',
    );
  });

  it('turns parser-only failures into E_PARSE (a broken XML declaration)', () => {
    const { text } = read('power8gpudistances.xml');
    const broken = `<?xml version  ${text.slice(15)}`;
    assert.throws(
      () => loadHwloc({ name: 'x.xml', text: broken }),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_PARSE',
    );
  });

  it('a truncated export: E_PARSE at the last line, saying the input ends inside an element', () => {
    const { text } = read('24em64t-2n6c2t-pci.xml');
    const cut = text.slice(0, text.indexOf('\n', text.indexOf('<object type="PCIDev"')) + 1);
    assert.throws(
      () => loadHwloc({ name: 'x.xml', text: cut }),
      (e: unknown) =>
        e instanceof PeerdmaError &&
        e.code === 'E_PARSE' &&
        e.location.line === cut.split('\n').length - 1 &&
        /ends inside <object>.*truncated/.test(e.message),
    );
  });

  it('refuses an input over the size limit without parsing it (E_TOO_LARGE)', () => {
    const text = `<?xml version="1.0"?>\n<topology>${' '.repeat(MAX_HWLOC_CHARS)}</topology>\n`;
    assert.throws(
      () => loadHwloc({ name: 'x.xml', text }),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_TOO_LARGE',
    );
  });

  it('never throws anything but PeerdmaError on truncated or corrupted input', () => {
    const { text } = read('power8gpudistances.xml');
    fc.assert(
      fc.property(
        fc.nat(text.length),
        fc.nat(text.length),
        fc.string({ maxLength: 3 }),
        (cut, at, junk) => {
          const t = text.slice(0, cut);
          const mutated = t.slice(0, at) + junk + t.slice(at + junk.length);
          try {
            loadHwloc({ name: 'x.xml', text: mutated });
          } catch (e) {
            assert.ok(isPeerdmaError(e), String(e));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('tells hwloc XML from other text', () => {
    assert.equal(looksLikeHwloc('<?xml version="1.0"?>\n<topology>\n</topology>'), true);
    assert.equal(looksLikeHwloc('peerdma: 1\n'), false);
    assert.equal(looksLikeHwloc('<svg></svg>'), false);
  });
});

describe('pci_link_speed conversion', () => {
  it('picks the widest link that gives the bandwidth', () => {
    assert.deepEqual(linkFromGBps(0.25)?.link, { speedGTs: 2.5, width: 1 });
    assert.deepEqual(linkFromGBps(31.507692)?.link, { speedGTs: 8, width: 32 });
    assert.deepEqual(linkFromGBps(7.876923)?.alternatives.length, 3);
    assert.equal(linkFromGBps(0.2), null);
    assert.equal(linkFromGBps(0), null);
  });
  it('inverts linkGBps', () => {
    for (const speedGTs of [2.5, 5, 8, 16, 32, 64]) {
      for (const width of [1, 2, 4, 8, 16]) {
        const m = linkFromGBps(Number(linkGBps({ speedGTs, width }).toFixed(6)));
        assert.ok(m !== null);
        assert.equal(linkGBps(m.link).toFixed(6), linkGBps({ speedGTs, width }).toFixed(6));
      }
    }
  });
});
