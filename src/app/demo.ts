/**
 * `demo`: the founding scenario (export → pass fd → RDMA import → map → write → verify →
 * teardown), the ring + doorbell comparison and NVMe → GPU VRAM, run on one machine.
 */
import type { KResult } from '../core/errno.js';
import { chooseRules, type RulesChoiceData, rulesChoiceData } from '../p2pdma/kernel-release.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { Fabric } from '../pci/fabric.js';
import type { DemoResult } from '../scenarios/demo-steps.js';
import { type FoundingOptions, runFounding } from '../scenarios/founding.js';
import { type GpuNvmeResult, runGpuNvme } from '../scenarios/gpu-nvme.js';
import { type RingResult, runRingDoorbell } from '../scenarios/ring-doorbell.js';
import { type AppContext, loadMachine, type SourceRequest } from './context.js';
import { iommuMode, strategyName } from './options.js';

/** 2: `ring.timing.p2p/cpu.gbps` renamed `GBps` (the unit in the name). */
export const DEMO_SCHEMA_VERSION = 2;

export interface DemoDoc {
  readonly schemaVersion: 2;
  /** The kernel release the demo models and why (`--rules`, the machine's kernel, the newest). */
  readonly rules: RulesChoiceData;
  readonly founding: DemoResult;
  readonly ring: RingResult | { readonly error: string };
  /** NVMe → GPU VRAM through the amdgpu-style dynamic exporter (static vs pinned, MOVE_NOTIFY). */
  readonly gpuNvme: GpuNvmeResult | { readonly error: string };
}

/** Every scenario of the demo on a loaded machine. */
export function buildDemo(fabric: Fabric, given: FoundingOptions = {}): DemoDoc {
  // --rules, else the machine's own kernel, else the newest release (said to be a default).
  const choice = chooseRules(fabric.machine, given.ruleSet);
  const rules = rulesChoiceData(choice);
  const opts: FoundingOptions = { ...given, ruleSet: choice.rules.name };
  const founding = runFounding(fabric, opts);
  const ring: KResult<RingResult> = founding.pair
    ? runRingDoorbell(fabric, opts)
    : {
        ok: false,
        errno: 'ENODEV',
        code: -19,
        message: 'it needs the same (accelerator, NIC) pair',
      };
  const gpuNvme = runGpuNvme(fabric, opts);
  return {
    schemaVersion: DEMO_SCHEMA_VERSION,
    rules,
    founding,
    ring: ring.ok ? ring.value : { error: ring.message },
    gpuNvme: gpuNvme.ok ? gpuNvme.value : { error: gpuNvme.message },
  };
}

export interface DemoRequest extends SourceRequest {
  /** none|pt|strict|lazy (default: what the machine runs). */
  readonly iommu?: string | undefined;
  /** DMA mapping strategy for BAR chunks (default map-resource). */
  readonly strategy?: string | undefined;
  /** Register a pinned dma-buf MR instead of a dynamic (ODP-style) one. */
  readonly pinned?: boolean | undefined;
  /** Rule set, e.g. linux-5.14 (default: the machine's kernel release, else the newest). */
  readonly rules?: string | undefined;
}

/** Check the options, load the machine, run the demo. */
export async function demo(req: DemoRequest, ctx: AppContext): Promise<DemoDoc> {
  const iommu = iommuMode(req.iommu);
  const strategy = strategyName(req.strategy);
  // Unknown, malformed or pre-p2pdma releases are refused before loading, exactly as `check` does.
  if (req.rules !== undefined) getRuleSet(req.rules);
  const { fabric } = await loadMachine(ctx, req);
  return buildDemo(fabric, {
    ...(iommu ? { iommu } : {}),
    ...(strategy ? { strategy } : {}),
    ...(req.rules ? { ruleSet: req.rules } : {}),
    mode: req.pinned ? 'pinned' : 'dynamic',
  });
}
