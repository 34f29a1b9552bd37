/**
 * Where a client's DMA to a provider's BAR travels (spec §6.8.1–6.8.2), from the verdict the kernel
 * gave: turned around at the lowest common upstream bridge when the client gets bus addresses;
 * through the root complex when ACS redirect sits on the path, the IOMMU translates, or there is no
 * common bridge. One function for every rendering (`check`'s tree, `demo`'s steps, the web UI).
 */
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import type { Verdict } from './types.js';

export type RouteKind =
  | 'switch-local'
  | 'root-port'
  | 'root-complex (ACS redirect)'
  | 'root-complex (IOMMU)'
  | 'host-bridge'
  | 'none';

export interface P2pRoute {
  readonly kind: RouteKind;
  /** Hops as BDFs and host bridge ids, client first (empty for `none`). */
  readonly hops: readonly string[];
  /** Where the traffic turns around: a bridge BDF or the host bridge id(s); empty for `none`. */
  readonly turnsAt: readonly string[];
  /** The verdict was uncertain (a fact such as ACS state unknown): the kind is a best guess. */
  readonly uncertain: boolean;
}

export interface RouteOptions {
  /** The mapping gave the client PCI bus addresses (default: the verdict is BUS_ADDR). */
  readonly busAddr?: boolean;
  /** The client's DMA is translated by the IOMMU (default false). */
  readonly translating?: boolean;
}

/** The route of `v` (a verdict of `fabric`); `opts` overrides with what a mapping actually did. */
export function p2pRoute(fabric: Fabric, v: Verdict, opts: RouteOptions = {}): P2pRoute {
  const provider = fabric.require(v.provider);
  const client = fabric.require(v.client);
  const uncertain = v.mapType === 'uncertain';
  const common = fabric.commonUpstream(client, provider);
  const noAcs = v.acsBridges.length === 0;
  const busAddr = opts.busAddr ?? v.mapType === 'BUS_ADDR';
  const local = (kind: RouteKind): P2pRoute => ({
    kind,
    hops: fabric.path(client, provider),
    turnsAt: common ? [common.bdf] : [],
    uncertain,
  });
  const viaRoot = (kind: RouteKind): P2pRoute => {
    const hbs = [...new Set([client.hostBridge, provider.hostBridge])];
    const up = fabric.upstreamChain(client).map((f) => f.bdf);
    const down = fabric
      .upstreamChain(provider)
      .map((f) => f.bdf)
      .reverse();
    return { kind, hops: [...up, ...hbs, ...down], turnsAt: hbs, uncertain };
  };
  if (busAddr && common !== null && noAcs)
    return local(common.kind === 'root-port' ? 'root-port' : 'switch-local');
  if (opts.busAddr === undefined && v.mapType === 'NOT_SUPPORTED')
    return { kind: 'none', hops: [], turnsAt: [], uncertain };
  // ACS redirect names the reason first: it sends the traffic up whatever the IOMMU does, so
  // `check` (which knows no IOMMU mode) and `demo` name the same route the same way.
  if (!noAcs) return viaRoot('root-complex (ACS redirect)');
  if (opts.translating) return viaRoot('root-complex (IOMMU)');
  // Untranslated CPU physical addresses below a switch without ACS redirect: the switch's
  // address windows still turn the traffic around.
  if (common !== null && common.kind !== 'root-port') return local('switch-local');
  return viaRoot('host-bridge');
}

/** A route as one line, hops named by `label`. */
export const routeLine = (r: P2pRoute, label: (id: string) => string = (id) => id): string =>
  r.kind === 'none'
    ? `none [refused${r.uncertain ? '?, the P2P verdict is uncertain' : ''}]`
    : `${r.hops.map(label).join(' → ')} [${r.kind}${r.uncertain ? '?, the P2P verdict is uncertain' : ''}]`;

/** Whether `f` is where the route turns around. */
export const turnsAt = (r: P2pRoute, f: PciFunction | string): boolean =>
  r.turnsAt.includes(typeof f === 'string' ? f : f.bdf);
