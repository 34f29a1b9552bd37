/**
 * What a CPU's root complex forwards for peer-to-peer traffic, and what its socket link carries, per
 * CPU family, from the published measurements (every number cites its row). A family with no
 * measurement gets the range spanned by the known ones, never a made-up figure; a measured figure
 * that only shows the root complex was not the limit is a lower bound (`atLeast`).
 */
import { type CpuInfo, isKnown } from '../pci/types.js';
import type { CitedRow } from '../util/citations.js';

/** GB/s; lo = hi when one figure is known. `atLeast`: the true value may be higher. */
export interface Capacity {
  readonly lo: number;
  readonly hi: number;
  readonly atLeast: boolean;
}

export interface RcProfile {
  readonly id: string;
  readonly label: string;
  /** One P2P flow forwarded between root ports of one socket, per direction. */
  readonly rcFlow: Capacity;
  /** Everything the root complex forwards peer to peer at once (both directions, all ports). */
  readonly rcTotal: Capacity;
  /** Device traffic over the inter-socket link, per direction. */
  readonly socketLink: Capacity;
  readonly rows: readonly CitedRow[];
}

const exact = (v: number, atLeast = false): Capacity => ({ lo: v, hi: v, atLeast });

const row = (
  key: string,
  value: number,
  source: string,
  confidence: 'V' | 'D',
  derivation: string,
): CitedRow => ({ key, value, unit: 'GB/s', what: key, source, confidence, derivation });

const NAPLES = '§2.1 "GPU P2P on AMD Naples"';
const XGMI = '§2.1 "Same-socket vs cross-socket P2P, bidi"';
const QPI_SYS = '§2.2 «ib_write_bw to GPU vs host memory, "SYS" locality (across the socket link)»';
const REMOTE = '§2.3 "H2D / D2H, local vs remote socket"';

/** Intel socket link: remote-socket D2H (2.54) to a NIC→GPU write across sockets (~11). */
const INTEL_SOCKET: Capacity = { lo: 2.54, hi: 11, atLeast: false };
const INTEL_SOCKET_ROWS = [
  row('intel.socketLink.lo', 2.54, REMOTE, 'V', 'remote-socket D2H 2.54 GB/s, dual Xeon'),
  row('intel.socketLink.hi', 11, QPI_SYS, 'D', '~11,000 MB/s = 11 GB/s GPU target across sockets'),
];

export const RC_PROFILES: readonly RcProfile[] = [
  {
    id: 'intel-haswell-ep',
    label: 'Intel Xeon E5 v3 (Haswell-EP)',
    rcFlow: exact(8.17),
    rcTotal: exact(14.97),
    socketLink: INTEL_SOCKET,
    rows: [
      row(
        'intel-haswell-ep.rcFlow',
        8.17,
        NAPLES,
        'D',
        'conditions cell: Intel Haswell host 8.17 uni',
      ),
      row('intel-haswell-ep.rcTotal', 14.97, NAPLES, 'D', 'conditions cell: 14.97 bidi'),
      ...INTEL_SOCKET_ROWS,
    ],
  },
  {
    id: 'intel-broadwell-ep',
    label: 'Intel Xeon E5 v4 (Broadwell-EP)',
    rcFlow: exact(7.1),
    rcTotal: exact(7.1),
    socketLink: INTEL_SOCKET,
    rows: [
      row(
        'intel-broadwell-ep.rcTotal',
        7.1,
        '§2.1 "NVMe → GPU P2P through an Intel Broadwell root complex"',
        'V',
        'three SSDs together capped at 7.1 GB/s',
      ),
      ...INTEL_SOCKET_ROWS,
    ],
  },
  {
    id: 'intel-skylake-sp',
    label: 'Intel Xeon Scalable 1st/2nd gen (Skylake-SP, Cascade Lake)',
    rcFlow: exact(10.2),
    rcTotal: exact(10.2),
    socketLink: INTEL_SOCKET,
    rows: [
      row(
        'intel-skylake-sp.rcTotal',
        10.2,
        '§2.2 "NIC/NVMe → GPU P2P across Skylake-SP root ports, total ingress"',
        'V',
        'total ingress 10.2–10.3 GB/s (weak source)',
      ),
      ...INTEL_SOCKET_ROWS,
    ],
  },
  {
    id: 'amd-zen1',
    label: 'AMD EPYC 7001 (Zen 1, Naples)',
    rcFlow: exact(7.06),
    rcTotal: exact(12),
    socketLink: { lo: 19.8, hi: 20.75, atLeast: false },
    rows: [
      row('amd-zen1.rcFlow', 7.06, NAPLES, 'V', 'MI25 P2P 7.06 uni on EPYC 7261'),
      row('amd-zen1.rcTotal', 12, NAPLES, 'V', '~12 bidi'),
      row('amd.socketLink', 19.8, XGMI, 'D', '39.6–41.5 bidi across xGMI / 2 directions'),
    ],
  },
  {
    id: 'amd-zen2+',
    label: 'AMD EPYC / Threadripper Zen 2 and later',
    rcFlow: exact(25.05, true),
    rcTotal: exact(50, true),
    socketLink: { lo: 19.8, hi: 20.75, atLeast: false },
    rows: [
      row(
        'amd-zen2+.rcFlow',
        25.05,
        '§2.1 "P2P through a CPU root complex (Gen4 x16), uni"; §2.1 "Root-complex P2P bidi, WRX80"',
        'D',
        '50.1 GB/s bidi / 2; the Gen4 x16 links were the limit, so a lower bound',
      ),
      row('amd-zen2+.rcTotal', 50, '§2.1 "Root-complex P2P bidi, WRX80"', 'V', 'lower bound'),
      row('amd.socketLink', 19.8, XGMI, 'D', '39.6–41.5 bidi across xGMI / 2 directions'),
    ],
  },
];

const span = (pick: (p: RcProfile) => Capacity): Capacity => {
  const cs = RC_PROFILES.map(pick);
  return {
    lo: Math.min(...cs.map((c) => c.lo)),
    hi: Math.max(...cs.map((c) => c.hi)),
    atLeast: cs.some((c) => c.atLeast),
  };
};

/** No measurement for this CPU: the range the known families span. */
export const UNKNOWN_RC: RcProfile = {
  id: 'unknown',
  label: 'CPU family without a published P2P measurement: the range of the known families',
  rcFlow: span((p) => p.rcFlow),
  rcTotal: span((p) => p.rcTotal),
  socketLink: span((p) => p.socketLink),
  rows: [],
};

const byId = (id: string) => RC_PROFILES.find((p) => p.id === id)!;

/** The profile of a machine's CPU (vendor, family, model as /proc/cpuinfo gives them). */
export function rcProfileOf(cpu: CpuInfo): RcProfile {
  if (!isKnown(cpu.vendor) || !isKnown(cpu.family)) return UNKNOWN_RC;
  const model = isKnown(cpu.model) ? cpu.model : -1;
  if (cpu.vendor === 'GenuineIntel' && cpu.family === 6) {
    if (model === 0x3f) return byId('intel-haswell-ep');
    if (model === 0x4f) return byId('intel-broadwell-ep');
    if (model === 0x55) return byId('intel-skylake-sp');
    return UNKNOWN_RC;
  }
  if (cpu.vendor === 'HygonGenuine') return byId('amd-zen1'); // Dhyana is Zen 1
  if (cpu.vendor === 'AuthenticAMD') {
    if (cpu.family === 0x17 && model >= 0 && model < 0x30) return byId('amd-zen1');
    if (cpu.family >= 0x17 && model >= 0) return byId('amd-zen2+');
  }
  return UNKNOWN_RC;
}
