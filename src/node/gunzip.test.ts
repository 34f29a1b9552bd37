import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { GunzipError, gunzipPieces } from './gunzip.js';

/** Every piece copied (the fast path reuses its buffer), and the sizes seen. */
async function unpack(bytes: Uint8Array, opts: { piece?: number; stream?: boolean }) {
  const pieces: Buffer[] = [];
  await gunzipPieces(bytes, (p) => pieces.push(Buffer.from(p)), opts);
  return { data: Buffer.concat(pieces), sizes: pieces.map((p) => p.length) };
}

const failure = async (bytes: Uint8Array, opts: { stream?: boolean }) => {
  try {
    await unpack(bytes, opts);
  } catch (e) {
    return e instanceof GunzipError ? `GunzipError: ${e.message}` : String(e);
  }
  return 'no error';
};

describe('gunzipPieces', () => {
  it('reused pieces and the stream give the same bytes, whatever the piece size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.integer({ min: 64, max: 5000 }),
        fc.integer({ min: 0, max: 3 }),
        async (data, piece, zeros) => {
          const body = Buffer.concat([data, Buffer.alloc(zeros * 10_000)]);
          const gz = gzipSync(body);
          const fast = await unpack(gz, { piece });
          const slow = await unpack(gz, { piece, stream: true });
          assert.deepEqual(fast.data, body);
          assert.deepEqual(slow.data, body);
          for (const s of fast.sizes) assert.ok(s > 0 && s <= piece);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads every member of a multi-member gzip, as the stream does', async () => {
    const two = Buffer.concat([gzipSync(Buffer.from('abc')), gzipSync(Buffer.from('def'))]);
    assert.equal((await unpack(two, { piece: 64 })).data.toString(), 'abcdef');
    assert.equal((await unpack(two, { stream: true })).data.toString(), 'abcdef');
  });

  it('corrupt, truncated and non-gzip input fail with the same zlib message both ways', async () => {
    const good = gzipSync(Buffer.alloc(100_000, 7));
    const flipped = Buffer.from(good);
    flipped[20] = flipped[20]! ^ 0xff;
    const cases = [
      flipped,
      good.subarray(0, good.length - 30),
      Buffer.from('not gzip'),
      Buffer.alloc(0),
    ];
    for (const bytes of cases) {
      const fast = await failure(bytes, {});
      assert.match(fast, /^GunzipError: /);
      assert.equal(fast, await failure(bytes, { stream: true }));
    }
  });

  it('an error thrown by the sink stops the inflating and propagates unchanged', async () => {
    const gz = gzipSync(Buffer.alloc(1 << 20, 1));
    for (const stream of [false, true]) {
      let calls = 0;
      const stop = new Error('stop');
      await assert.rejects(
        gunzipPieces(
          gz,
          () => {
            if (++calls === 2) throw stop;
          },
          { piece: 4096, stream },
        ),
        (e) => e === stop,
      );
      assert.equal(calls, 2);
    }
  });
});
