import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ViolationLog } from '../../core/violations.js';
import { Iommu, type IommuMode } from '../../iommu/index.js';
import { P2pdma } from '../../p2pdma/index.js';
import { DmaApi } from '../api.js';
import { resolveDma } from '../resolve.js';
import { ACCEL_BAR, ACCEL_BAR_SIZE, testFabric } from '../testing/fabric.js';
import { dmaDevice, type MapType, type PhysRange } from '../types.js';
import { runStrategy, STRATEGY_NAMES } from './index.js';

const PAGE = 4096n;

/** The real P2PDMA map type of the fabric (src/p2pdma), injected as a function. */
function realMapType(p2p: P2pdma) {
  return (
    provider: Parameters<P2pdma['mapType']>[0],
    client: Parameters<P2pdma['mapType']>[1],
  ): MapType => {
    if (!p2p.hasState(provider)) p2p.addProvider(provider);
    const a = p2p.mapType(provider, client);
    return typeof a === 'string' ? a : 'UNKNOWN';
  };
}

/** Export byte k → BAR offset, from the chunk list. */
function expectedOffsets(chunks: readonly PhysRange[]): (k: bigint) => bigint {
  return (k) => {
    let left = k;
    for (const c of chunks) {
      if (left < c.len) return c.phys + left - ACCEL_BAR;
      left -= c.len;
    }
    throw new Error('beyond export');
  };
}

const exportArb = fc
  .array(
    fc.record({ gap: fc.integer({ min: 0, max: 600 }), pages: fc.integer({ min: 1, max: 80 }) }),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((parts) => {
    const chunks: PhysRange[] = [];
    let off = 0n;
    for (const p of parts) {
      off += BigInt(p.gap) * PAGE;
      chunks.push({ phys: ACCEL_BAR + off, len: BigInt(p.pages) * PAGE });
      off += BigInt(p.pages) * PAGE;
    }
    return chunks;
  })
  .filter((cs) => cs[cs.length - 1]!.phys + cs[cs.length - 1]!.len <= ACCEL_BAR + ACCEL_BAR_SIZE);

test('every strategy resolves every byte to the same device byte, and unmap restores the IOMMU', () => {
  fc.assert(
    fc.property(
      exportArb,
      fc.constantFrom<IommuMode>('none', 'passthrough', 'strict', 'lazy'),
      fc.boolean(), // ACS redirect on the switch
      fc.constantFrom('nic0', 'gpu0'),
      fc.constantFrom(0n, 1n << 40n), // host-bridge bus offset
      fc.constantFrom(64n * 1024n, 2n << 30n), // importer max segment
      fc.constantFrom(0, 1, 2), // direction
      (chunks, mode, redirect, clientName, busOffset, maxSeg, dir) => {
        const fabric = testFabric({ redirect });
        const violations = new ViolationLog();
        const iommu = new Iommu(fabric, { mode }, { violations });
        const api = new DmaApi({
          iommu,
          mapType: realMapType(new P2pdma(fabric)),
          violations,
          busOffset: () => busOffset,
        });
        const provider = fabric.resolve('accel0');
        const client = dmaDevice(fabric.resolve(clientName), { maxSegSize: maxSeg });
        iommu.domainOf(client.fn);
        const before = iommu.snapshot();
        const want = expectedOffsets(chunks);
        const total = chunks.reduce((a, c) => a + c.len, 0n);
        for (const s of STRATEGY_NAMES) {
          const r = runStrategy(s, { api, provider, client, chunks, dir });
          assert.ok(r.ok, `${s}: ${r.ok ? '' : r.message}`);
          const m = r.value;
          assert.equal(
            m.segments.reduce((a, x) => a + x.len, 0n),
            total,
            s,
          );
          const access = dir === 1 ? 'read' : 'write';
          let k = 0n;
          for (const seg of m.segments) {
            // The first and last byte of the segment and every page boundary inside it.
            const probes = new Set<bigint>([0n, seg.len - 1n]);
            for (let o = PAGE - (seg.dmaAddr % PAGE); o < seg.len; o += PAGE) probes.add(o);
            for (const o of probes) {
              const t = resolveDma(api, client, seg.dmaAddr + o, access);
              const hit =
                t.ok &&
                t.value.kind === 'bar' &&
                t.value.fn === provider &&
                t.value.offset === want(k + o);
              // Spec §4.2.3 surprise: the direct path hands out CPU physical addresses, which are
              // wrong on a host bridge with a bus offset; bus addresses and IOVAs are right.
              const mustHit = seg.busAddr || iommu.translating(client.fn) || busOffset === 0n;
              assert.equal(hit, mustHit, `${s} ${mode} seg@${seg.dmaAddr.toString(16)}+${o}`);
            }
            k += seg.len;
          }
          m.unmap();
          iommu.flushAll();
          assert.deepEqual(iommu.snapshot(), before, `${s} ${mode}: teardown mirrors setup`);
        }
        assert.deepEqual(violations.all, []);
      },
    ),
    { numRuns: 60, seed: 42 },
  );
});

test('map types the strategies react to: NOT_SUPPORTED fails p2p-pages (EREMOTEIO) and phys-vec (EINVAL)', () => {
  const fabric = testFabric();
  const violations = new ViolationLog();
  const iommu = new Iommu(fabric, { mode: 'strict' }, { violations });
  const api = new DmaApi({ iommu, mapType: () => 'NOT_SUPPORTED', violations });
  const input = {
    api,
    provider: fabric.resolve('accel0'),
    client: dmaDevice(fabric.resolve('nic0')),
    chunks: [{ phys: ACCEL_BAR, len: 2n * 1024n * 1024n }],
    dir: 0,
  };
  const pages = runStrategy('p2p-pages', input);
  assert.equal(pages.ok ? 'ok' : pages.errno, 'EREMOTEIO');
  const pv = runStrategy('phys-vec', input);
  assert.equal(pv.ok ? 'ok' : pv.errno, 'EINVAL');
  // The resource path does not ask: it maps through the IOMMU regardless.
  const mr = runStrategy('map-resource', input);
  assert.ok(mr.ok);
  assert.equal(mr.value.ledger.counts.iovaAllocs, 32); // 2 MiB split at the 64 KiB default max segment
});
