/**
 * Small hand-built fabrics for tests across the project. Test-only (excluded from the build).
 */
import { ACS, type AcsState, type Fabric, FabricBuilder } from '../index.js';

const acsOn: AcsState = { state: 'present', cap: 0x5f, ctrl: ACS.SV | ACS.RR | ACS.CR | ACS.UF };
const acsOff: AcsState = { state: 'present', cap: 0x5f, ctrl: 0 };
const pcie = (portType: 'root-port' | 'switch-upstream' | 'switch-downstream' | 'endpoint') => ({
  portType,
  linkCap: { speedGTs: 16, width: 16 },
  linkStatus: { speedGTs: 16, width: 16 },
});

/**
 * One host bridge (device 8086:09a2 at 00.0), a root port 00:01.0 with a switch (USP 01:00.0,
 * DSPs 02:00.0 and 02:01.0) holding endpoints 03:00.0 and 04:00.0, a second root port 00:02.0 with
 * endpoint 05:00.0 (two functions: 05:00.0 and 05:00.1). `redirect` sets RR|CR on the DSPs.
 */
export function switchFabric(
  opts: { redirect?: boolean; cpuVendor?: string; cpuFamily?: number } = {},
): Fabric {
  const dspAcs = opts.redirect ? acsOn : acsOff;
  return new FabricBuilder()
    .machine({
      name: 'switch-fabric',
      cpu: {
        vendor: opts.cpuVendor ?? 'GenuineIntel',
        family: opts.cpuFamily ?? 6,
        model: 106,
        arch: 'x86_64',
      },
    })
    .hostBridge({ domain: 0, rootBus: 0, numaNode: 0 })
    .fn({
      bdf: '0000:00:00.0',
      vendor: 0x8086,
      device: 0x09a2,
      classCode: 0x060000,
      pcie: null,
      acs: { state: 'absent' },
    })
    .fn({
      bdf: '0000:00:01.0',
      classCode: 0x060400,
      pcie: pcie('root-port'),
      acs: acsOff,
      buses: { secondary: 1, subordinate: 4 },
    })
    .fn({
      bdf: '0000:01:00.0',
      parent: '0000:00:01.0',
      classCode: 0x060400,
      pcie: pcie('switch-upstream'),
      acs: { state: 'absent' },
    })
    .fn({
      bdf: '0000:02:00.0',
      parent: '0000:01:00.0',
      classCode: 0x060400,
      pcie: pcie('switch-downstream'),
      acs: dspAcs,
    })
    .fn({
      bdf: '0000:02:01.0',
      parent: '0000:01:00.0',
      classCode: 0x060400,
      pcie: pcie('switch-downstream'),
      acs: dspAcs,
    })
    .fn({
      bdf: '0000:03:00.0',
      name: 'accel0',
      parent: '0000:02:00.0',
      vendor: 0x1da3,
      device: 0x1020,
      classCode: 0x120000,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
    })
    .fn({
      bdf: '0000:04:00.0',
      name: 'nic0',
      parent: '0000:02:01.0',
      vendor: 0x15b3,
      device: 0x101b,
      classCode: 0x020700,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
    })
    .fn({ bdf: '0000:00:02.0', classCode: 0x060400, pcie: pcie('root-port'), acs: acsOff })
    .fn({
      bdf: '0000:05:00.0',
      name: 'gpu0',
      parent: '0000:00:02.0',
      classCode: 0x030200,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
    })
    .fn({
      bdf: '0000:05:00.1',
      parent: '0000:00:02.0',
      classCode: 0x040300,
      pcie: pcie('endpoint'),
      acs: { state: 'absent' },
    })
    .build();
}
