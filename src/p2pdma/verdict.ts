/**
 * A Verdict for one (provider, client) pair: the kernel's answer under every resolution of the
 * missing facts it consults, the route, the findings as data, the locality class and bottleneck.
 */
import type { Bdf } from '../pci/bdf.js';
import type { PciFunction } from '../pci/types.js';
import { baseAcs } from './acs.js';
import { acsListText, type CalcTrace, calc, ROOT_COMPLEX_DISTANCE } from './calc.js';
import type { P2pEnv } from './env.js';
import { type Branch, explore } from './explore.js';
import { bottleneck } from './links.js';
import { localityClass } from './locality.js';
import type {
  AcsUsed,
  CertainVerdict,
  Issue,
  MapType,
  MissingFact,
  Outcome,
  UncertainVerdict,
  Verdict,
} from './types.js';

interface PairRun {
  readonly trace: CalcTrace;
  readonly outcome: Outcome;
}

/** `pci_p2pdma_distance()` for one client: -1 on refusal, else the distance. */
export const distanceOf = (t: CalcTrace): number =>
  t.mapType === 'NOT_SUPPORTED' || t.ret < 0 ? -1 : t.ret;

function runPair(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  withLog: boolean,
): Branch<PairRun>[] {
  return explore((ask) => {
    const verbose = calc(env, provider, client, withLog, ask);
    const quiet = withLog ? calc(env, provider, client, false, ask) : verbose;
    return {
      trace: verbose,
      outcome: {
        mapType: verbose.mapType,
        distance: distanceOf(verbose),
        kernelLog: withLog ? [...verbose.log, ...quiet.log] : [],
      },
    };
  });
}

function missingFacts(branches: readonly Branch<unknown>[]): MissingFact[] {
  const byFact = new Map<string, Set<string>>();
  for (const b of branches) {
    for (const a of b.assumed) {
      const set = byFact.get(a.fact) ?? new Set<string>();
      for (const d of a.devices) set.add(d);
      byFact.set(a.fact, set);
    }
  }
  return [...byFact].map(([fact, devs]) => ({
    fact: fact as MissingFact['fact'],
    devices: [...devs].sort() as never,
  }));
}

/** A device of an ACS finding's evidence: its BDF and its ACS control value when known. */
export interface AcsBridge {
  readonly bdf: Bdf;
  readonly ctrl: number | null;
}

/**
 * The finding of a pair whose ACS list (devices with ACS redirect, in the kernel's checking order)
 * is not empty: `acs_redirect`, or `early_acs_refused` before the host-bridge rule. `bridges`: a
 * cache of the evidence entries by BDF, shared by the findings of one env (the matrix builds
 * thousands of them over a few hundred devices).
 */
export function acsIssue(
  env: P2pEnv,
  acsList: readonly Bdf[],
  common: Bdf | null,
  bridges?: Map<Bdf, AcsBridge>,
): Issue {
  const bridge = (bdf: Bdf): AcsBridge => {
    let b = bridges?.get(bdf);
    if (b === undefined) {
      const a = env.acs(env.get(bdf));
      b = { bdf, ctrl: a.cap === 'present' && a.unknownBits === 0 ? a.ctrl : null };
      bridges?.set(bdf, b);
    }
    return b;
  };
  return {
    code: env.rules.semantics !== 'host-bridge' ? 'early_acs_refused' : 'acs_redirect',
    path: acsList,
    evidence: { bridges: acsList.map(bridge), common },
    hint: `pci=disable_acs_redir=${acsListText(acsList, env.rules.acsListBuffer)}`,
  };
}

function issuesOf(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  t: CalcTrace,
  path: readonly string[],
): Issue[] {
  const out: Issue[] = [];
  const early = env.rules.semantics !== 'host-bridge';
  if (t.acsList.length > 0) out.push(acsIssue(env, t.acsList, t.common));
  if (t.rootComplex) {
    out.push({
      code: 'root_complex_allowlisted',
      path: [
        provider.hostBridge,
        ...(client.hostBridge !== provider.hostBridge ? [client.hostBridge] : []),
      ],
      evidence: { distanceAdded: ROOT_COMPLEX_DISTANCE, ruleSet: env.rules.name },
      hint: null,
    });
  } else if (t.common === null) {
    out.push({
      code: early ? 'early_no_common_switch' : 'no_common_upstream',
      path: [provider.bdf, client.bdf],
      evidence: {
        providerHostBridge: provider.hostBridge,
        clientHostBridge: client.hostBridge,
        sameHostBridge: provider.hostBridge === client.hostBridge,
      },
      hint: early ? 'put both devices under one PCIe switch' : null,
    });
  }
  if (t.cpu === true) {
    out.push({
      code: 'cpu_allows_host_bridge',
      path: [
        provider.hostBridge,
        ...(client.hostBridge !== provider.hostBridge ? [client.hostBridge] : []),
      ],
      evidence: { vendor: env.fabric.machine.cpu.vendor, family: env.fabric.machine.cpu.family },
      hint: null,
    });
  }
  for (const c of t.hostChecks) {
    out.push({
      code:
        c.answer === 'allowed'
          ? 'host_bridge_allowlisted'
          : c.answer === 'not-listed'
            ? 'host_bridge_not_allowlisted'
            : c.answer === 'no-device'
              ? 'no_host_bridge_device'
              : 'host_bridge_requires_same',
      path: c.device === null ? [c.hostBridge] : [c.hostBridge, c.device],
      evidence: {
        hostBridge: c.hostBridge,
        device: c.device,
        ids: c.ids,
        sameHostBridge: c.same,
        ruleSet: env.rules.name,
        ...(c.entry === undefined ? {} : { entry: c.entry }),
      },
      hint:
        c.answer === 'allowed'
          ? null
          : c.answer === 'requires-same-host-bridge'
            ? 'keep provider and client below the same host bridge'
            : 'put both devices under one PCIe switch (no ACS redirect), or use a platform the rule set allows (AMD Zen CPU, allowlisted root complex)',
    });
  }
  const changed = env.changedByCmdline;
  const touched = changed.size === 0 ? [] : path.filter((b) => changed.has(b));
  if (touched.length > 0) {
    out.push({
      code: 'cmdline',
      path: touched,
      evidence: { disableAcsRedir: env.overlay.disableAcsRedir, configAcs: env.overlay.configAcs },
      hint: null,
    });
  }
  return out;
}

