/**
 * Placing a function from its path: any spelling of a path places the same; a relative link
 * target read as text agrees with the component-by-component reading.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { memoryVfs } from '../../node/vfs.js';
import { canonicalBdf } from '../../pci/bdf.js';
import { discoverFunctions, placeFunction } from './discover.js';
import { dirName, lexicalTarget, splitPath } from './paths.js';
import { WarningSink } from './warnings.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const bdfName = fc
  .tuple(
    fc.constantFrom(0, 1, 0x10000, 0xabcd),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 0x3f }),
    fc.integer({ min: 0, max: 7 }),
    fc.constantFrom(4, 8),
  )
  .map(([d, b, dev, fn, w]) => `${hex(d, w)}:${hex(b, 2)}:${hex(dev, 2)}.${fn}`);
const component = fc.oneof(
  { weight: 5, arbitrary: bdfName },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(0, 1, 0x10000),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(4, 8),
      )
      .map(([d, b, w]) => `pci${hex(d, w)}:${hex(b, 2)}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('sys', 'devices', 'virtfn0', 'PCI0000:00', '0000:00:1F.0', '..'),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-fp:ci.]{1,16}$/) },
);

describe('placeFunction', () => {
  it('reads a path the same whatever its spelling', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 9 }), (comps) => {
        const path = comps.join('/');
        // A leading `./` spells the same path differently.
        assert.deepEqual(placeFunction(path), placeFunction(`./${path}`));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the components as the regular expressions do', () => {
    // The reading by regular expressions over split components that the scan in place replaced.
    const HB = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/;
    const BDF = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
    const byRegex = (path: string) => {
      const comps = splitPath(path);
      const hb = comps.findLastIndex((c) => HB.test(c));
      if (hb < 0) return null;
      const chain = comps.slice(hb + 1).filter((c) => BDF.test(c));
      const last = comps[comps.length - 1]!;
      const self = BDF.test(last) ? canonicalBdf(last) : null;
      if (self === null) return null;
      const up = chain.length >= 2 ? canonicalBdf(chain[chain.length - 2]!) : null;
      return {
        bdf: self.bdf,
        addr: self.addr,
        path: comps.join('/'),
        hostBridge: comps[hb]!,
        parent: up === null ? null : up.bdf,
        depth: chain.length,
      };
    };
    const spelling = fc.constantFrom('', './', '/', 'a//', 'x/./');
    const odd = fc.oneof(
      component,
      fc.stringMatching(/^(pci)?[0-9a-fA-F:.]{8,17}$/),
      fc.constantFrom('pci0000:0', 'pci000000000:00', '0000:00:00.8', '000:00:00.0', 'pci0000:00x'),
      // A good component with one character changed.
      fc
        .tuple(component, fc.nat(), fc.constantFrom('g', 'A', ':', '.', '0', '8'))
        .map(([c, i, x]) => c.slice(0, i % c.length) + x + c.slice((i % c.length) + 1)),
    );
    fc.assert(
      fc.property(spelling, fc.array(odd, { maxLength: 9 }), fc.boolean(), (pre, comps, slash) => {
        const path = `${pre}${comps.join('/')}${slash ? '/' : ''}`;
        assert.deepEqual(placeFunction(path), byRegex(path));
      }),
      { numRuns: 5000 },
    );
  });

  it('places a function under its host bridge with its parent and depth', () => {
    const f = placeFunction('sys/devices/pci0000:00/0000:00:14.0/0000:bf:00.0/0000:c0:00.0');
    assert.deepEqual(f && { ...f, addr: undefined }, {
      bdf: '0000:c0:00.0',
      addr: undefined,
      path: 'sys/devices/pci0000:00/0000:00:14.0/0000:bf:00.0/0000:c0:00.0',
      hostBridge: 'pci0000:00',
      parent: '0000:bf:00.0',
      depth: 3,
    });
    // An 8-digit domain that fits four is written with four; a device over 0x1f is no function.
    assert.equal(placeFunction('sys/devices/pci00000000:00/00000000:00:01.0')?.bdf, '0000:00:01.0');
    assert.equal(placeFunction('sys/devices/pci0000:00/0000:00:20.0'), null);
    assert.equal(placeFunction('sys/devices/0000:00:01.0'), null);
  });
});

describe('lexicalTarget', () => {
  it('agrees with joining components and popping on `..`', () => {
    const part = fc.constantFrom('..', '.', '', 'a', 'devices', 'pci0000:00', '0000:00:01.0');
    const path = fc.array(part, { maxLength: 8 }).map((p) => p.join('/'));
    fc.assert(
      fc.property(path, path, (link, target) => {
        const out = splitPath(dirName(link));
        for (const c of splitPath(target)) {
          if (c === '..') out.pop();
          else out.push(c);
        }
        const want = target.startsWith('/') ? undefined : out.join('/');
        assert.equal(lexicalTarget(link, target), want);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('discoverFunctions', () => {
  it('lists functions shallowest first, then by BDF, whatever the links are named', () => {
    const fn = fc
      .tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0x1f }),
        fc.integer({ min: 0, max: 7 }),
      )
      .map(([bus, dev, f]) => `0000:${hex(bus, 2)}:${hex(dev, 2)}.${f}`);
    // Each function hangs under the host bridge or under an earlier one (its parent).
    const tree = fc.uniqueArray(fc.tuple(fn, fc.nat(), fc.string({ minLength: 1, maxLength: 6 })), {
      minLength: 1,
      maxLength: 12,
      selector: ([b]) => b,
    });
    fc.assert(
      fc.property(tree, fc.boolean(), (fns, renamed) => {
        const files = new Map<string, { t: 'dir' } | { t: 'link'; target: string }>();
        const paths: string[] = [];
        fns.forEach(([bdf, up], i) => {
          const base = i === 0 || up % 3 === 0 ? 'sys/devices/pci0000:00' : paths[up % i]!;
          const p = `${base}/${bdf}`;
          paths.push(p);
          files.set(p, { t: 'dir' });
          const name = renamed ? `${String(up % 97).padStart(2, '0')}-${i}` : bdf;
          files.set(`sys/bus/pci/devices/${name}`, { t: 'link', target: `../../../${p.slice(4)}` });
        });
        const found = discoverFunctions(memoryVfs(files, 't'), '', new WarningSink('t'));
        const want = [...found].sort((a, b) => a.depth - b.depth || (a.bdf < b.bdf ? -1 : 1));
        assert.deepEqual(
          found.map((f) => f.bdf),
          want.map((f) => f.bdf),
        );
        assert.equal(found.length, fns.length);
      }),
      { numRuns: 500 },
    );
  });
});
