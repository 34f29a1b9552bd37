import { type P2pRoute, p2pRoute, routeLine } from '../p2pdma/route.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import type { ScenarioWorld } from './world.js';

/** A scenario's route: the one route function of `p2pdma/route.ts`, with hops named. */
export interface Route extends P2pRoute {
  /** The fabric the hops belong to (for naming them). */
  readonly fabric: Fabric;
}

/**
 * Where a client's DMA to a provider's BAR travels, given what the mapping did (`busAddr`) and
 * whether the IOMMU translates the client: the same function `peerdma check` draws with.
 */
export function routeOf(
  w: ScenarioWorld,
  client: PciFunction,
  provider: PciFunction,
  busAddr = false,
): Route {
  const fabric = w.k.fabric;
  const v = w.k.p2pdma.verdict(provider, client);
  return {
    ...p2pRoute(fabric, v, { busAddr, translating: w.k.iommuUnit.translating(client) }),
    fabric,
  };
}

export const renderRoute = (r: Route): string => routeLine(r, (id) => r.fabric.get(id)?.name ?? id);

/** A client's DMA to system RAM: up to its host bridge. */
export function routeToRam(fabric: Fabric, client: PciFunction): string {
  const up = fabric.upstreamChain(client).map((f) => f.name ?? f.bdf);
  return [...up, client.hostBridge, 'system RAM'].join(' → ');
}
