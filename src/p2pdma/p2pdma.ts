/**
 * The kernel-facing model: `pci_p2pdma_distance_many()`, `pci_p2pdma_map_type()` and the
 * per-provider map-type cache (spec §3.5.3–3.6) over one fabric, rule set and command line. State
 * (which providers have p2pdma state, their caches, the log) lives in the instance. The DMA-BUF
 * kernel model builds on this class.
 *
 * Cache semantics (§3.5.4): keyed by the client's (domain << 16 | bus << 8 | devfn); written by every
 * computation for a provider that has p2pdma state (distance and map-type queries alike); never
 * invalidated, so an initial NOT_SUPPORTED sticks until the provider's state is released.
 */
import { cacheKey } from '../pci/bdf.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { calc } from './calc.js';
import { P2pEnv } from './env.js';
import { explore } from './explore.js';
import { getRuleSet, type RuleSet } from './rulesets.js';
import type { MapType, MissingFact, Verdict } from './types.js';
import { computeVerdict, distanceOf } from './verdict.js';

/** A client that is not itself a PCI function (e.g. an RDMA ib_device): found via its parents. */
export interface NonPciClient {
  /** As `dev_warn()` prints it: `<driver or bus> <device name>`, e.g. `infiniband mlx5_0`. */
  readonly devName: string;
  /** The first PCI device up its parent chain (`find_parent_pci_dev`), or null. */
  readonly pciParent: string | null;
}

export type DeviceRef = PciFunction | string;
export type ClientRef = DeviceRef | NonPciClient;

export interface DistanceResult {
  /** -1 refused; null when missing facts decide it (see `missing`). */
  readonly distance: number | null;
  readonly log: readonly string[];
  readonly missing?: readonly MissingFact[];
}

export type MapTypeAnswer =
  | MapType
  | { readonly uncertain: readonly MapType[]; readonly missing: readonly MissingFact[] };

/** The map-type cache of one provider (the xarray in `struct pci_p2pdma`). */
export class MapTypeCache {
  readonly #map = new Map<number, MapType>();
  get(key: number): MapType | 'UNKNOWN' {
    return this.#map.get(key) ?? 'UNKNOWN';
  }
  set(key: number, t: MapType): void {
    this.#map.set(key, t);
  }
  entries(): [number, MapType][] {
    return [...this.#map].sort((a, b) => a[0] - b[0]);
  }
}

const sameLog = (logs: readonly (readonly string[])[]) =>
  logs.every((l) => l.join('\n') === logs[0]!.join('\n'));

const isNonPci = (c: ClientRef): c is NonPciClient => typeof c === 'object' && 'devName' in c;

export class P2pdma {
  readonly env: P2pEnv;
  /** Every line the model printed, in order (boot lines first). */
  readonly kernelLog: string[];
  readonly #state = new Map<string, MapTypeCache>();

  constructor(fabric: Fabric, ruleSet: RuleSet | string | undefined = undefined, cmdline?: string) {
    const rules =
      typeof ruleSet === 'string' || ruleSet === undefined ? getRuleSet(ruleSet) : ruleSet;
    this.env = new P2pEnv(fabric, rules, cmdline);
    this.kernelLog = [...this.env.overlay.bootLog];
  }

  get ruleSet(): RuleSet {
    return this.env.rules;
  }

  #fn(ref: DeviceRef): PciFunction {
    return typeof ref === 'string' ? this.env.fabric.resolve(ref) : ref;
  }

  /** `pci_p2pdma_add_resource()` creating the provider's p2pdma state (and its empty cache). */
  addProvider(provider: DeviceRef): MapTypeCache {
    const p = this.#fn(provider);
    let c = this.#state.get(p.bdf);
    if (!c) {
      c = new MapTypeCache();
      this.#state.set(p.bdf, c);
    }
    return c;
  }

  /** Provider teardown: the state and its cache go away together. */
  releaseProvider(provider: DeviceRef): void {
    this.#state.delete(this.#fn(provider).bdf);
  }

  hasState(provider: DeviceRef): boolean {
    return this.#state.has(this.#fn(provider).bdf);
  }

