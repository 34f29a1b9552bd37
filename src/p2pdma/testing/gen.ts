/**
 * Generated fabrics for property tests and the benchmark. Deterministic from a seed (no Math.random).
 * Test-only (excluded from the build).
 */
import {
  ACS,
  type AcsState,
  type Fabric,
  FabricBuilder,
  type FunctionInit,
} from '../../pci/index.js';

export { rng } from '../../util/rng.js';

import { rng } from '../../util/rng.js';

const link = (g: number, w: number) => ({ speedGTs: [2.5, 5, 8, 16, 32][g - 1]!, width: w });
const pcie = (
  portType:
    | 'root-port'
    | 'switch-upstream'
    | 'switch-downstream'
    | 'endpoint'
    | 'rc-integrated-endpoint',
  g = 4,
  w = 16,
) => ({
  portType,
  linkCap: link(g, w),
  linkStatus: link(g, w),
});
const MEM = (size: bigint) => [
  { index: 0, space: 'mem' as const, start: 0xe0000000n, size, is64: true, prefetchable: true },
];

export interface GenOptions {
  /** Allow facts to be unknown (ACS, CPU, host-bridge ids). */
  readonly unknowns?: boolean;
  readonly maxHostBridges?: number;
}

const hbIds: readonly [number, number][] = [
  [0x8086, 0x2020], // allowlisted (6.1+)
  [0x8086, 0x3c00], // allowlisted, REQ_SAME_HOST_BRIDGE
  [0x8086, 0x29c0], // not listed (QEMU q35)
  [0x1022, 0x1480], // AMD: not listed
  [0x1ae0, 0x0042], // Google wildcard (6.19 only)
];

