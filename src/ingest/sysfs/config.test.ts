import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PeerdmaError } from '../../errors/index.js';
import { ACS, type PciePortType } from '../../pci/types.js';
import { parseConfig } from './config.js';
import { makeConfig } from './synth.js';

const F = 'sys/devices/pci0000:00/0000:00:04.0/config';

function throwsParse(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(
    () => parseConfig(bytes, F),
    (e: unknown) =>
      e instanceof PeerdmaError &&
      e.code === 'E_PARSE' &&
      e.location.field === F &&
      pattern.test(e.message),
  );
}

describe('parseConfig', () => {
  it('reads a root port with ACS from a full 4096-byte image', () => {
    const ctrl = ACS.SV | ACS.RR | ACS.CR | ACS.UF;
    const c = parseConfig(
      makeConfig({
        classCode: 0x060400,
        portType: 'root-port',
        linkCap: { code: 4, width: 16 },
        linkStatus: { code: 3, width: 8 },
        buses: { primary: 0, secondary: 1, subordinate: 5 },
        acs: { cap: 0x5f, ctrl },
      }),
      F,
    );
    assert.equal(c.headerType, 1);
    assert.deepEqual(c.buses, { secondary: 1, subordinate: 5 });
    assert.deepEqual(c.pcie, {
      portType: 'root-port',
      linkCap: { speedGTs: 16, width: 16 },
      linkStatus: { speedGTs: 8, width: 8 },
      // DevCtl 0: Max Payload and Max Read Request codes 0 = 128 bytes
      mps: 128,
      mrrs: 128,
    });
    assert.deepEqual(c.acs, { state: 'present', cap: 0x5f, ctrl });
    assert.equal(c.ids?.classCode, 0x060400);
  });

  it("a bridge's subsystem ids: its SSVID capability, 0 without one, null past the bytes read", () => {
    const bridge = { classCode: 0x060400, buses: { primary: 0, secondary: 1, subordinate: 1 } };
    const sub = { vendor: 0x15b3, device: 0x0007 };
    const withCap = parseConfig(
      makeConfig({ ...bridge, portType: 'root-port', subsystem: sub }),
      F,
    );
    assert.deepEqual(withCap.ids?.subsystem, sub);
    assert.equal(withCap.pcie !== 'unknown' && withCap.pcie?.portType, 'root-port');
    // kernel pci_setup_device: no SSVID capability on a whole list leaves the ids 0
    const none = parseConfig(makeConfig({ ...bridge, portType: 'root-port' }), F);
    assert.deepEqual(none.ids?.subsystem, { vendor: 0, device: 0 });
    // 64 bytes: the list starts past them, so the ids are not known from config
    const cut = parseConfig(makeConfig({ ...bridge, subsystem: sub, size: 64 }), F);
    assert.equal(cut.ids?.subsystem, null);
    // a type 0 header has them at 0x2c
    const ep = parseConfig(makeConfig({ subsystem: sub, size: 64 }), F);
    assert.deepEqual(ep.ids?.subsystem, sub);
  });

  it('full extended space without an ACS capability is absent; SR-IOV is read', () => {
    const c = parseConfig(
      makeConfig({ portType: 'endpoint', sriov: { totalVfs: 8, numVfs: 2 } }),
      F,
    );
    assert.deepEqual(c.acs, { state: 'absent' });
    assert.ok(c.sriov !== null && c.sriov !== 'unknown');
    assert.equal(c.sriov.totalVfs, 8);
    assert.equal(c.sriov.numVfs, 2);
  });

  it('a PCIe function with only 256 bytes has unknown ACS (no extended space captured)', () => {
    const c = parseConfig(
      makeConfig({ portType: 'endpoint', acs: { cap: 1, ctrl: 1 }, size: 256 }),
      F,
    );
    assert.equal(c.acs.state, 'unknown');
    assert.match((c.acs as { reason: string }).reason, /256 bytes/);
    assert.equal((c.pcie as { portType: string }).portType, 'endpoint');
  });

  it('64 bytes (non-root reader): capability list unreachable, PCIe and ACS unknown', () => {
    const c = parseConfig(makeConfig({ portType: 'endpoint', size: 64 }), F);
    assert.equal(c.pcie, 'unknown');
    assert.equal(c.acs.state, 'unknown');
    assert.equal(c.ids?.vendor, 0x1b36);
  });

  it('conventional PCI (no capability list): not PCIe, no ACS', () => {
    const c = parseConfig(makeConfig({ size: 256 }), F);
    assert.equal(c.pcie, null);
    assert.deepEqual(c.acs, { state: 'absent' });
  });

  it('under 64 bytes: header unknown', () => {
    const c = parseConfig(new Uint8Array(20), F);
    assert.equal(c.ids, null);
    assert.equal(c.acs.state, 'unknown');
  });

  it('RC integrated endpoints have no link registers', () => {
    const c = parseConfig(makeConfig({ portType: 'rc-integrated-endpoint' }), F);
    assert.deepEqual(c.pcie, {
      portType: 'rc-integrated-endpoint',
      linkCap: null,
      linkStatus: null,
      mps: 128,
      mrrs: 128,
    });
  });

  it('a link that is down (width 0) or an unknown speed code is unknown', () => {
    const c = parseConfig(
      makeConfig({ portType: 'switch-downstream', linkCap: { code: 0, width: 0 } }),
      F,
    );
    assert.deepEqual(c.pcie, {
      portType: 'switch-downstream',
      linkCap: 'unknown',
      linkStatus: 'unknown',
      mps: 128,
      mrrs: 128,
    });
  });

  it('capability list loops are typed errors naming the attribute', () => {
    const b = makeConfig({ portType: 'endpoint' }).slice();
    b[0x41] = 0x40; // PCIe capability points to itself
    throwsParse(b, /loops/);
  });

  it('a capability pointer into the header is an error', () => {
    const b = makeConfig({ portType: 'endpoint' }).slice();
    b[0x34] = 0x10;
    throwsParse(b, /header/);
  });

  it('extended capability loops and pointers below 0x100 are errors', () => {
    const loop = makeConfig({ portType: 'endpoint', acs: { cap: 1, ctrl: 0 } }).slice();
    loop[0x102] = (loop[0x102]! & 0x0f) | 0x00; // next = 0x100 (itself)
    loop[0x103] = 0x10;
    throwsParse(loop, /loops/);
    const low = makeConfig({ portType: 'endpoint', acs: { cap: 1, ctrl: 0 } }).slice();
    low[0x103] = 0x08; // next = 0x080
    throwsParse(low, /below 0x100/);
  });

  it('a reserved PCIe port type is an error', () => {
    const b = makeConfig({ portType: 'endpoint' }).slice();
    b[0x42] = 0x32; // port type 3 (reserved)
    throwsParse(b, /reserved port type 3/);
  });

  it('reads a config held without its trailing zeros as the whole image (any cut)', () => {
    const outcome = (f: () => unknown) => {
      try {
        return { ok: f() };
      } catch (e) {
        return { error: e instanceof PeerdmaError ? e.message : String(e) };
      }
    };
    // Keys left out at random (a conventional function, no ACS, no SR-IOV, the link as capable).
    const spec = fc.record(
      {
        portType: fc.constantFrom<PciePortType>(
          'endpoint',
          'root-port',
          'switch-upstream',
          'rc-integrated-endpoint',
        ),
        classCode: fc.constantFrom(0x020000, 0x060400, 0x030200),
        size: fc.constantFrom(64, 256, 4096),
        acs: fc.record({ cap: fc.nat(0xffff), ctrl: fc.nat(0xffff) }),
        sriov: fc.record({ totalVfs: fc.nat(64), numVfs: fc.nat(64) }),
        // A link that is down leaves the capability's last bytes zero: held without them.
        linkStatus: fc.constantFrom({ code: 0, width: 0 }, { code: 4, width: 8 }),
      },
      { requiredKeys: ['classCode', 'size'] },
    );
    const pokes = fc.array(fc.tuple(fc.nat(4095), fc.nat(255)), { maxLength: 6 });
    fc.assert(
      fc.property(spec, pokes, fc.oneof(fc.constant(0), fc.nat(64)), (s, ps, extra) => {
        const whole = makeConfig(s).slice();
        for (const [at, v] of ps) if (at < whole.length) whole[at] = v;
        let end = whole.length;
        while (end > 0 && whole[end - 1] === 0) end--;
        const cut = Math.min(whole.length, end + extra);
        const held = whole.slice(0, cut);
        assert.deepEqual(
          outcome(() => parseConfig(held, F, whole.length)),
          outcome(() => parseConfig(whole, F)),
        );
      }),
      { numRuns: 400 },
    );
  });
});
