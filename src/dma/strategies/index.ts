import type { KResult } from '../../core/errno.js';
import { STRATEGY_TABLE } from '../closed-form.js';
import { iovaLink } from './iova-link.js';
import { mapResource } from './map-resource.js';
import { p2pPages } from './p2p-pages.js';
import { physVec } from './phys-vec.js';
import type { Strategy, StrategyInput, StrategyMapping, StrategyName } from './types.js';

export * from './types.js';
export { iovaLink, mapResource, p2pPages, physVec };

/** The runners of STRATEGY_TABLE (closed-form.ts), the one strategy dispatch table. */
export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  'p2p-pages': STRATEGY_TABLE['p2p-pages'].run,
  'map-resource': STRATEGY_TABLE['map-resource'].run,
  'iova-link': STRATEGY_TABLE['iova-link'].run,
  'phys-vec': STRATEGY_TABLE['phys-vec'].run,
};

/** Run the named strategy (what an exporter configured with it calls in map_dma_buf). */
export function runStrategy(name: StrategyName, input: StrategyInput): KResult<StrategyMapping> {
  return STRATEGY_TABLE[name].run(input);
}
