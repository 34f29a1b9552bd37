/** `check A B`: the kernel's P2P verdict for provider A and client B. */

import { type Flip, firstFlip } from '../p2pdma/flips.js';
import { chooseRules, type RulesChoice } from '../p2pdma/kernel-release.js';
import { P2pdma } from '../p2pdma/p2pdma.js';
import { type P2pRoute, p2pRoute } from '../p2pdma/route.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { Verdict } from '../p2pdma/types.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown } from '../pci/types.js';
import { refuser, sharedChip } from '../perf/facts.js';
import { type AppContext, loadMachine, type SourceRequest } from './context.js';
import { FACT_SEVERITY, type FactCode, type Finding, issueFinding } from './findings.js';

export interface CheckRecord {
  /** The machine, for drawing the route on its tree. */
  readonly fabric: Fabric;
  readonly verdict: Verdict;
  /** Where the traffic turns around: the one route function `demo` draws with too. */
  readonly route: P2pRoute;
  /** What the rule set models when it is not plain mainline (null: nothing to say). */
  readonly ruleSetNote: string | null;
  readonly findings: readonly Finding[];
  /** Which rule set answered and why (`--rules`, the machine's kernel, the newest by default). */
  readonly rules?: RulesChoice;
  /** Distribution kernels: the first later release answering the pair differently (null: none). */
  readonly flip?: Flip | null;
}

/** The record for a verdict already computed on `fabric`. */
export function checkRecord(
  fabric: Fabric,
  verdict: Verdict,
  rules?: RulesChoice,
  flip?: Flip | null,
): CheckRecord {
  return {
    fabric,
    verdict,
    route: p2pRoute(fabric, verdict),
    ruleSetNote: getRuleSet(verdict.ruleSet).caveat ?? null,
    findings: [...verdict.issues.map(issueFinding), ...factFindings(fabric, verdict)],
    ...(rules ? { rules } : {}),
    ...(flip !== undefined ? { flip } : {}),
  };
}

/** Stated facts about the pair that the kernel does not look at (driver policy, chip partitions). */
export function factFindings(fabric: Fabric, v: Verdict): Finding<FactCode>[] {
  const a = fabric.require(v.provider);
  const b = fabric.require(v.client);
  const out: Finding<FactCode>[] = [];
  const who = refuser(fabric, a, b);
  if (who !== null) {
    const pf = who.physfn !== null ? fabric.require(who.physfn) : who;
    const driver = isKnown(who.driver) && who.driver !== null ? who.driver : pf.driver;
    out.push({
      code: 'driver_refuses_p2p',
      severity: FACT_SEVERITY.driver_refuses_p2p,
      subject: [who.name ?? who.bdf],
      evidence: {
        driver: isKnown(driver) ? driver : null,
        kernelAllows: v.mapType === 'BUS_ADDR' || v.mapType === 'THRU_HOST_BRIDGE',
      },
      hint: null,
    });
  }
  const chip = sharedChip(fabric, a, b);
  if (chip !== null)
    out.push({
      code: 'chip_partitions',
      severity: FACT_SEVERITY.chip_partitions,
      subject: [a.name ?? a.bdf, b.name ?? b.bdf],
      evidence: { chip: chip[0].switchChip!.id, partitions: chip.map((x) => x.name ?? x.bdf) },
      hint: null,
    });
  return out;
}

export interface P2pRequest extends SourceRequest {
  /** Rule set name (default: the machine's kernel release, else the newest). */
  readonly rules?: string | undefined;
  /** What-if kernel command line (pci=disable_acs_redir=…, pci=config_acs=…). */
  readonly kernelCmdline?: string | undefined;
}

export interface CheckRequest extends P2pRequest {
  /** Memory owner: BDF, unique BDF suffix or spec name. */
  readonly provider: string;
  /** DMA initiator. */
  readonly client: string;
}

export async function check(req: CheckRequest, ctx: AppContext): Promise<CheckRecord> {
  if (req.rules !== undefined) getRuleSet(req.rules); // a typed error before loading anything
  const { fabric } = await loadMachine(ctx, req);
  // --rules, else the machine's own kernel, else the newest release (said to be a default).
  const choice = chooseRules(fabric.machine, req.rules);
  const model = new P2pdma(fabric, choice.rules, req.kernelCmdline);
  const provider = fabric.resolve(req.provider);
  const client = fabric.resolve(req.client);
  // A distribution kernel is answered as its mainline base: name the later change that flips it.
  const flip =
    choice.distro !== null
      ? firstFlip(fabric, choice.rules, provider, client, req.kernelCmdline)
      : null;
  return checkRecord(fabric, model.verdict(provider, client), choice, flip);
}
