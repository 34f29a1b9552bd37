/** The `resource` attribute: BARs, bridge windows, and errors naming the line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseKernelResource, parseResource, parseResourceLines } from './attrs.js';

const ZERO = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
describe('parseResource', () => {
  it('keeps a bridge’s last four lines as windows and skips all-zero rows', () => {
    const rows = Array.from({ length: 17 }, () => ZERO);
    rows[0] = '0x00000000e1f00000 0x00000000e1f0ffff 0x0000000000140204';
    rows[14] = '0x00000000e0000000 0x00000000e01fffff 0x0000000000000200';
    const { bars, windows } = parseResource(`${rows.join('\n')}\n`, 'r', true);
    assert.deepEqual(
      bars.map((b) => [b.index, b.space, b.size, b.is64]),
      [[0, 'mem', 0x10000n, true]],
    );
    assert.deepEqual(windows, [{ space: 'mem', start: 0xe0000000n, size: 0x200000n }]);
  });

  it('names the line of a malformed row', () => {
    assert.throws(
      () => parseResource(`${ZERO}\n${ZERO}\nbad\n`, 'dev/resource', false),
      (e: { location?: { field?: string } }) => e.location?.field === 'dev/resource:3',
    );
  });

  it('reads the kernel’s rows as the line-by-line reading does, and leaves it any other spelling', () => {
    const h = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;
    const u64 = fc.oneof(
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      fc.constantFrom(0n, 0xe0000000n, 0xe01fffffn, 0x100000000n, 0xffffffffn),
    );
    const flags = fc.oneof(
      fc.constantFrom(0n, 0x100n, 0x200n, 0x2200n, 0x140204n, 0x14220cn, 0x1_0000_0200n),
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
    );
    const row = fc.oneof(
      fc.constant(ZERO),
      fc.tuple(u64, u64, flags).map(([a, b, f]) => `${h(a)} ${h(b)} ${h(f)}`),
      // start ≤ end, as most real rows are
      fc.tuple(u64, fc.bigInt({ min: 0n, max: 0xffffffffn }), flags).map(([a, n, f]) => {
        const e = a + n > 0xffffffffffffffffn ? a : a + n;
        return `${h(a)} ${h(e)} ${h(f)}`;
      }),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 17 }), fc.boolean(), (rows, bridge) => {
        const text = `${rows.join('\n')}\n`;
        assert.deepEqual(parseKernelResource(text, bridge), parseResourceLines(text, 'r', bridge));
      }),
      { numRuns: 2000 },
    );
    // Not as the kernel prints it: the text decides (and names the line of an error).
    const row0 = '0x00000000e1f00000 0x00000000e1f0ffff 0x0000000000140204';
    for (const odd of [
      `${row0}`,
      `${row0.toUpperCase().replace(/0X/g, '0x')}\n`,
      `${row0} \n`,
      `${row0}\n\n`,
      ` ${row0}\n`,
      `${row0.replace(' ', '\t')}\n`,
      '',
    ]) {
      assert.equal(parseKernelResource(odd, false), null, JSON.stringify(odd));
    }
  });
});
