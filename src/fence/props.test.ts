/** Property tests: seqno order, chain find_seqno, unwrap_merge (fast-check, fixed seeds). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { dmaFenceArrayCreate } from './array.js';
import { chainContained, dmaFenceChainCreate, dmaFenceChainFindSeqno, toChain } from './chain.js';
import type { DmaFence } from './fence.js';
import { seqnoIsLater } from './seqno.js';
import { makeHarness } from './testing/harness.js';
import { dmaFenceUnwrap, dmaFenceUnwrapMerge } from './unwrap.js';

const U64 = 1n << 64n;
const WINDOW = 2 ** 31 - 1;
const run = { seed: 20261125, numRuns: 300 } as const;

describe('seqno ordering', () => {
  test('within a 2^31 window, 32-bit wrap-around is the order of the offsets', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64 - 1n }),
        fc.integer({ min: 0, max: WINDOW - 1 }),
        fc.integer({ min: 0, max: WINDOW - 1 }),
        fc.integer({ min: 0, max: WINDOW - 1 }),
        (base, x, y, z) => {
          const s = (o: number) => BigInt.asUintN(64, base + BigInt(o));
          const later = (a: number, b: number) => seqnoIsLater(s(a), s(b), false);
          assert.equal(later(x, y), x > y);
          assert.ok(!(later(x, y) && later(y, x)), 'antisymmetric');
          if (later(x, y) && later(y, z)) assert.ok(later(x, z), 'transitive');
          assert.equal(later(x, x), false, 'irreflexive');
        },
      ),
      run,
    );
  });

  test('64-bit seqnos compare plainly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64 - 1n }),
        fc.bigInt({ min: 0n, max: U64 - 1n }),
        (a, b) => {
          assert.equal(seqnoIsLater(a, b, true), a > b);
        },
      ),
      run,
    );
  });
});

describe('chain find_seqno', () => {
  test('returns the covering link, an earlier pending link, or null when all up to seqno signalled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 5 }), signaled: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.nat(),
        (links, pick) => {
          const h = makeHarness({ strict: true });
          const fences: DmaFence[] = [];
          const chains: DmaFence[] = [];
          let seqno = 0n;
          for (const l of links) {
            seqno += BigInt(l.gap);
            const f = h.sys.mockFence();
            const prev = chains.at(-1)?.get() ?? null;
            chains.push(dmaFenceChainCreate(h.sys, prev, f.get(), seqno));
            fences.push(f);
          }
          const q = BigInt(1 + (pick % Number(seqno)));
          const exact = chains.find((c) => c.seqno >= q)!;
          // Without any signal, the answer is exactly the covering link.
          const r0 = dmaFenceChainFindSeqno(chains.at(-1)!.get(), q);
          assert.ok(r0.ok && r0.value === exact);
          r0.value?.put();
          for (const [i, l] of links.entries()) if (l.signaled) fences[i]!.signal();
          const r = dmaFenceChainFindSeqno(chains.at(-1)!.get(), q);
          assert.ok(r.ok);
          const got = r.value;
          if (got === null) {
            assert.ok(chains.every((c, i) => c.seqno > exact.seqno || fences[i]!.signaledFlag));
          } else {
            const covers = got === exact;
            const earlierPending = got.seqno < q && !chainContained(got).isSignaled();
            assert.ok(covers || earlierPending, `q=${q} got ${got.seqno}`);
            assert.ok(toChain(got));
            got.put();
          }
          for (const f of fences) if (!f.signaledFlag) f.signal();
          for (const x of [...chains, ...fences]) x.put();
          assert.equal(h.sys.liveObjects().fences, 0);
        },
      ),
      run,
    );
  });
});

describe('unwrap_merge', () => {
  test('each unsignalled context exactly once, with its latest fence, sorted by context', () => {
    const spec = fc.array(
      fc.record({
        ctx: fc.integer({ min: 0, max: 4 }),
        signaled: fc.boolean(),
        wrap: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 1, maxLength: 16 },
    );
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 4 }), (items, chunk) => {
        const h = makeHarness({ strict: true });
        const ctxs = Array.from({ length: 5 }, () => h.sys.contextAlloc(1));
        const nextSeq = new Map<number, bigint>();
        const fences = items.map((it) => {
          const s = (nextSeq.get(it.ctx) ?? 0n) + 1n;
          nextSeq.set(it.ctx, s);
          return h.sys.mockFence(s, ctxs[it.ctx]!);
        });
        // Inputs: chunks of leaves, each passed plain, as an array, or as a chain of links.
        const inputs: DmaFence[] = [];
        for (let i = 0; i < fences.length; i += chunk) {
          const part = fences.slice(i, i + chunk);
          const wrap = items[i]!.wrap;
          if (wrap === 0) inputs.push(...part.map((f) => f.get()));
          else if (wrap === 1)
            inputs.push(
              dmaFenceArrayCreate(
                h.sys,
                part.map((f) => f.get()),
                h.sys.contextAlloc(1),
                1n,
                false,
              ),
            );
          else {
            let link: DmaFence | null = null;
            for (const [k, f] of part.entries()) {
              link = dmaFenceChainCreate(h.sys, link, f.get(), BigInt(k + 1));
            }
            inputs.push(link!);
          }
        }
        for (const [i, it] of items.entries()) if (it.signaled) fences[i]!.signal();
        const merged = dmaFenceUnwrapMerge(h.sys, ...inputs);
        const leaves = [...dmaFenceUnwrap(merged)].filter((f) => !f.isSignaled());
        const expected = ctxs
          .map((c) => fences.filter((f) => f.context === c && !f.signaledFlag).at(-1))
          .filter((f): f is DmaFence => f !== undefined);
        assert.deepEqual(leaves, expected);
        if (expected.length === 0) assert.equal(merged.isSignaled(), true);
        for (const f of fences) if (!f.signaledFlag) f.signal();
        for (const x of [merged, ...inputs, ...fences]) x.put();
        assert.equal(h.sys.liveObjects().fences, 0);
        assert.equal(h.sys.liveObjects().callbacks, 0);
      }),
      run,
    );
  });
});