  cache(provider: DeviceRef): MapTypeCache | null {
    return this.#state.get(this.#fn(provider).bdf) ?? null;
  }

  /** `pci_p2pdma_distance_many(provider, clients, n, verbose)`. */
  distance(provider: DeviceRef, clients: readonly ClientRef[], verbose: boolean): DistanceResult {
    const p = this.#fn(provider);
    const branches = explore((ask) => {
      const log: string[] = [];
      const stores: [number, MapType][] = [];
      if (clients.length === 0) return { distance: -1, log, stores };
      let notSupported = false;
      let total = 0;
      for (const c of clients) {
        let pc: PciFunction;
        if (isNonPci(c)) {
          if (c.pciParent === null) {
            if (verbose)
              log.push(
                `${c.devName}: cannot be used for peer-to-peer DMA as it is not a PCI device`,
              );
            return { distance: -1, log, stores };
          }
          pc = this.env.get(c.pciParent);
        } else pc = this.#fn(c);
        const t = calc(this.env, p, pc, verbose, ask);
        log.push(...t.log);
        if (this.env.rules.mapTypeCache) stores.push([cacheKey(pc.addr), t.mapType]);
        if (t.mapType === 'NOT_SUPPORTED') notSupported = true;
        if (notSupported && !verbose) break;
        total += Math.max(0, distanceOf(t));
      }
      return { distance: notSupported ? -1 : total, log, stores };
    });
    const first = branches[0]!.value;
    const cache = this.#state.get(p.bdf);
    const agree = branches.every((b) => b.value.distance === first.distance);
    if (cache) {
      for (const [i, [key, t]] of first.stores.entries()) {
        if (branches.every((b) => b.value.stores[i]?.[1] === t)) cache.set(key, t);
      }
    }
    // The log is printed only when every resolution of the missing facts prints the same lines.
    const log = sameLog(branches.map((b) => b.value.log)) ? first.log : [];
    this.kernelLog.push(...log);
    const missing = branches
      .flatMap((b) => b.assumed)
      .map((a) => ({ fact: a.fact, devices: a.devices }));
    if (!agree) return { distance: null, log, missing };
    return { distance: first.distance, log, ...(missing.length ? { missing } : {}) };
  }

  /** `pci_p2pdma_map_type(provider, client)`: the cached type, computed verbosely on a miss. */
  mapType(provider: DeviceRef, client: ClientRef): MapTypeAnswer {
    const p = this.#fn(provider);
    const cache = this.#state.get(p.bdf);
    if (!cache && this.env.rules.mapTypeCache) return 'NOT_SUPPORTED';
    if (isNonPci(client)) return 'NOT_SUPPORTED';
    const c = this.#fn(client);
    const hit = cache?.get(cacheKey(c.addr)) ?? 'UNKNOWN';
    if (hit !== 'UNKNOWN') return hit;
    // v5.4 – v5.19: a client never computed reads UNKNOWN from the cache; the mapping WARNs once
    // and fails (pci_p2pdma_map_sg_attrs). v6.0+ computes it here (719c98658058).
    if (this.env.rules.mapTypeCache && this.env.rules.mapTypeOnMiss === 'unknown')
      return 'NOT_SUPPORTED';
    const branches = explore((ask) => calc(this.env, p, c, true, ask));
    const first = branches[0]!.value;
    if (sameLog(branches.map((b) => b.value.log))) this.kernelLog.push(...first.log);
    const types = [...new Set(branches.map((b) => b.value.mapType))];
    if (types.length > 1) {
      const missing = branches
        .flatMap((b) => b.assumed)
        .map((a) => ({ fact: a.fact, devices: a.devices }));
      return { uncertain: types.sort(), missing };
    }
    cache?.set(cacheKey(c.addr), first.mapType);
    return first.mapType;
  }

  /** The full verdict for a pair (pure: does not touch caches or the log). */
  verdict(provider: DeviceRef, client: DeviceRef): Verdict {
    return computeVerdict(this.env, this.#fn(provider), this.#fn(client));
  }
}
