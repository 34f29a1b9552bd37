/**
 * Option values shared by several use cases, parsed once with one error wording. Light on imports:
 * shells read these lists for their help text before any use case loads.
 */
import { STRATEGY_NAMES, type StrategyName } from '../dma/strategies/types.js';
import { PeerdmaError } from '../errors/index.js';
import type { InputFormat } from '../ingest/types.js';
import { IOMMU_MODE_NAMES, type IommuMode } from '../iommu/types.js';
import type { DeviceCategory } from '../pci/classes.js';

export { STRATEGY_NAMES } from '../dma/strategies/types.js';
export { RULE_SET_HELP } from '../p2pdma/rulesets.js';

export const INPUT_FORMATS: readonly InputFormat[] = ['sysfs', 'lspci', 'hwloc', 'spec'];

/** `--format` as an input format, or E_USAGE naming the accepted ones. */
export function inputFormat(format: string | undefined): InputFormat | undefined {
  if (format === undefined) return undefined;
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) {
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --format '${format}' (one of ${INPUT_FORMATS.join(', ')})`,
    );
  }
  return format as InputFormat;
}

/** `--iommu none|pt|strict|lazy` (undefined: what the machine runs). */
export function iommuMode(name: string | undefined): IommuMode | undefined {
  if (name === undefined) return undefined;
  const mode = Object.hasOwn(IOMMU_MODE_NAMES, name) ? IOMMU_MODE_NAMES[name] : undefined;
  if (mode === undefined)
    throw new PeerdmaError('E_USAGE', `unknown --iommu '${name}' (none, pt, strict, lazy)`);
  return mode;
}

/** `--strategy NAME`: one DMA mapping strategy. */
export function strategyName(name: string | undefined): StrategyName | undefined {
  if (name === undefined) return undefined;
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --strategy '${name}' (${STRATEGY_NAMES.join(', ')})`,
    );
  }
  return name as StrategyName;
}

/** The machine `--from` reads when none is named (`example:default`). */
export const DEFAULT_EXAMPLE = 'default';

/** Device classes `matrix --class` selects. */
export const MATRIX_CLASSES: readonly DeviceCategory[] = [
  'accel',
  'gpu',
  'nic',
  'nvme',
  'storage',
  'host-bridge',
  'other',
];

/** What a matrix cell shows. */
export type MatrixShow = 'maptype' | 'class' | 'distance';
export const MATRIX_SHOWS: readonly MatrixShow[] = ['maptype', 'class', 'distance'];
