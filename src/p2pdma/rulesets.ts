/**
 * Rule sets: the kernel's p2pdma behaviour for one release, as data. The engine (calc.ts) is one
 * mechanism; what differs between kernels is the history of drivers/pci/p2pdma.c (history.ts), and
 * a rule set is that history folded up to its release: `linux-X.Y` for every mainline release
 * v4.20 … newest, `linux-X.Y.Z` for a stable point release (mainline X.Y plus the stable backports
 * known to have reached it). Before v4.20 there is no p2pdma (a typed error); past the newest known
 * release the newest rules answer and say so. Every result names the rule set it used.
 */
import { PeerdmaError } from '../errors/index.js';
import type { AllowlistEntry } from './allowlist.js';
import {
  FIRST_RELEASE,
  type HistoryEntry,
  MAINLINE_RELEASES,
  NEWEST_RELEASE,
  P2PDMA_HISTORY,
  type Release,
  type RuleChange,
  releaseAtMost,
  releaseText,
  type Semantics,
} from './history.js';

export interface RuleSet {
  readonly name: string;
  /** The mainline release whose rules apply (the newest known one for a release past it). */
  readonly release: Release;
  /** Stable point release, when the name carried one. */
  readonly point: number | null;
  readonly description: string;
  /** The kernels that decide exactly as this rule set does. */
  readonly models: string;
  /** Printed with every result of this rule set when its name could mislead. */
  readonly caveat?: string;
  readonly semantics: Semantics;
  readonly allowlist: readonly AllowlistEntry[];
  /** `cpu_supports_p2pdma()`: any x86 AMD CPU of family >= `cpuFamilyMin` opens the host-bridge route. */
  readonly cpuRule: 'amd-zen' | 'none';
  readonly cpuFamilyMin: number;
  readonly hostBridgeDevice: 'devfn0' | 'devfn0-or-root-port';
  readonly hostBridgeWarning: boolean;
  /**
   * `legacy`: `pci=disable_acs_redir=` clears RR|CR|EC in place; `pci=config_acs=` is an unknown
   * option. `config-acs` (v6.11+): both parameters rebuild the control value from the firmware
   * value: ctrl = (fw_ctrl & ~mask) | (flags & mask).
   */
  readonly acsParams: 'legacy' | 'config-acs';
  /** The per-provider map-type cache (xarray keyed by client) exists. */
  readonly mapTypeCache: boolean;
  readonly mapTypeOnMiss: 'unknown' | 'compute';
  /** Size of the on-stack buffer the ACS list is printed into (`char buf[128]`); null: a page. */
  readonly acsListBuffer: number | null;
  /** Numeric values of the map-type enum in this kernel (for cache dumps). */
  readonly mapTypeValues: Readonly<
    Record<'UNKNOWN' | 'NOT_SUPPORTED' | 'BUS_ADDR' | 'THRU_HOST_BRIDGE', number>
  >;
  /** The history entries folded into this rule set, oldest first. */
  readonly changes: readonly HistoryEntry[];
}

type Fields = Omit<
  RuleSet,
  'name' | 'release' | 'point' | 'description' | 'models' | 'caveat' | 'changes' | 'allowlist'
>;

function applyChange(f: Fields, allow: AllowlistEntry[], e: HistoryEntry): Fields {
  const { allowlistAdd, allowlistRemove, ...rest } = e.change as RuleChange;
  for (const [v, d] of allowlistRemove ?? []) {
    const i = allow.findIndex((a) => a.vendor === v && a.device === d);
    if (i >= 0) allow.splice(i, 1);
  }
  for (const a of allowlistAdd ?? []) allow.push({ ...a, since: releaseText(e.release) });
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...f, ...(defined as Partial<Fields>) };
}

/** The entries a kernel of `release` (and stable `point`) carries. */
export function entriesFor(release: Release, point: number | null): HistoryEntry[] {
  return P2PDMA_HISTORY.filter(
    (e) =>
      releaseAtMost(e.release, release) ||
      (point !== null &&
        (e.stable ?? []).some(
          (s) =>
            s.series[0] === release[0] &&
            s.series[1] === release[1] &&
            s.from !== null &&
            point >= s.from,
        )),
  );
}

const SEMANTICS_TEXT: Readonly<Record<Semantics, string>> = {
  early:
    'early p2pdma (upstream_bridge_distance): -1 without a common upstream bridge, -2 with ACS redirect; nothing through the host bridge',
  'root-complex':
    'early p2pdma plus root_complex_whitelist(): no common upstream bridge is accepted on AMD Zen 1022:1450 root complexes without an IOMMU (distance 0x1000 + d)',
  'host-bridge':
    'map types: ACS redirect or no common bridge take the host-bridge route via the CPU rule or the allowlist',
};

const cache = new Map<string, RuleSet>();

