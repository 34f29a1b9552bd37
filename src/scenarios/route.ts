import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import type { ScenarioWorld } from './world.js';

/**
 * Where a client's DMA to a provider's BAR actually travels (spec §6.8.1–6.8.2): through the IOMMU
 * in the root complex when the client's DMA is translated; up to the root complex when ACS redirect
 * sits on the path; else turned around at the lowest common switch.
 */
export interface Route {
  readonly kind:
    | 'switch-local'
    | 'root-complex (ACS redirect)'
    | 'root-complex (IOMMU)'
    | 'host-bridge';
  /** Hops by name (BDF when unnamed), client first. */
  readonly hops: readonly string[];
  /** The P2P verdict was uncertain (a fact such as ACS state unknown): the kind is a best guess. */
  readonly uncertain: boolean;
}

const label = (fabric: Fabric, id: string): string => fabric.get(id)?.name ?? id;

export function routeOf(
  w: ScenarioWorld,
  client: PciFunction,
  provider: PciFunction,
  busAddr = false,
): Route {
  const fabric = w.k.fabric;
  const hops = fabric.path(client, provider).map((h) => label(fabric, h));
  const common = fabric.commonUpstream(client, provider);
  const v = w.k.p2pdma.verdict(provider, client);
  const switchLocal = common !== null && common.kind !== 'root-port' && v.acsBridges.length === 0;
  const uncertain = v.mapType === 'uncertain';
  if (busAddr && switchLocal) return { kind: 'switch-local', hops, uncertain };
  if (w.k.iommuUnit.translating(client))
    return { kind: 'root-complex (IOMMU)', hops: viaRoot(fabric, client, provider), uncertain };
  if (v.acsBridges.length > 0)
    return {
      kind: 'root-complex (ACS redirect)',
      hops: viaRoot(fabric, client, provider),
      uncertain,
    };
  if (switchLocal) return { kind: 'switch-local', hops, uncertain };
  return { kind: 'host-bridge', hops, uncertain };
}

/** Up from the client to its root bus, the host bridge(s), down to the provider. */
function viaRoot(fabric: Fabric, a: PciFunction, b: PciFunction): string[] {
  const up = fabric.upstreamChain(a).map((f) => f.name ?? f.bdf);
  const down = fabric
    .upstreamChain(b)
    .map((f) => f.name ?? f.bdf)
    .reverse();
  const mid = a.hostBridge === b.hostBridge ? [a.hostBridge] : [a.hostBridge, b.hostBridge];
  return [...up, ...mid, ...down];
}

export const renderRoute = (r: Route): string =>
  `${r.hops.join(' → ')} [${r.kind}${r.uncertain ? '?, the P2P verdict is uncertain' : ''}]`;

/** A client's DMA to system RAM: up to its host bridge. */
export function routeToRam(fabric: Fabric, client: PciFunction): string {
  const up = fabric.upstreamChain(client).map((f) => f.name ?? f.bdf);
  return [...up, client.hostBridge, 'system RAM'].join(' → ');
}
