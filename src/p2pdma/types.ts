/**
 * The P2P verdict vocabulary. `MapType` is the kernel's `enum pci_p2pdma_map_type` (what the caller
 * must do with each value is documented on it); a verdict is certain or names the fact that decides it.
 */
import type { Bdf } from '../pci/bdf.js';

/**
 * - `BUS_ADDR`: traffic turns around below the host bridge; the client must be given the PCI bus
 *   address (CPU physical + bus offset) and the IOMMU is bypassed.
 * - `THRU_HOST_BRIDGE`: traffic goes up through the root complex; map the CPU physical address
 *   like ordinary memory (through the IOMMU when it translates).
 * - `NOT_SUPPORTED`: the client cannot reach the provider; mapping fails (`-EREMOTEIO`).
 */
export type MapType = 'BUS_ADDR' | 'THRU_HOST_BRIDGE' | 'NOT_SUPPORTED';
export const MAP_TYPES: readonly MapType[] = ['BUS_ADDR', 'THRU_HOST_BRIDGE', 'NOT_SUPPORTED'];

/** The facts a verdict can hinge on when the input did not carry them. */
export type FactKind =
  | 'acs-control' // ACS capability/control of a device the kernel checks
  | 'acs-cmdline-match' // whether a pci=…acs… entry matches a device (its ids are unknown)
  | 'acs-firmware-value' // config_acs keeps firmware bits; the firmware value is not in the input
  | 'cpu-vendor-family' // cpu_supports_p2pdma(): x86 AMD family >= 0x17
  | 'host-bridge-device-id' // vendor:device of the host bridge device the allowlist looks at
  | 'iommu-present' // v5.2 – v5.3 root_complex_whitelist(): iommu_present() on the PCI bus
  | 'host-bridge-device-port-type'; // whether the first root-bus function (not at 00.0) is a Root Port

export interface MissingFact {
  readonly fact: FactKind;
  readonly devices: readonly Bdf[];
}

/** One way the kernel could answer, given one resolution of the missing facts. */
export interface Outcome {
  readonly mapType: MapType;
  readonly distance: number;
  readonly kernelLog: readonly string[];
}

/** A finding as data (wording lives in src/report/p2p-text.ts). */
export type IssueCode =
  | 'acs_redirect' // ACS redirect (RR|CR|EC) on the devices the kernel checks
  | 'no_common_upstream' // no common upstream bridge: only the host-bridge route remains
  | 'host_bridge_not_allowlisted' // host bridge device is not in the rule set's allowlist
  | 'host_bridge_requires_same' // allowlist entry carries REQ_SAME_HOST_BRIDGE, bridges differ
  | 'no_host_bridge_device' // no device at 00.0 / root port first on the root bus
  | 'cpu_allows_host_bridge' // AMD Zen rule opened the host-bridge route
  | 'root_complex_allowlisted' // v5.2 – v5.3: both root complexes AMD Zen, no IOMMU (0x1000 + d)
  | 'host_bridge_allowlisted' // the host bridge device matched an allowlist entry: route open
  | 'early_acs_refused' // v4.20 – v5.3: ACS redirect on the path refuses (-2)
  | 'early_no_common_switch' // v4.20 – v5.3: no common upstream bridge refuses (-1)
  | 'fact_unknown' // a deciding fact is missing from the input
  | 'cmdline'; // the what-if kernel command line changed or could not be parsed

export interface Issue {
  readonly code: IssueCode;
  /** BDFs (or host bridge ids) the finding is about, in path order. */
  readonly path: readonly string[];
  readonly evidence: Readonly<Record<string, unknown>>;
  /** What to do about it; for ACS the exact `pci=disable_acs_redir=…` text the kernel prints. */
  readonly hint: string | null;
}

export type LocalityClass = 'X' | 'PIX' | 'PXB' | 'PHB' | 'NODE' | 'SYS';

export interface Bottleneck {
  /** The BDF pair of the slowest link on the path (child, upstream port). */
  readonly link: readonly [string, string];
  readonly gen: number;
  readonly width: number;
  /** Raw per-direction bandwidth after encoding, GB/s. */
  readonly GBps: number;
  readonly source: string;
}

interface VerdictBase {
  readonly provider: Bdf;
  readonly client: Bdf;
  readonly path: readonly string[];
  readonly acsBridges: readonly Bdf[];
  readonly issues: readonly Issue[];
  readonly class: LocalityClass | 'unknown';
  readonly bottleneck: Bottleneck | null;
  readonly ruleSet: string;
  /** Boot-time lines the what-if command line produced (parse complaints, "disabled ACS redirect"). */
  readonly bootLog: readonly string[];
  /**
   * The ACS state the verdict used for every function on both upstream chains: the effective
   * control after `pci=disable_acs_redir=` / `pci=config_acs=`, not the state read from the machine.
   */
  readonly acsUsed: Readonly<Record<Bdf, AcsUsed>>;
}

export interface AcsUsed {
  /** 'absent': no ACS capability; 'unknown': presence itself unknown. */
  readonly cap: 'present' | 'absent' | 'unknown';
  /** Effective ACS Control register (bits in `unknownBits` are not known). */
  readonly ctrl: number;
  readonly unknownBits: number;
  /** `pci_bridge_has_acs_redir()` on the effective control. */
  readonly redirect: boolean | 'unknown';
  /** The what-if command line changed this function's control. */
  readonly changedByCmdline: boolean;
}

export interface CertainVerdict extends VerdictBase {
  readonly mapType: MapType;
  /** `pci_p2pdma_distance()`: -1 when refused. */
  readonly distance: number;
  /**
   * What the kernel prints for the pair, as the conformance oracle asked: a verbose
   * `pci_p2pdma_distance(provider, client, true)` followed by a non-verbose one.
   */
  readonly kernelLog: readonly string[];
  /** Set when the answer is certain but the log text hinges on a missing fact. */
  readonly logMissing?: readonly MissingFact[];
}

export interface UncertainVerdict extends VerdictBase {
  readonly mapType: 'uncertain';
  readonly possible: readonly MapType[];
  /** The first deciding fact; `moreMissing` lists any others. */
  readonly missing: MissingFact;
  readonly moreMissing: readonly MissingFact[];
  /** null: the outcomes disagree on the distance. */
  readonly distance: number | null;
  readonly outcomes: readonly Outcome[];
  readonly kernelLog: readonly string[];
}

export type Verdict = CertainVerdict | UncertainVerdict;
