import type { Fabric } from '../pci/fabric.js';
import { isKnown } from '../pci/types.js';
import type { IommuMode } from './types.js';

/** The IOMMU mode a machine runs in, where it came from, and whether it was assumed. */
export interface MachineIommuMode {
  readonly mode: IommuMode;
  /** e.g. `machine: default domain DMA-FQ`, or why it was assumed. */
  readonly source: string;
  /** True when the input did not say (the caller should suggest `--iommu`). */
  readonly assumed: boolean;
}

const BY_DOMAIN_TYPE: Readonly<Record<string, IommuMode>> = {
  identity: 'passthrough',
  DMA: 'strict',
  'DMA-FQ': 'lazy',
};

/**
 * The mode from the machine's facts (sysfs default-domain type, IOMMU on/off). When the input does
 * not say, assume the x86 default for an enabled IOMMU (lazy, DMA-FQ) and say so: one rule shared
 * by `map-cost`, `demo` and the report so they never disagree about the same machine.
 */
export function machineIommuMode(fabric: Fabric): MachineIommuMode {
  const io = fabric.machine.iommu;
  if (io.enabled === false) return { mode: 'none', source: 'machine: IOMMU off', assumed: false };
  const d = io.defaultDomain;
  if (d !== undefined && isKnown(d)) {
    const m = BY_DOMAIN_TYPE[d];
    if (m !== undefined) return { mode: m, source: `machine: default domain ${d}`, assumed: false };
  }
  if (io.enabled === true) {
    return {
      mode: 'lazy',
      source: 'assumed: IOMMU on, domain type unknown → x86 default (lazy)',
      assumed: true,
    };
  }
  return {
    mode: 'lazy',
    source: 'assumed: IOMMU state unknown → x86 default (lazy); pass --iommu',
    assumed: true,
  };
}
