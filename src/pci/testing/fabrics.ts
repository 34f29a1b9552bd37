/**
 * Small hand-built fabrics for tests across the project. Test-only (excluded from the build).
 */
import { type Fabric, FabricBuilder } from '../index.js';
import { acsPresent, bridgeFn, HOST_BRIDGE_FN, pcie } from './parts.js';

const acsOn = acsPresent(true);
const acsOff = acsPresent(false);

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
    .fn(HOST_BRIDGE_FN)
    .fn(bridgeFn('0000:00:01.0', 'root-port', acsOff, { buses: { secondary: 1, subordinate: 4 } }))
    .fn(
      bridgeFn('0000:01:00.0', 'switch-upstream', { state: 'absent' }, { parent: '0000:00:01.0' }),
    )
    .fn(bridgeFn('0000:02:00.0', 'switch-downstream', dspAcs, { parent: '0000:01:00.0' }))
    .fn(bridgeFn('0000:02:01.0', 'switch-downstream', dspAcs, { parent: '0000:01:00.0' }))
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
    .fn(bridgeFn('0000:00:02.0', 'root-port', acsOff))
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
