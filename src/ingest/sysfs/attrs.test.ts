/** The `resource` attribute: BARs, bridge windows, and errors naming the line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResource } from './attrs.js';

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
});
