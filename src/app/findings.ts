/**
 * Findings as data: what a use case found, with a closed set of codes, a severity, the devices it
 * is about and the numbers behind it. The wording of every code lives in one table in
 * src/report/findings.ts; a shell that wants sentences renders them, one that wants data has them.
 */
import type { DriverFinding } from '../drivers/env.js';
import type { Issue, IssueCode } from '../p2pdma/types.js';

/** Codes of the DMA-mapping cost comparison (`map-cost`): the conclusions drawn from the numbers. */
export const MAP_COST_CODES = [
  'cheapest_strategy',
  'strategy_cannot_map',
  'map_resource_loop',
  'bus_addr_strategies',
  'memory_vs_cpu',
  'winner_by_size',
  'size_crossover',
  'mail_crossover',
  'founding_case',
] as const;
export type MapCostCode = (typeof MAP_COST_CODES)[number];

export type DriverFindingCode = DriverFinding['code'];

/**
 * Stated facts of the machine that change what a verdict means in practice (`check`): a driver
 * refusing P2P the kernel allows; a pair in two partitions of one switch chip.
 */
export const FACT_CODES = ['driver_refuses_p2p', 'chip_partitions'] as const;
export type FactCode = (typeof FACT_CODES)[number];
export const FACT_SEVERITY: Readonly<Record<FactCode, Severity>> = {
  driver_refuses_p2p: 'warning',
  chip_partitions: 'info',
};

/** The closed set of finding codes, every one worded in src/report/findings.ts. */
export type FindingCode = IssueCode | DriverFindingCode | MapCostCode | FactCode;

/** error: the operation is refused or broken; warning: it works worse than it could; info: context. */
export type Severity = 'error' | 'warning' | 'info';

export interface Finding<C extends FindingCode = FindingCode> {
  readonly code: C;
  readonly severity: Severity;
  /** The devices (BDFs, names, host bridges) or strategies the finding is about, in order. */
  readonly subject: readonly string[];
  readonly evidence: Readonly<Record<string, unknown>>;
  /** What to do about it (machine-readable text such as a kernel parameter), or null. */
  readonly hint: string | null;
}

const ISSUE_SEVERITY: Readonly<Record<IssueCode, Severity>> = {
  acs_redirect: 'warning',
  early_acs_refused: 'error',
  no_common_upstream: 'info',
  early_no_common_switch: 'error',
  cpu_allows_host_bridge: 'info',
  root_complex_allowlisted: 'info',
  host_bridge_not_allowlisted: 'error',
  host_bridge_allowlisted: 'info',
  host_bridge_requires_same: 'error',
  no_host_bridge_device: 'error',
  fact_unknown: 'warning',
  cmdline: 'info',
};

const DRIVER_SEVERITY: Readonly<Record<DriverFindingCode, Severity>> = {
  p2p_silent_fallback_gtt: 'warning',
  pin_dropped_vram: 'warning',
  p2p_refused_at_map: 'error',
  stale_pinned_mapping: 'error',
  no_p2p_pair: 'info',
};

/** A model's record (code, the devices it concerns, evidence, hint) with the severity of its code. */
const finding = <C extends FindingCode>(
  severity: Readonly<Record<C, Severity>>,
  x: { code: C; path: readonly string[]; evidence: Finding<C>['evidence']; hint: string | null },
): Finding<C> => ({
  code: x.code,
  severity: severity[x.code],
  subject: x.path,
  evidence: x.evidence,
  hint: x.hint,
});

/** A p2pdma verdict issue as a finding. */
export const issueFinding = (i: Issue): Finding<IssueCode> => finding(ISSUE_SEVERITY, i);

/** A driver model's finding (DMA-BUF demo) as a finding. */
export const driverFinding = (f: DriverFinding): Finding<DriverFindingCode> =>
  finding(DRIVER_SEVERITY, f);
