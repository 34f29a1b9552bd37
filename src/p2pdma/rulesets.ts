/**
 * Rule sets: named presets of the kernel's p2pdma behaviour, as data. The engine (calc.ts) is one
 * mechanism; what differs between kernels lives here. Every result names the rule set it used.
 */
import { PeerdmaError } from '../errors/index.js';
import type { AllowlistEntry } from './allowlist.js';
import { ALLOWLIST_LINUX_6_1 } from './allowlist-linux-6.1.js';
import { ALLOWLIST_LINUX_6_19 } from './allowlist-linux-6.19.js';

export interface RuleSet {
  readonly name: string;
  readonly description: string;
  /**
   * `early` (v4.19 – ≈v5.3 `upstream_bridge_distance`): -1 without a common upstream bridge, -2
   * with ACS redirect on the path, nothing through the host bridge, no map-type cache.
   * `host-bridge` (v5.x+ `calc_map_type_and_dist`): ACS redirect or no common bridge → the
   * host-bridge route via the CPU rule or the allowlist.
   */
  readonly semantics: 'early' | 'host-bridge';
  readonly allowlist: readonly AllowlistEntry[];
  /** `cpu_supports_p2pdma()`: any x86 AMD CPU of family >= 0x17 (Zen) opens the host-bridge route. */
  readonly cpuRule: 'amd-zen' | 'none';
  /**
   * `legacy`: `pci=disable_acs_redir=` clears RR|CR|EC in place; `pci=config_acs=` is an unknown
   * option. `config-acs` (v6.11+, with the v6.14 fix): both parameters rebuild the control value
   * from the firmware value: ctrl = (fw_ctrl & ~mask) | (flags & mask).
   */
  readonly acsParams: 'legacy' | 'config-acs';
  /** The per-provider map-type cache (xarray keyed by client) exists. */
  readonly mapTypeCache: boolean;
  /** Size of the on-stack buffer the ACS list is printed into (`char buf[128]`); null: a page. */
  readonly acsListBuffer: number | null;
  /** Numeric values of the map-type enum in this kernel (for cache dumps). */
  readonly mapTypeValues: Readonly<
    Record<'UNKNOWN' | 'NOT_SUPPORTED' | 'BUS_ADDR' | 'THRU_HOST_BRIDGE', number>
  >;
}

export const LINUX_5_4: RuleSet = {
  name: 'linux-5.4',
  description:
    'early p2pdma (v4.19 upstream_bridge_distance): -1 no common upstream bridge, -2 ACS redirect; no host-bridge route',
  semantics: 'early',
  allowlist: [],
  cpuRule: 'none',
  acsParams: 'legacy',
  mapTypeCache: false,
  acsListBuffer: null,
  mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 1, BUS_ADDR: 2, THRU_HOST_BRIDGE: 3 },
};

export const LINUX_6_1: RuleSet = {
  name: 'linux-6.1',
  description:
    'Linux 6.1 LTS: calc_map_type_and_dist, AMD Zen CPU rule, 10-entry host-bridge allowlist',
  semantics: 'host-bridge',
  allowlist: ALLOWLIST_LINUX_6_1,
  cpuRule: 'amd-zen',
  acsParams: 'legacy',
  mapTypeCache: true,
  acsListBuffer: 128,
  mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 1, BUS_ADDR: 2, THRU_HOST_BRIDGE: 3 },
};

export const LINUX_6_19: RuleSet = {
  name: 'linux-6.19',
  description:
    'Linux 6.19: as 6.1 plus Google/DSA/IAX/QAT allowlist entries, pci=config_acs=, MAP_NONE renumbering',
  semantics: 'host-bridge',
  allowlist: ALLOWLIST_LINUX_6_19,
  cpuRule: 'amd-zen',
  acsParams: 'config-acs',
  mapTypeCache: true,
  acsListBuffer: 128,
  mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 2, BUS_ADDR: 3, THRU_HOST_BRIDGE: 4 },
};

export const RULE_SETS: readonly RuleSet[] = [LINUX_6_19, LINUX_6_1, LINUX_5_4];
export const DEFAULT_RULE_SET = LINUX_6_19;

/** The rule set called `name`; unknown → E_NOT_FOUND listing the rule sets. */
export function getRuleSet(name: string | undefined): RuleSet {
  if (name === undefined) return DEFAULT_RULE_SET;
  const rs = RULE_SETS.find((r) => r.name === name);
  if (!rs) {
    throw new PeerdmaError(
      'E_NOT_FOUND',
      `no rule set '${name}'; rule sets: ${RULE_SETS.map((r) => r.name).join(', ')}`,
      { field: '--rules' },
    );
  }
  return rs;
}