/** A random fabric: host bridges, root ports, switch trees, multi-function devices, SR-IOV. */
export function randomFabric(seed: number, opts: GenOptions = {}): Fabric {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const unknowns = opts.unknowns ?? false;
  const acs = (): AcsState => {
    const x = r();
    if (unknowns && x < 0.08) return { state: 'unknown', reason: 'generated' };
    if (x < 0.35) return { state: 'absent' };
    if (x < 0.7) return { state: 'present', cap: 0x5f, ctrl: 0 };
    return {
      state: 'present',
      cap: 0x7f,
      ctrl: pick([ACS.RR, ACS.CR, ACS.EC, ACS.SV | ACS.RR | ACS.CR | ACS.UF]),
    };
  };
  const cpus = [
    { vendor: 'AuthenticAMD', family: 0x19, arch: 'x86_64' },
    { vendor: 'AuthenticAMD', family: 0x15, arch: 'x86_64' },
    { vendor: 'GenuineIntel', family: 6, arch: 'x86_64' },
    ...(unknowns ? [{}] : []),
  ];
  const b = new FabricBuilder().machine({ name: `random-${seed}`, cpu: pick(cpus) });
  const nHb = 1 + Math.floor(r() * (opts.maxHostBridges ?? 3));
  for (let h = 0; h < nHb; h++) {
    const dom = h;
    const hb = `pci${dom.toString(16).padStart(4, '0')}:00`;
    b.hostBridge({ domain: dom, rootBus: 0, numaNode: Math.floor(h / 2) });
    const dombdf = (bus: number, dev: number, fn: number) =>
      `${dom.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
    let nextBus = 1;
    const ids = pick(hbIds);
    const hbUnknown = unknowns && r() < 0.15;
    if (r() < 0.9) {
      b.fn({
        bdf: dombdf(0, 0, 0),
        hostBridge: hb,
        classCode: 0x060000,
        pcie: null,
        acs: { state: 'absent' },
        driver: null,
        ...(hbUnknown ? {} : { vendor: ids[0], device: ids[1] }),
      });
    }
    const endpointFns = (bus: number, parent: string | null, onRoot: boolean, dev = 0) => {
      const kind = r();
      const common: Partial<FunctionInit> = {
        parent,
        hostBridge: hb,
        driver: null,
        pcie: pcie(
          onRoot ? 'rc-integrated-endpoint' : 'endpoint',
          1 + Math.floor(r() * 5),
          pick([1, 4, 8, 16]),
        ),
      };
      if (kind < 0.6) {
        b.fn({
          ...common,
          bdf: dombdf(bus, dev, 0),
          classCode: pick([0x030200, 0x120000, 0x010802, 0x020000]),
          vendor: 0x10de,
          device: 0x20b0,
          bars: MEM(1n << 24n),
          acs: { state: 'absent' },
        });
      } else if (kind < 0.8) {
        const fns = 2 + Math.floor(r() * 3);
        const fnAcs = acs();
        for (let f = 0; f < fns; f++)
          b.fn({
            ...common,
            bdf: dombdf(bus, dev, f),
            classCode: 0x020000,
            vendor: 0x15b3,
            device: 0x1017,
            bars: MEM(1n << 21n),
            acs: fnAcs,
          });
      } else {
        // The PF (function 0) and 1–3 VFs.
        const pf = dombdf(bus, dev, 0);
        const vfs = 1 + Math.floor(r() * 3);
        for (let v = 0; v <= vfs; v++)
          b.fn({
            ...common,
            bdf: dombdf(bus, dev, v),
            ...(v > 0 ? { physfn: pf } : {}),
            classCode: 0x010802,
            vendor: 0x144d,
            device: 0xa824,
            bars: MEM(1n << 20n),
            acs: { state: 'absent' },
          });
      }
    };
    const subtree = (parentBdf: string, depth: number) => {
      const bus = nextBus++;
      if (depth < 2 && r() < 0.5) {
        const usp = dombdf(bus, 0, 0);
        b.fn({
          bdf: usp,
          parent: parentBdf,
          classCode: 0x060400,
          pcie: pcie('switch-upstream'),
          acs: acs(),
        });
        const dsBus = nextBus++;
        const nd = 1 + Math.floor(r() * 3);
        for (let d = 0; d < nd; d++) {
          const dsp = dombdf(dsBus, d, 0);
          b.fn({
            bdf: dsp,
            parent: usp,
            classCode: 0x060400,
            pcie: pcie('switch-downstream'),
            acs: acs(),
          });
          subtree(dsp, depth + 1);
        }
      } else endpointFns(bus, parentBdf, false);
    };
    const rps = 1 + Math.floor(r() * 3);
    for (let p = 0; p < rps; p++) {
      const rp = dombdf(0, 1 + p, 0);
      b.fn({ bdf: rp, hostBridge: hb, classCode: 0x060400, pcie: pcie('root-port'), acs: acs() });
      subtree(rp, 0);
    }
    if (r() < 0.4) endpointFns(0, null, true, 0x10);
  }
  return b.build();
}

/**
 * The benchmark fabric: `domains` host bridges (Intel 0x2020, allowlisted), each with 4 root ports →
 * a switch with `dsps` downstream ports → an 8-function device (every 4th port: an SR-IOV PF + 7
 * VFs). 16 domains × 4 × 8 × 8 = 4,096 endpoints. ACS redirect on every other root port.
 */
export function benchFabric(domains = 16, dsps = 8): Fabric {
  const b = new FabricBuilder().machine({
    name: 'bench',
    cpu: { vendor: 'GenuineIntel', family: 6, arch: 'x86_64' },
  });
  const hx = (n: number, w: number) => n.toString(16).padStart(w, '0');
  for (let d = 0; d < domains; d++) {
    const hb = `pci${hx(d, 4)}:00`;
    b.hostBridge({ domain: d, rootBus: 0, numaNode: d % 2 });
    const at = (bus: number, dev: number, fn: number) =>
      `${hx(d, 4)}:${hx(bus, 2)}:${hx(dev, 2)}.${fn}`;
    b.fn({
      bdf: at(0, 0, 0),
      hostBridge: hb,
      vendor: 0x8086,
      device: 0x2020,
      classCode: 0x060000,
      pcie: null,
      acs: { state: 'absent' },
      driver: null,
    });
    let bus = 1;
    for (let p = 0; p < 4; p++) {
      const rp = at(0, 1 + p, 0);
      b.fn({
        bdf: rp,
        hostBridge: hb,
        classCode: 0x060400,
        pcie: pcie('root-port'),
        acs: { state: 'present', cap: 0x5f, ctrl: p % 2 ? ACS.RR | ACS.CR : 0 },
        // Bus numbers as firmware would assign them, so the machine can be written as a spec.
        buses: { secondary: bus, subordinate: bus + 1 + dsps },
      });
      const usp = at(bus++, 0, 0);
      b.fn({
        bdf: usp,
        parent: rp,
        classCode: 0x060400,
        pcie: pcie('switch-upstream'),
        acs: { state: 'absent' },
        buses: { secondary: bus, subordinate: bus + dsps },
      });
      const dsBus = bus++;
      for (let s = 0; s < dsps; s++) {
        const dsp = at(dsBus, s, 0);
        b.fn({
          bdf: dsp,
          parent: usp,
          classCode: 0x060400,
          pcie: pcie('switch-downstream'),
          acs: { state: 'present', cap: 0x5f, ctrl: 0 },
          buses: { secondary: bus, subordinate: bus },
        });
        const eb = bus++;
        const sriov = s % 4 === 3;
        for (let f = 0; f < 8; f++) {
          b.fn({
            bdf: at(eb, 0, f),
            parent: dsp,
            hostBridge: hb,
            vendor: 0x10de,
            device: 0x20b0,
            classCode: 0x030200,
            pcie: pcie('endpoint'),
            bars: MEM(1n << 24n),
            acs: { state: 'absent' },
            driver: null,
            ...(sriov && f > 0 ? { physfn: at(eb, 0, 0) } : {}),
          });
        }
      }
    }
  }
  return b.build();
}