/** The rule set of mainline `release` (stable `point`), folded from the history. */
export function foldRuleSet(release: Release, point: number | null = null): RuleSet {
  const name = `linux-${release[0]}.${release[1]}${point === null ? '' : `.${point}`}`;
  const hit = cache.get(name);
  if (hit) return hit;
  const changes = entriesFor(release, point);
  const allow: AllowlistEntry[] = [];
  let f = {} as Fields;
  for (const e of changes) f = applyChange(f, allow, e);
  const backports = changes.filter((e) => !releaseAtMost(e.release, release));
  const rs: RuleSet = {
    ...f,
    name,
    release,
    point,
    description: `${name}: ${SEMANTICS_TEXT[f.semantics]}; CPU rule ${f.cpuRule === 'amd-zen' ? `AMD family >= 0x${f.cpuFamilyMin.toString(16)}` : 'none'}; ${allow.length}-entry host-bridge allowlist`,
    models: `mainline ${releaseText(release)}${point === null ? '' : `.${point}`}${backports.length ? ` with stable backports ${backports.map((e) => e.commit ?? e.subject).join(', ')}` : ''}`,
    allowlist: allow,
    changes,
  };
  cache.set(name, rs);
  return rs;
}

/** A rule-set name that parsed: the release it names and whether that release is past the history. */
export interface RuleSetName {
  readonly release: Release;
  readonly point: number | null;
}

/**
 * `linux-X.Y` / `linux-X.Y.Z` → release. Malformed or not a mainline release → E_NOT_FOUND; before
 * v4.20 → E_UNSUPPORTED (no p2pdma). Past the newest known release is accepted (see getRuleSet).
 */
export function parseRuleSetName(name: string, field = '--rules'): RuleSetName {
  const m = /^linux-(\d+)\.(\d+)(?:\.(\d+))?$/.exec(name);
  if (!m) {
    throw new PeerdmaError(
      'E_NOT_FOUND',
      `unknown rule set '${name}': expected linux-<major>.<minor>[.<patch>], e.g. linux-5.14 or linux-6.6.48 (${RELEASE_RANGE})`,
      { field },
    );
  }
  const release: Release = [Number(m[1]), Number(m[2])];
  const point = m[3] === undefined ? null : Number(m[3]);
  if (!releaseAtMost(FIRST_RELEASE, release)) {
    throw new PeerdmaError(
      'E_UNSUPPORTED',
      `rule set '${name}': Linux ${release[0]}.${release[1]} has no PCI P2PDMA (drivers/pci/p2pdma.c arrived in v4.20); rule sets: ${RELEASE_RANGE}`,
      { field },
    );
  }
  const past = !releaseAtMost(release, NEWEST_RELEASE);
  if (!past && !MAINLINE_RELEASES.some((r) => r[0] === release[0] && r[1] === release[1])) {
    throw new PeerdmaError(
      'E_NOT_FOUND',
      `unknown rule set '${name}': Linux ${release[0]}.${release[1]} is not a mainline release (${RELEASE_RANGE})`,
      { field },
    );
  }
  return { release, point };
}

export const RELEASE_RANGE = `linux-4.20 … linux-${NEWEST_RELEASE[0]}.${NEWEST_RELEASE[1]}, each with an optional .<patch>`;

/** The newest release's rule set: the default when nothing names a kernel. */
export const NEWEST_RULE_SET_NAME = `linux-${NEWEST_RELEASE[0]}.${NEWEST_RELEASE[1]}`;

/**
 * The rule set called `name` (default: the newest). A release past the newest known one answers
 * with the newest rules, under the newest name, with a caveat saying so.
 */
export function getRuleSet(name: string | undefined, field = '--rules'): RuleSet {
  if (name === undefined) return foldRuleSet(NEWEST_RELEASE);
  const hit = cache.get(name);
  if (hit) return hit;
  const { release, point } = parseRuleSetName(name, field);
  if (!releaseAtMost(release, NEWEST_RELEASE)) {
    const newest = foldRuleSet(NEWEST_RELEASE);
    const rs: RuleSet = {
      ...newest,
      name,
      point,
      models: `${newest.models} (${name} is past the newest release known)`,
      caveat: `${name} is newer than the newest release in the p2pdma history (${newest.name}); answered with ${newest.name} rules`,
    };
    cache.set(name, rs);
    return rs;
  }
  return foldRuleSet(release, point);
}

/** Every mainline rule set, oldest first. */
export const mainlineRuleSets = (): RuleSet[] => MAINLINE_RELEASES.map((r) => foldRuleSet(r));

/** Named presets the rest of the code and the tests use: folds of the history like any other. */
export const LINUX_5_4 = foldRuleSet([5, 4]);
export const LINUX_6_1 = foldRuleSet([6, 1]);
export const LINUX_6_19 = foldRuleSet([6, 19]);
export const DEFAULT_RULE_SET = foldRuleSet(NEWEST_RELEASE);
export const ALLOWLIST_LINUX_6_1 = LINUX_6_1.allowlist;
export const ALLOWLIST_LINUX_6_19 = LINUX_6_19.allowlist;

/**
 * The releases where the folded rules change (each one's first release), oldest first: a
 * representative set for tests and property checks (every other release equals one of these).
 */
export const RULE_SETS: readonly RuleSet[] = [
  ...new Set(P2PDMA_HISTORY.map((e) => releaseText(e.release))),
].map((t) => {
  const [maj, min] = t.slice(1).split('.').map(Number) as [number, number];
  return foldRuleSet([maj, min]);
});

/** The `--rules` help text. */
export const RULE_SET_HELP = `kernel rule set: ${RELEASE_RANGE} (default: the machine's kernel, else ${NEWEST_RULE_SET_NAME})`;
