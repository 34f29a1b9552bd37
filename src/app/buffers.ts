/**
 * `buffers`: the DMA-BUF objects that exist on a machine now (or when its snapshot was taken), who
 * exported them, which devices are attached, who holds them, and for each attachment the P2P
 * verdict between the exporting and the attached device on this fabric.
 */
import { analyzeBuffers, type BuffersRecord, collectBuffers } from '../buffers/index.js';
import { PeerdmaError } from '../errors/index.js';
import type { VirtualFs } from '../ingest/types.js';
import { P2pEnv } from '../p2pdma/env.js';
import { chooseRules, type RulesChoiceData, rulesChoiceData } from '../p2pdma/kernel-release.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { Fabric } from '../pci/fabric.js';
import { type AppContext, loadMachine, need, type SourceRequest } from './context.js';

export interface BuffersRequest extends SourceRequest {
  readonly rules?: string | undefined;
}

/** The buffers, and which rule set decided the verdicts (the machine's kernel by default). */
export interface BuffersAppRecord extends BuffersRecord {
  readonly rules: RulesChoiceData;
}

/** The record of one machine's tree (tests and benches pass a VirtualFs and a Fabric directly). */
export function buildBuffers(vfs: VirtualFs, fabric: Fabric, rules?: string): BuffersAppRecord {
  const choice = chooseRules(fabric.machine, rules);
  const rec = analyzeBuffers(collectBuffers(vfs), new P2pEnv(fabric, choice.rules));
  return { ...rec, rules: rulesChoiceData(choice) };
}

export async function buffers(req: BuffersRequest, ctx: AppContext): Promise<BuffersAppRecord> {
  getRuleSet(req.rules); // E_NOT_FOUND before reading anything
  const from = req.from ?? 'live';
  if (from.startsWith('example:'))
    throw new PeerdmaError(
      'E_USAGE',
      `buffers reads a live machine or a snapshot; ${from} is a spec with no buffers`,
    );
  const vfs = await need(ctx, 'openTree')(from, 'buffers');
  const { fabric } = await loadMachine(ctx, { ...req, from });
  return buildBuffers(vfs, fabric, req.rules);
}
