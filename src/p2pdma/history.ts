/**
 * The history of `drivers/pci/p2pdma.c` (and the ACS parameters it relies on) from v4.20, when
 * p2pdma landed, to the newest mainline release, as data: one entry per upstream change that moves
 * a P2P verdict, a kernel log line or a cached value, with its commit, subject, the first mainline
 * release that has it, what it changes and where it was read. A rule set for a release is this
 * history folded up to that release (rulesets.ts), so a preset is never written by hand.
 *
 * Sources (read with the search tools; ids are upstream commit ids, 12 hex digits):
 * - file reads: torvalds/linux drivers/pci/p2pdma.c @02917e9f8676 (the v4.20 file);
 *   CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4 drivers/pci/p2pdma.c @7744840b595e (v5.4);
 * - linux-pci / stable mails and pull requests quoted in each entry's `source`.
 * `commit: null` marks a change whose subject and release were read but whose upstream id was not.
 */
import type { AllowlistEntry } from './allowlist.js';

/** A mainline release, `[major, minor]`. */
export type Release = readonly [major: number, minor: number];

export type Semantics =
  /** v4.20 – v5.1 `upstream_bridge_distance`: -1 no common upstream bridge, -2 ACS redirect. */
  | 'early'
  /**
   * v5.2 – v5.3: as `early`, but a pair with no common upstream bridge is accepted with distance
   * 0x1000 + d when both devices' root complexes (device 00.0 of each host bridge) are AMD Zen
   * 1022:1450 and no IOMMU is present (`root_complex_whitelist`); ACS redirect still refuses (-2).
   */
  | 'root-complex'
  /** v5.4+: map types; ACS redirect and no common bridge take the host-bridge route. */
  | 'host-bridge';

/** One change's effect on the rule set; fields not named keep their value. */
export interface RuleChange {
  readonly semantics?: Semantics;
  /** `cpu_supports_p2pdma()`: x86, vendor AMD, family >= `cpuFamilyMin`. */
  readonly cpuRule?: 'amd-zen' | 'none';
  readonly cpuFamilyMin?: number;
  /**
   * Which device of a host bridge the allowlist looks at: `devfn0` (v5.4 – v5.18: `pci_get_slot(bus,
   * 0)`, then the first device only if it is 00.0), `devfn0-or-root-port` (v5.19+: the first device
   * of the root bus if it is 00.0 or a PCIe Root Port).
   */
  readonly hostBridgeDevice?: 'devfn0' | 'devfn0-or-root-port';
  /** v5.14+: "Host bridge not in P2PDMA whitelist: vvvv:dddd" when ACS redirect forced the route. */
  readonly hostBridgeWarning?: boolean;
  readonly acsParams?: 'legacy' | 'config-acs';
  readonly mapTypeCache?: boolean;
  /**
   * `pci_p2pdma_map_type()` on a client never computed: `unknown` (v5.4 – v5.19: the cache reads
   * UNKNOWN, the mapping WARNs and fails), `compute` (v6.0+: computed verbosely and cached).
   */
  readonly mapTypeOnMiss?: 'unknown' | 'compute';
  /** Buffer the ACS list is printed into: null = a page (kmalloc(PAGE_SIZE)), else `char buf[n]`. */
  readonly acsListBuffer?: number | null;
  readonly mapTypeValues?: Readonly<
    Record<'UNKNOWN' | 'NOT_SUPPORTED' | 'BUS_ADDR' | 'THRU_HOST_BRIDGE', number>
  >;
  readonly allowlistAdd?: readonly Omit<AllowlistEntry, 'since'>[];
  /** vendor:device pairs removed from the table. */
  readonly allowlistRemove?: readonly (readonly [number, number])[];
}

export interface StableBackport {
  /** The stable series, `[major, minor]`. */
  readonly series: Release;
  /** First point release of the series that carries it; null: the series carries it, point unknown. */
  readonly from: number | null;
}

export interface HistoryEntry {
  /** Upstream commit id (12 hex digits) or null when only subject and release were read. */
  readonly commit: string | null;
  readonly subject: string;
  /** First mainline release that has the change. */
  readonly release: Release;
  /** What it changes, in words (the docs table prints this). */
  readonly summary: string;
  readonly change: RuleChange;
  /** Where the entry was read. */
  readonly source: string;
  readonly stable?: readonly StableBackport[];
}

const AMD = 0x1022;
const INTEL = 0x8086;
const GOOGLE = 0x1ae0;

/** The first release with `drivers/pci/p2pdma.c` (pci-v4.20-changes, Logan Gunthorpe). */
export const FIRST_RELEASE: Release = [4, 20];

/** The newest mainline release in the history (the QAT/DSA/IAA entries below reached it). */
export const NEWEST_RELEASE: Release = [7, 2];

