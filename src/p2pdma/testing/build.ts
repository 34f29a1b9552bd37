/** Terse hand-built fabrics for the p2pdma tests. Test-only. */
import {
  ACS,
  type AcsState,
  type Fabric,
  FabricBuilder,
  type FunctionInit,
  type MachineInit,
} from '../../pci/index.js';

export type AcsSpec = 'absent' | 'off' | 'redirect' | 'unknown' | number;

export function acsOf(a: AcsSpec): AcsState {
  if (a === 'absent') return { state: 'absent' };
  if (a === 'unknown') return { state: 'unknown', reason: 'test' };
  if (a === 'off') return { state: 'present', cap: 0x5f, ctrl: ACS.SV };
  if (a === 'redirect')
    return { state: 'present', cap: 0x5f, ctrl: ACS.SV | ACS.RR | ACS.CR | ACS.UF };
  return { state: 'present', cap: 0x7f, ctrl: a };
}

type Kind = 'rp' | 'usp' | 'dsp' | 'ep' | 'hb';
export interface N extends Omit<FunctionInit, 'acs' | 'kind' | 'pcie' | 'classCode'> {
  readonly k: Kind;
  readonly acs?: AcsSpec;
  readonly classCode?: number;
}

const PT = {
  rp: 'root-port',
  usp: 'switch-upstream',
  dsp: 'switch-downstream',
  ep: 'endpoint',
} as const;
const L = { speedGTs: 16, width: 16 };

export const INTEL_ICX: MachineInit = {
  cpu: { vendor: 'GenuineIntel', family: 6, arch: 'x86_64' },
  iommu: { enabled: true },
};
export const AMD_ZEN: MachineInit = {
  cpu: { vendor: 'AuthenticAMD', family: 0x19, arch: 'x86_64' },
  iommu: { enabled: true },
};
export const CPU_UNKNOWN: MachineInit = { iommu: { enabled: true } };

export function fab(
  machine: MachineInit,
  nodes: readonly N[],
  numa: Record<string, number> = {},
): Fabric {
  const b = new FabricBuilder().machine({ name: 'test', ...machine });
  for (const [id, node] of Object.entries(numa)) {
    const m = /^pci([0-9a-f]{4}):([0-9a-f]{2})$/.exec(id)!;
    b.hostBridge({
      id,
      domain: Number.parseInt(m[1]!, 16),
      rootBus: Number.parseInt(m[2]!, 16),
      numaNode: node,
    });
  }
  for (const n of nodes) {
    const { k, acs, classCode, ...rest } = n;
    b.fn({
      driver: null,
      ...rest,
      kind:
        k === 'hb'
          ? 'host-bridge'
          : k === 'rp'
            ? 'root-port'
            : k === 'usp'
              ? 'switch-upstream'
              : k === 'dsp'
                ? 'switch-downstream'
                : 'endpoint',
      classCode: classCode ?? (k === 'hb' ? 0x060000 : k === 'ep' ? 0x030200 : 0x060400),
      pcie: k === 'hb' ? null : { portType: PT[k], linkCap: L, linkStatus: L },
      acs: acsOf(acs ?? (k === 'ep' || k === 'hb' ? 'absent' : 'off')),
    });
  }
  return b.build();
}

/**
 * The standard test machine: host bridge device 00:00.0 [vendor:device], root port 00:01.0 → switch
 * (USP 01:00.0, DSPs 02:00.0 / 02:01.0 / 02:02.0) → endpoints 03:00.0, 04:00.0, an SR-IOV PF 05:00.0
 * with VFs 05:00.1–2; root port 00:02.0 → two-function device 06:00.0/06:00.1; an RCiEP 00:10.0.
 */
export function standard(
  opts: {
    machine?: MachineInit;
    hb?: [number, number] | null;
    dspAcs?: AcsSpec;
    rpAcs?: AcsSpec;
    uspAcs?: AcsSpec;
  } = {},
): Fabric {
  const dsp = opts.dspAcs ?? 'off';
  const hb: N[] =
    opts.hb === null
      ? []
      : [
          {
            k: 'hb',
            bdf: '00:00.0',
            vendor: (opts.hb ?? [0x8086, 0x29c0])[0],
            device: (opts.hb ?? [0x8086, 0x29c0])[1],
          },
        ];
  return fab(opts.machine ?? INTEL_ICX, [
    ...hb,
    { k: 'rp', bdf: '00:01.0', acs: opts.rpAcs ?? 'off' },
    { k: 'usp', bdf: '01:00.0', parent: '00:01.0', acs: opts.uspAcs ?? 'absent' },
    { k: 'dsp', bdf: '02:00.0', parent: '01:00.0', acs: dsp },
    { k: 'dsp', bdf: '02:01.0', parent: '01:00.0', acs: dsp },
    { k: 'dsp', bdf: '02:02.0', parent: '01:00.0', acs: dsp },
    { k: 'ep', bdf: '03:00.0', parent: '02:00.0', name: 'gpu0', driver: 'nvidia' },
    {
      k: 'ep',
      bdf: '04:00.0',
      parent: '02:01.0',
      name: 'nic0',
      driver: 'mlx5_core',
      classCode: 0x020000,
    },
    {
      k: 'ep',
      bdf: '05:00.0',
      parent: '02:02.0',
      name: 'nvme0',
      driver: 'nvme',
      classCode: 0x010802,
    },
    { k: 'ep', bdf: '05:00.1', parent: '02:02.0', physfn: '05:00.0', classCode: 0x010802 },
    { k: 'ep', bdf: '05:00.2', parent: '02:02.0', physfn: '05:00.0', classCode: 0x010802 },
    { k: 'rp', bdf: '00:02.0', acs: opts.rpAcs ?? 'off' },
    { k: 'ep', bdf: '06:00.0', parent: '00:02.0', name: 'fn0' },
    {
      k: 'ep',
      bdf: '06:00.1',
      parent: '00:02.0',
      name: 'fn1',
      driver: 'e1000e',
      classCode: 0x020000,
    },
    { k: 'ep', bdf: '00:10.0', name: 'rciep', classCode: 0x120000 },
  ]);
}

/**
 * Host bridge device 00:00.0 [ids] with two root ports and an endpoint below each (01:00.0,
 * 02:00.0), or (`twoBridges`) a second host bridge in domain 1 with the same layout.
 */
export function hbFabric(
  ids: [number, number],
  twoBridges: boolean,
  machine: MachineInit = INTEL_ICX,
): Fabric {
  const nodes: N[] = [
    { k: 'hb', bdf: '00:00.0', vendor: ids[0], device: ids[1] },
    { k: 'rp', bdf: '00:01.0' },
    { k: 'ep', bdf: '01:00.0', parent: '00:01.0' },
  ];
  if (twoBridges) {
    nodes.push(
      { k: 'hb', bdf: '0001:00:00.0', vendor: ids[0], device: ids[1] },
      { k: 'rp', bdf: '0001:00:01.0' },
      { k: 'ep', bdf: '0001:01:00.0', parent: '0001:00:01.0' },
    );
  } else nodes.push({ k: 'rp', bdf: '00:02.0' }, { k: 'ep', bdf: '02:00.0', parent: '00:02.0' });
  return fab(machine, nodes);
}