/** The findings every branch reports (by value); one branch: its findings as they are. */
function issuesInAll(sets: readonly Issue[][]): Issue[] {
  if (sets.length === 1) return sets[0]!;
  const keys = sets.map((set) => new Set(set.map((i) => JSON.stringify(i))));
  return sets[0]!.filter((i) => keys.every((k) => k.has(JSON.stringify(i))));
}

export interface VerdictOptions {
  /** false: skip the kernel log (a quiet walk only; `kernelLog` is empty). For the matrix. */
  readonly log?: boolean;
}

type RouteKeys =
  | 'provider'
  | 'client'
  | 'path'
  | 'class'
  | 'bottleneck'
  | 'ruleSet'
  | 'bootLog'
  | 'acsUsed';

/** The effective ACS state of `fns` as the verdict used it. */
function acsUsed(env: P2pEnv, fns: readonly PciFunction[]): Record<string, AcsUsed> {
  const out: Record<string, AcsUsed> = {};
  for (const f of fns) {
    const a = env.acs(f);
    const b = baseAcs(f);
    out[f.bdf] = {
      cap: a.cap,
      ctrl: a.ctrl,
      unknownBits: a.unknownBits,
      redirect: env.redirect(f),
      changedByCmdline: a.ctrl !== b.ctrl || a.unknownBits !== b.unknownBits || a.cap !== b.cap,
    };
  }
  return out;
}
/** A verdict without its route facts: what the kernel answers, the ACS bridges and the findings. */
export type PairAnswer = Omit<CertainVerdict, RouteKeys> | Omit<UncertainVerdict, RouteKeys>;

export function computeVerdict(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  opts: VerdictOptions = {},
): Verdict {
  const fabric = env.fabric;
  const path = fabric.path(provider, client);
  const common = fabric.commonUpstream(provider, client);
  const base = {
    provider: provider.bdf,
    client: client.bdf,
    path,
    class: localityClass(fabric, provider, client),
    bottleneck: bottleneck(fabric, path, common?.bdf ?? null),
    ruleSet: env.rules.name,
    bootLog: env.overlay.bootLog,
    acsUsed: acsUsed(env, [...fabric.upstreamChain(provider), ...fabric.upstreamChain(client)]),
  };
  return { ...base, ...pairAnswer(env, provider, client, path, opts) } as Verdict;
}

/** The answer part of `computeVerdict` for a pair whose `fabric.path` the caller already has. */
export function pairAnswer(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  path: readonly string[],
  opts: VerdictOptions = {},
): PairAnswer {
  const branches = runPair(env, provider, client, opts.log ?? true);
  const first = branches[0]!.value;
  const keyOf = (o: Outcome) => `${o.mapType}/${o.distance}`;
  const decided = new Set(branches.map((b) => keyOf(b.value.outcome)));
  const missing = missingFacts(branches);
  const issueSets = branches.map((b) => issuesOf(env, provider, client, b.value.trace, path));
  const inAll = issuesInAll(issueSets);
  const acsSure = branches.every((b) => b.value.trace.acsList.length === first.trace.acsList.length)
    ? first.trace.acsList
    : first.trace.acsList.filter((bdf) => env.redirect(env.get(bdf)) === true);
  if (decided.size === 1) {
    const logs = new Set(branches.map((b) => b.value.outcome.kernelLog.join('\n')));
    return {
      mapType: first.outcome.mapType,
      distance: first.outcome.distance,
      kernelLog: first.outcome.kernelLog,
      acsBridges: acsSure,
      issues: inAll,
      ...(logs.size > 1 ? { logMissing: missing } : {}),
    };
  }
  const outcomes: Outcome[] = [];
  for (const b of branches)
    if (!outcomes.some((o) => keyOf(o) === keyOf(b.value.outcome))) outcomes.push(b.value.outcome);
  const possible = [...new Set(outcomes.map((o) => o.mapType))].sort() as MapType[];
  const dists = new Set(outcomes.map((o) => o.distance));
  const factIssues: Issue[] = missing.map((m) => ({
    code: 'fact_unknown',
    path: m.devices,
    evidence: { fact: m.fact, possible },
    hint: null,
  }));
  const commonLog = outcomes[0]!.kernelLog.filter((l) =>
    outcomes.every((o) => o.kernelLog.includes(l)),
  );
  return {
    mapType: 'uncertain',
    possible,
    missing: missing[0]!,
    moreMissing: missing.slice(1),
    distance: dists.size === 1 ? [...dists][0]! : null,
    outcomes,
    kernelLog: commonLog,
    acsBridges: acsSure,
    issues: [...inAll, ...factIssues],
  };
}
