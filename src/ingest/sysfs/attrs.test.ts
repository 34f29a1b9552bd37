/**
 * `parseResource` reads lines by offsets; these properties hold it to the line-splitting reading it
 * replaced (the oracle below): the same BARs and windows, or the same error, for any text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Bar, BridgeWindow } from '../../pci/types.js';
import { IORESOURCE, parseResource } from './attrs.js';

const ZERO = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
const ROW = /^\s*(0x[0-9a-fA-F]{1,16})\s+(0x[0-9a-fA-F]{1,16})\s+(0x[0-9a-fA-F]{1,16})\s*$/;

/** The reading by `split('\n')`, as it was. */
function oracle(text: string, field: string, isBridge: boolean) {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const n = lines.length;
  const row = (i: number) => {
    const line = lines[i]!;
    if (line === ZERO) return null;
    const m = ROW.exec(line);
    if (!m) throw new Error(`${field}:${i + 1}`);
    const start = BigInt(m[1]!);
    const end = BigInt(m[2]!);
    const flags = Number(BigInt(m[3]!) & 0xffffffffn);
    const type = flags & IORESOURCE.TYPE_BITS;
    const space: 'io' | 'mem' | null =
      type === IORESOURCE.IO ? 'io' : type === IORESOURCE.MEM ? 'mem' : null;
    if (space === null || end < start || (start === 0n && end === 0n)) return null;
    return { start, size: end - start + 1n, flags, space };
  };
  const bars: Bar[] = [];
  const windows: BridgeWindow[] = [];
  const winFrom = isBridge && n >= 11 ? n - 4 : n;
  for (let i = 0; i < n; i++) {
    if (i >= 6 && i < winFrom) {
      if (lines[i] !== ZERO && !ROW.test(lines[i]!)) row(i);
      continue;
    }
    const r = row(i);
    if (r === null) continue;
    if (i < 6) {
      bars.push({
        index: i,
        space: r.space,
        start: r.start,
        size: r.size,
        is64: (r.flags & IORESOURCE.MEM_64) !== 0,
        prefetchable: (r.flags & IORESOURCE.PREFETCH) !== 0,
      });
    } else {
      const pf = r.space === 'mem' && (r.flags & IORESOURCE.PREFETCH) !== 0;
      windows.push({ space: pf ? ('prefetch' as const) : r.space, start: r.start, size: r.size });
    }
  }
  return { bars, windows };
}

const outcome = (run: () => unknown) => {
  try {
    return { ok: run() };
  } catch (e) {
    const field = (e as { location?: { field?: string } }).location?.field ?? (e as Error).message;
    return { error: field };
  }
};

const hex = (bits: number) =>
  fc
    .bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })
    .map((v) => `0x${v.toString(16).padStart(16, '0')}`);
const line = fc.oneof(
  { weight: 6, arbitrary: fc.constant(ZERO) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(hex(40), hex(40), fc.constantFrom(0x100, 0x200, 0x2200, 0x102200, 0x140204, 0))
      .map(([a, b, f]) => `${a} ${b} 0x${f.toString(16).padStart(16, '0')}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\t', `  ${ZERO}  `, `${ZERO}\r`, `${ZERO}x`, `${ZERO}0`),
  },
);

describe('parseResource', () => {
  it('agrees with the line-splitting reading on any resource text', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        (ls, bridge, nl) => {
          const text = ls.join('\n') + (nl ? '\n' : '');
          assert.deepEqual(
            outcome(() => parseResource(text, 'r', bridge)),
            outcome(() => oracle(text, 'r', bridge)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

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
});
