/**
 * Differential check: what the lspci loader reads from each kernel-oracle machine's lspci text equals
 * what the same guest's sysfs capture (attribute files and raw config space) says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PCIE_PORT_TYPE_CODES, UNKNOWN } from '../../pci/types.js';
import { loadLspci } from './index.js';
import { MACHINES, oracleInput } from './testing/fixtures.js';
import { sysfsFacts } from './testing/sysfs-facts.js';

/** Link register speed code → GT/s (PCIe spec 7.5.3.6). */
const SPEED = [0, 2.5, 5, 8, 16, 32, 64];
const link = (reg: number) => {
  const speedGTs = SPEED[reg & 0xf];
  return speedGTs ? { speedGTs, width: (reg >> 4) & 0x3f } : UNKNOWN;
};

for (const m of MACHINES) {
  test(`${m}: lspci facts equal the sysfs capture's`, () => {
    const { fabric } = loadLspci([
      oracleInput(m, 'lspci-tvnn.txt'),
      oracleInput(m, 'lspci-vvvnn.txt'),
    ]);
    const sys = sysfsFacts(m);
    assert.deepEqual(
      fabric.functions.map((f) => f.bdf),
      [...sys.keys()].sort(),
    );
    const anyGroup = [...sys.values()].some((s) => s.iommuGroup !== null);
    const anyNuma = [...sys.values()].some((s) => s.numaNode !== -1);
    for (const f of fabric.functions) {
      const s = sys.get(f.bdf)!;
      const at = `${m} ${f.bdf}`;
      assert.deepEqual(
        [f.parent, f.hostBridge, f.vendor, f.device, f.classCode, f.revision, f.driver, f.physfn],
        [s.parent, s.hostBridge, s.vendor, s.device, s.classCode, s.revision, s.driver, s.physfn],
        at,
      );
      assert.equal(f.iommuGroup, anyGroup ? s.iommuGroup : UNKNOWN, at);
      assert.equal(f.numaNode, anyNuma ? s.numaNode : UNKNOWN, at);
      assert.deepEqual(
        f.acs,
        s.acs ? { state: 'present', ...s.acs } : { state: 'absent' },
        `${at}: ACS`,
      );
      if (s.portType === null) {
        assert.equal(f.pcie, null, at);
        continue;
      }
      assert.ok(f.pcie !== null && f.pcie !== UNKNOWN, at);
      assert.equal(f.pcie.portType, PCIE_PORT_TYPE_CODES[s.portType], at);
      assert.deepEqual(f.pcie.linkCap, s.lnkCap === null ? null : link(s.lnkCap), `${at}: LnkCap`);
      assert.deepEqual(
        f.pcie.linkStatus,
        s.lnkSta === null ? null : link(s.lnkSta),
        `${at}: LnkSta`,
      );
    }
  });
}
