/**
 * A driver test world on a real Kernel (IOMMU off unless asked), wired with `fromKernel`.
 * `distance` overrides the P2P verdict (to force a refusal); `identity` swaps the DMA layer for
 * CPU-physical addresses. Tests end with `k.checkPristine()`. Test-only.
 */
import type { StrategyName } from '../../dma/strategies/index.js';
import type { IommuMode } from '../../iommu/types.js';
import { Kernel } from '../../kernel/index.js';
import type { Fabric } from '../../pci/fabric.js';
import type { PciFunction } from '../../pci/types.js';
import type { DriverEnv } from '../env.js';
import { fromKernel } from '../kernel-env.js';
import { identityMapper } from '../mappers.js';

export interface TestWorld {
  readonly k: Kernel;
  readonly env: DriverEnv;
}

export function testWorld(
  fabric: Fabric,
  opts: {
    distance?: (p: PciFunction, c: PciFunction) => number;
    moveNotify?: boolean;
    iommu?: IommuMode;
    strategy?: StrategyName;
    identity?: boolean;
    ruleSet?: string;
  } = {},
): TestWorld {
  const k = new Kernel({
    fabric,
    iommu: { mode: opts.iommu ?? 'none' },
    moveNotify: opts.moveNotify ?? false,
    strict: true,
    ...(opts.ruleSet !== undefined ? { ruleSet: opts.ruleSet } : {}),
  });
  const base = fromKernel(k, opts.strategy ? { strategy: opts.strategy } : {});
  const dist = opts.distance;
  const env: DriverEnv = {
    ...base,
    ...(opts.identity ? { mapper: identityMapper() } : {}),
    p2pDistance: dist ? (p, c) => dist(p, c) : base.p2pDistance,
  };
  return { k, env };
}
