import type { KResult } from '../../core/errno.js';
import { iovaLink } from './iova-link.js';
import { mapResource } from './map-resource.js';
import { p2pPages } from './p2p-pages.js';
import { physVec } from './phys-vec.js';
import type { Strategy, StrategyInput, StrategyMapping, StrategyName } from './types.js';

export * from './types.js';
export { iovaLink, mapResource, p2pPages, physVec };

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  'p2p-pages': p2pPages,
  'map-resource': mapResource,
  'iova-link': iovaLink,
  'phys-vec': physVec,
};

/** Run the named strategy (what an exporter configured with it calls in map_dma_buf). */
export function runStrategy(name: StrategyName, input: StrategyInput): KResult<StrategyMapping> {
  return STRATEGIES[name](input);
}