/** Every mainline release from v4.20 to the newest (4.20, 5.0 – 5.19, 6.0 – 6.19, 7.0 – …). */
export const MAINLINE_RELEASES: readonly Release[] = [
  [4, 20],
  ...Array.from({ length: 20 }, (_, i) => [5, i] as const),
  ...Array.from({ length: 20 }, (_, i) => [6, i] as const),
  ...Array.from({ length: NEWEST_RELEASE[1] + 1 }, (_, i) => [7, i] as const),
];

export const P2PDMA_HISTORY: readonly HistoryEntry[] = [
  {
    commit: null,
    subject: 'PCI/P2PDMA: Support peer-to-peer memory (series)',
    release: [4, 20],
    summary:
      'p2pdma.c lands: upstream_bridge_distance() returns -1 without a common upstream bridge and -2 with ACS redirect (RR|CR|EC) on the path; nothing goes through the host bridge; ACS list in a kmalloc(PAGE_SIZE) seq_buf; log "cannot be used for peer-to-peer DMA as ACS redirect is set …" / "… do not share an upstream bridge"',
    change: {
      semantics: 'early',
      cpuRule: 'none',
      cpuFamilyMin: 0x17,
      hostBridgeDevice: 'devfn0',
      hostBridgeWarning: false,
      acsParams: 'legacy',
      mapTypeCache: false,
      mapTypeOnMiss: 'unknown',
      acsListBuffer: null,
      mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 1, BUS_ADDR: 2, THRU_HOST_BRIDGE: 3 },
    },
    source: 'torvalds/linux drivers/pci/p2pdma.c @02917e9f8676 (the v4.20 file)',
  },
  {
    commit: '0f97da831026',
    subject: 'PCI/P2PDMA: Allow P2P DMA between any devices under AMD ZEN Root Complex',
    release: [5, 2],
    summary:
      'root_complex_whitelist(): a pair with no common upstream bridge is accepted (distance 0x1000 + d) when device 00.0 of both host bridges is AMD 1022:1450 and no IOMMU is present; ACS redirect still -2',
    change: { semantics: 'root-complex' },
    source:
      "Christian König's patch on linux-pci (the 0x1000 + dist_a + dist_b hunk); listed by Bjorn Helgaas (July 2020) among the whitelist commits",
  },
  {
    commit: '494d63b0d5d0',
    subject: 'PCI/P2PDMA: Whitelist some Intel host bridges (with the host-bridge series)',
    release: [5, 4],
    summary:
      'map types and the per-provider map-type cache (xarray); ACS redirect and no common bridge take the host-bridge route when pci_p2pdma_whitelist[] lists the host bridge device at 00.0 (AMD 1022:1450; Intel 3c00/3c01/2f00/2f01 with REQ_SAME_HOST_BRIDGE); IOMMU condition dropped; log "ACS redirect is set between the client and provider" / "… do not share an upstream bridge or whitelisted host bridge"',
    change: {
      semantics: 'host-bridge',
      mapTypeCache: true,
      allowlistAdd: [
        { vendor: AMD, device: 0x1450, reqSameHostBridge: false, name: 'AMD Zen' },
        { vendor: INTEL, device: 0x3c00, reqSameHostBridge: true, name: 'Intel Xeon E5/Core i7' },
        { vendor: INTEL, device: 0x3c01, reqSameHostBridge: true, name: 'Intel Xeon E5/Core i7' },
        {
          vendor: INTEL,
          device: 0x2f00,
          reqSameHostBridge: true,
          name: 'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
        },
        {
          vendor: INTEL,
          device: 0x2f01,
          reqSameHostBridge: true,
          name: 'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
        },
      ],
    },
    source:
      'CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-5.4 drivers/pci/p2pdma.c @7744840b595e (a v5.4 file: table, __upstream_bridge_distance, xa_store of map_types)',
  },
  {
    commit: 'bc123a515cb7',
    subject: 'PCI/P2PDMA: Add Intel SkyLake-E to the whitelist',
    release: [5, 6],
    summary: 'allowlist + Intel 2030 (Sky Lake-E Root Port A) and 2020 (Sky Lake-E), no flags',
    change: {
      allowlistAdd: [
        {
          vendor: INTEL,
          device: 0x2030,
          reqSameHostBridge: false,
          name: 'Intel Sky Lake-E root port A',
        },
        { vendor: INTEL, device: 0x2020, reqSameHostBridge: false, name: 'Intel Sky Lake-E' },
      ],
    },
    source:
      'Armen Baloyan\'s patch (linux-pci, 6 Dec 2019) and Bjorn Helgaas\'s reply "Applied … to pci/p2pdma for v5.6"',
  },
  {
    commit: '7b94b53db34f',
    subject: 'PCI/P2PDMA: Add Intel Sky Lake-E Root Ports B, C, D to the whitelist',
    release: [5, 7],
    summary: 'allowlist + Intel 2031, 2032, 2033 (Sky Lake-E Root Ports B, C, D), no flags',
    change: {
      allowlistAdd: [
        {
          vendor: INTEL,
          device: 0x2031,
          reqSameHostBridge: false,
          name: 'Intel Sky Lake-E root port B',
        },
        {
          vendor: INTEL,
          device: 0x2032,
          reqSameHostBridge: false,
          name: 'Intel Sky Lake-E root port C',
        },
        {
          vendor: INTEL,
          device: 0x2033,
          reqSameHostBridge: false,
          name: 'Intel Sky Lake-E root port D',
        },
      ],
    },
    source:
      'the PCI pull request that also brought Error Disconnect Recover (v5.7): "Peer-to-peer DMA: Add Intel Sky Lake-E Root Ports B, C, D to the whitelist (Andrew Maier)"',
  },
  {
    commit: '7d5b10fcb81e',
    subject: 'PCI/P2PDMA: Add AMD Zen Raven and Renoir Root Ports to whitelist',
    release: [5, 8],
    summary: 'allowlist + AMD 15d0 (Raven) and 1630 (Renoir), no flags',
    change: {
      allowlistAdd: [
        { vendor: AMD, device: 0x15d0, reqSameHostBridge: false, name: 'AMD Zen Raven' },
        { vendor: AMD, device: 0x1630, reqSameHostBridge: false, name: 'AMD Zen Renoir' },
      ],
    },
    source:
      'the v5.8 PCI pull request ("Add AMD Zen Raven and Renoir Root Ports to whitelist (Alex Deucher)"); table context in the July 2020 AMD Zen 2 patch',
  },
  {
    commit: 'dea286bb71ba',
    subject: 'PCI/P2PDMA: Allow P2PDMA on AMD Zen and newer CPUs',
    release: [5, 9],
    summary:
      'cpu_supports_p2pdma(): any x86 AMD CPU of family >= 0x17 opens the host-bridge route; the AMD entries 1450/15d0/1630 leave the allowlist',
    change: {
      cpuRule: 'amd-zen',
      cpuFamilyMin: 0x17,
      allowlistRemove: [
        [AMD, 0x1450],
        [AMD, 0x15d0],
        [AMD, 0x1630],
      ],
    },
    source: 'commit dea286bb71ba (Logan Gunthorpe, 29 Jul 2020) as quoted with its diff',
  },
  {
    commit: 'e4ece59abd70',
    subject: 'PCI/P2PDMA: Collect acs list in stack buffer to avoid sleeping',
    release: [5, 14],
    summary:
      'the ACS list is printed into char buf[128] on the stack: a long list is cut at 127 characters',
    change: { acsListBuffer: 128 },
    source: 'Bjorn Helgaas: "Applied all 6 to pci/p2pdma for v5.14" (linux-pci, June 2021)',
  },
  {
    commit: 'cf201bfe8cdc',
    subject: 'PCI/P2PDMA: Warn if host bridge not in whitelist',
    release: [5, 14],
    summary:
      'log: "Host bridge not in P2PDMA whitelist: vvvv:dddd" on the host bridge device when ACS redirect forced the host-bridge route (warn = acs_redirects)',
    change: { hostBridgeWarning: true },
    source: 'Bjorn Helgaas: "Applied all 6 to pci/p2pdma for v5.14"; patch v1 4/6 diff',
  },
  {
    commit: '6389d4374522',
    subject: 'PCI/P2PDMA: Rename upstream_bridge_distance() and rework doc',
    release: [5, 14],
    summary:
      'calc_map_type_and_dist(); with 3ec0c3ec2d92 ("Avoid pci_get_slot(), which may sleep") the host bridge device is the first device of the root bus if it is 00.0 — same verdicts, same log',
    change: {},
    source: 'Bjorn Helgaas: "Applied all 6 to pci/p2pdma for v5.14"',
  },
  {
    commit: 'feaea1fe8b36',
    subject: 'PCI/P2PDMA: Add Intel 3rd Gen Intel Xeon Scalable Processors to whitelist',
    release: [5, 18],
    summary: 'allowlist + Intel 09a2 (Ice Lake-SP and every later Xeon root bus), no flags',
    change: {
      allowlistAdd: [
        {
          vendor: INTEL,
          device: 0x09a2,
          reqSameHostBridge: false,
          name: 'Intel Ice Lake-SP (3rd Gen Xeon Scalable)',
        },
      ],
    },
    source:
      'commit 0ba76b19fd4c\'s message ("since the addition of the device with commit feaea1fe8b36"); release v5.18 (Feb 2022)',
  },
  {
    commit: '1af7c26c59eb',
    subject: 'PCI/P2PDMA: Whitelist Intel Skylake-E Root Ports at any devfn',
    release: [5, 19],
    summary:
      'pci_host_bridge_dev(): the first device of the root bus counts if it is 00.0 or a PCIe Root Port (before: 00.0 only)',
    change: { hostBridgeDevice: 'devfn0-or-root-port' },
    source:
      'Bjorn Helgaas: "Applied to pci/p2pdma" (11 Apr 2022, after the v5.18 merge window) with the commit text',
  },
  {
    commit: '719c98658058',
    subject: 'PCI/P2PDMA: Attempt to set map_type if it has not been set',
    release: [6, 0],
    summary:
      'pci_p2pdma_map_type() computes (verbosely) and caches a client never asked before; before, the mapping saw UNKNOWN, WARNed and failed',
    change: { mapTypeOnMiss: 'compute' },
    source:
      'the v6.0 dma-mapping pull (with "dma-direct: support PCI P2PDMA pages in dma-direct map_sg")',
  },
  {
    commit: null,
    subject: 'PCI: Extend ACS configurability (pci=config_acs=)',
    release: [6, 11],
    summary:
      'pci=config_acs=<mask>@<dev> next to disable_acs_redir=; both rebuild ACS control from the firmware value: ctrl = (fw & ~mask) | (flags & mask) (as fixed in v6.14; 6.11 – 6.13 are modelled with the fixed form)',
    change: { acsParams: 'config-acs' },
    source: 'spec kernel-semantics §3.8 item 5; src/p2pdma/acs.ts',
  },
  {
    commit: null,
    subject: 'PCI/P2PDMA: Refactor the p2pdma mapping helpers (PCI_P2PDMA_MAP_NONE)',
    release: [6, 17],
    summary:
      'enum pci_p2pdma_map_type gains PCI_P2PDMA_MAP_NONE = 1: NOT_SUPPORTED, BUS_ADDR, THRU_HOST_BRIDGE become 2, 3, 4 in the cache',
    change: { mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 2, BUS_ADDR: 3, THRU_HOST_BRIDGE: 4 } },
    source:
      'Christoph Hellwig\'s patch in Leon Romanovsky\'s two-step DMA mapping series (April 2025, reviewed on linux-pci); spec §0.2 "v6.17 … PCI_P2PDMA_MAP_NONE"',
  },
  {
    commit: '70cf146a674c',
    subject: 'PCI/P2PDMA: Add Google SoCs to the P2P DMA host bridge list',
    release: [7, 1],
    summary:
      'allowlist + Google 1ae0 with any device id (1a1f96e3e2a8 "Allow wildcard Device IDs in host bridge list")',
    change: {
      allowlistAdd: [
        { vendor: GOOGLE, device: 'any', reqSameHostBridge: false, name: 'Google SoCs' },
      ],
    },
    source:
      'linux-next shortlog of April 2026 (next to the kvm-riscv-7.1-1 and spacemit-dt-for-7.1-1 merges): 1a1f96e3e2a8 and 70cf146a674c queued for v7.1',
  },
  {
    commit: '0ba76b19fd4c',
    subject: 'PCI/P2PDMA: Add Intel QAT, DSA, IAA devices to whitelist',
    release: [7, 2],
    summary:
      'allowlist + Intel 0b25 (DSA SPR), 0cfe (IAX SPR), 11fb (DSA GNR-D), 1212 (DSA DMR), 1216 (IAA DMR), 4940/4942/4944/4946/4948 (QAT 4xxx, 401xx, 402xx, 420xx, 6xxx): accelerators that are the first device of their own root bus',
    change: {
      allowlistAdd: [
        [0x0b25, 'Intel DSA (Sapphire Rapids)'],
        [0x0cfe, 'Intel IAX (Sapphire Rapids)'],
        [0x11fb, 'Intel DSA (Granite Rapids-D)'],
        [0x1212, 'Intel DSA (Diamond Rapids)'],
        [0x1216, 'Intel IAA (Diamond Rapids)'],
        [0x4940, 'Intel QAT 4xxx'],
        [0x4942, 'Intel QAT 401xx'],
        [0x4944, 'Intel QAT 402xx'],
        [0x4946, 'Intel QAT 420xx'],
        [0x4948, 'Intel QAT 6xxx'],
      ].map(([device, name]) => ({
        vendor: INTEL,
        device: device as number,
        reqSameHostBridge: false,
        name: name as string,
      })),
    },
    source:
      'the 7.1-stable review of 2 Jul 2026 ("commit 0ba76b19fd4c upstream", Cc: stable): upstream after v7.1, so first in v7.2; carried by 7.1.y from July 2026',
    stable: [{ series: [7, 1], from: null }],
  },
];

export const releaseText = (r: Release): string => `v${r[0]}.${r[1]}`;

/** a ≤ b */
export const releaseAtMost = (a: Release, b: Release): boolean =>
  a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
