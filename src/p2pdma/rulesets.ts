/**
 * Rule sets: named presets of the kernel's p2pdma behaviour, as data. The engine (calc.ts) is one
 * mechanism; what differs between kernels lives here. Every result names the rule set it used.
 *
 * History of drivers/pci/p2pdma.c behind `linux-5.4` (read with the search tools; spec §0, §0.2):
 * - v4.20 – v5.1 (torvalds/linux 02917e9f, `upstream_bridge_distance`): -1 without a common upstream
 *   bridge, -2 with ACS redirect on the path; nothing goes through the host bridge, no cache.
 * - v5.2 (Christian König, "pci-v5.2-changes"): `root_complex_whitelist()` lets pairs with no common
 *   upstream bridge through when both host bridges are AMD Zen 0x1450 and no IOMMU is present; ACS
 *   redirect still returns -2.
 * - v5.4 (Logan Gunthorpe's host-bridge series, posted July 2019 after the v5.3 merge window): map
 *   types, THRU_HOST_BRIDGE for ACS redirect and for no common bridge, the whitelist table (AMD
 *   0x1450; Intel 0x3c00/0x3c01/0x2f00/0x2f01 with REQ_SAME_HOST_BRIDGE), the map-type cache, and the
 *   IOMMU condition dropped.
 * So the rule set the issue calls `linux-5.4` ("-2/-1, nothing through the host bridge") reproduces
 * mainline v4.20 – v5.1, not mainline 5.4. The name is kept because the issue defines it and other
 * areas key on it (kernel rule-set mapping); `models` says what it really is, and `peerdma check`
 * prints it.
 */
import { PeerdmaError } from '../errors/index.js';
import type { AllowlistEntry } from './allowlist.js';
import { ALLOWLIST_LINUX_6_1 } from './allowlist-linux-6.1.js';
import { ALLOWLIST_LINUX_6_19 } from './allowlist-linux-6.19.js';

export interface RuleSet {
  readonly name: string;
  readonly description: string;
  /** The mainline releases whose p2pdma.c decides exactly as this rule set does. */
  readonly models: string;
  /** Printed with every result of this rule set when its name could mislead. */
  readonly caveat?: string;
  /**
   * `early` (v4.20 – v5.1 `upstream_bridge_distance`): -1 without a common upstream bridge, -2
   * with ACS redirect on the path, nothing through the host bridge, no map-type cache.
   * `host-bridge` (v5.4+; `calc_map_type_and_dist` from ≈v5.14): ACS redirect or no common bridge → the
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
    'early p2pdma (upstream_bridge_distance): -1 no common upstream bridge, -2 ACS redirect; no host-bridge route. Mainline 5.4 itself already routed through allowlisted host bridges; this set models v4.20 – v5.1',
  models: 'mainline v4.20 – v5.1 (the issue names it linux-5.4)',
  caveat:
    'linux-5.4 models the early p2pdma of mainline v4.20 – v5.1; a real 5.4 kernel already routes ACS-redirected and cross-root-port pairs through allowlisted host bridges (AMD Zen 0x1450, Intel Xeon E5 v2/v3)',
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
  models: 'mainline v6.1 (checked against a real 6.1.192 kernel: fixtures/kernel-oracle)',
  semantics: 'host-bridge',
  allowlist: ALLOWLIST_LINUX_6_1,
  cpuRule: 'amd-zen',
  acsParams: 'legacy',
  mapTypeCache: true,
  acsListBuffer: 128,
  mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 1, BUS_ADDR: 2, THRU_HOST_BRIDGE: 3 },
};

export const LINUX_6_19: RuleSet = {
  ...LINUX_6_1,
  name: 'linux-6.19',
  description:
    'Linux 6.19: as 6.1 plus the Google wildcard allowlist entry, pci=config_acs=, MAP_NONE renumbering',
  models: 'mainline v6.19 (newest in the spec)',
  allowlist: ALLOWLIST_LINUX_6_19,
  acsParams: 'config-acs',
  mapTypeValues: { UNKNOWN: 0, NOT_SUPPORTED: 2, BUS_ADDR: 3, THRU_HOST_BRIDGE: 4 },
};

export const RULE_SETS: readonly RuleSet[] = [LINUX_6_19, LINUX_6_1, LINUX_5_4];
export const DEFAULT_RULE_SET = LINUX_6_19;

/** The `--rules` help text: every rule set, the default marked, the early one explained. */
export const RULE_SET_HELP = `kernel rule set: ${RULE_SETS.map(
  (r) =>
    `${r.name}${r === DEFAULT_RULE_SET ? ' (default)' : r.semantics === 'early' ? ' (early semantics: mainline v4.20 – v5.1)' : ''}`,
).join(', ')}`;

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
