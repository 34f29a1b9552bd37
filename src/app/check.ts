/** `check A B`: the kernel's P2P verdict for provider A and client B. */

import { P2pdma } from '../p2pdma/p2pdma.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { Verdict } from '../p2pdma/types.js';
import type { Fabric } from '../pci/fabric.js';
import { type AppContext, LOCAL, loadMachine, type SourceRequest } from './context.js';
import { type Finding, issueFinding } from './findings.js';

export interface CheckRecord {
  /** The machine, for drawing the route on its tree. */
  readonly fabric: Fabric;
  readonly verdict: Verdict;
  /** What the rule set models when it is not plain mainline (null: nothing to say). */
  readonly ruleSetNote: string | null;
  readonly findings: readonly Finding[];
}

/** The record for a verdict already computed on `fabric`. */
export function checkRecord(fabric: Fabric, verdict: Verdict): CheckRecord {
  return {
    fabric,
    verdict,
    ruleSetNote: getRuleSet(verdict.ruleSet).caveat ?? null,
    findings: verdict.issues.map(issueFinding),
  };
}

export interface P2pRequest extends SourceRequest {
  /** Rule set name (default: the newest). */
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

export async function check(req: CheckRequest, ctx: AppContext = LOCAL): Promise<CheckRecord> {
  const rules = getRuleSet(req.rules); // E_NOT_FOUND before loading anything
  const { fabric } = await loadMachine(ctx, req);
  const model = new P2pdma(fabric, rules, req.kernelCmdline);
  const provider = fabric.resolve(req.provider);
  const client = fabric.resolve(req.client);
  return checkRecord(fabric, model.verdict(provider, client));
}
