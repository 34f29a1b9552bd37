import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../testing/run.js';

describe('peerdma serve (usage)', () => {
  it('refuses a bad --port and a missing --from with one line and exit 2, before listening', async () => {
    for (const [args, re] of [
      [
        ['serve', '--port', 'abc'],
        /^peerdma: --port 'abc' is not a port number \(0-65535\) \[E_USAGE\]\n$/,
      ],
      [['serve', '--port', '70000'], /E_USAGE/],
      [
        ['serve', '--from', '/nonexistent/x.yaml', '--port', '0'],
        /^peerdma: \/nonexistent\/x\.yaml: .*\[E_IO\]\n$/,
      ],
    ] as const) {
      const r = await runCli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
  });
  it('is listed in the help', async () => {
    const r = await runCli(['--help']);
    assert.match(r.stdout, /serve \[options\]/);
  });
});
