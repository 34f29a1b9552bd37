import { PeerdmaError } from '../errors/index.js';
import { pushTo } from '../util/multimap.js';
import { compareBdf, tryParseBdf } from './bdf.js';
import { closestMatches } from './closest.js';
import {
  BRIDGE_KINDS,
  type HostBridge,
  type IommuGroup,
  isKnown,
  type MachineInfo,
  type PciFunction,
  UNKNOWN,
} from './types.js';

/**
 * The PCI hierarchy of one machine: immutable once built (see FabricBuilder). Every later stage
 * reads it; nothing writes back. Queries mirror the kernel's topology primitives (spec §3.3).
 */
export class Fabric {
  readonly machine: MachineInfo;
  readonly hostBridges: readonly HostBridge[];
  /** Sorted by BDF. */
  readonly functions: readonly PciFunction[];
  readonly iommuGroups: readonly IommuGroup[];

  readonly #byBdf = new Map<string, PciFunction>();
  readonly #byName = new Map<string, PciFunction>();
  /** OS device names (`mlx5_0`, `nvme0`, `GPU0`) → function; a name on two functions maps to none. */
  readonly #byOsName = new Map<string, PciFunction | null>();
  readonly #children = new Map<string, PciFunction[]>();
  readonly #virtfns = new Map<string, PciFunction[]>();
  readonly #hostBridges = new Map<string, HostBridge>();

  /** Use FabricBuilder; this constructor trusts validated input. */
  constructor(
    machine: MachineInfo,
    hostBridges: readonly HostBridge[],
    functions: readonly PciFunction[],
    iommuGroups: readonly IommuGroup[],
  ) {
    this.machine = machine;
    this.hostBridges = [...hostBridges].sort(
      (a, b) => a.domain - b.domain || a.rootBus - b.rootBus,
    );
    this.functions = [...functions].sort((a, b) => compareBdf(a.addr, b.addr));
    this.iommuGroups = [...iommuGroups].sort((a, b) => a.id - b.id);
    for (const hb of this.hostBridges) this.#hostBridges.set(hb.id, hb);
    // Indexed: a cold `for…of` makes an iterator result per function.
    const fns = this.functions;
    for (let i = 0; i < fns.length; i++) {
      const f = fns[i]!;
      this.#byBdf.set(f.bdf, f);
      if (f.name !== undefined) this.#byName.set(f.name, f);
      if (f.osDevices !== undefined)
        for (const o of f.osDevices)
          this.#byOsName.set(o.name, this.#byOsName.has(o.name) ? null : f);
      pushTo(this.#children, f.parent ?? f.hostBridge, f);
      if (f.physfn !== null) pushTo(this.#virtfns, f.physfn, f);
    }
  }

  get size(): number {
    return this.functions.length;
  }

  get(bdf: string): PciFunction | undefined {
    return this.#byBdf.get(bdf);
  }

  /** The function at `bdf`; throws E_NOT_FOUND. */
  require(bdf: string): PciFunction {
    const f = this.#byBdf.get(bdf);
    if (!f) throw new PeerdmaError('E_NOT_FOUND', `no PCI function ${bdf} in this fabric`);
    return f;
  }

  hostBridge(id: string): HostBridge {
    const hb = this.#hostBridges.get(id);
    if (!hb) throw new PeerdmaError('E_NOT_FOUND', `no host bridge ${id} in this fabric`);
    return hb;
  }

  /**
   * Resolve what a person typed: a full BDF, a unique BDF suffix (`3b:00.0`, `00.1`), or a spec name.
   * Unknown → E_NOT_FOUND listing the closest matches; several → E_AMBIGUOUS listing them.
   */
  resolve(query: string): PciFunction {
    const q = query.trim().toLowerCase();
    const named = this.#byName.get(query.trim()) ?? this.#byOsName.get(query.trim());
    if (named) return named;
    const parsed = tryParseBdf(q);
    if (parsed && /^[0-9a-f]{4,8}:/.test(q) && q.split(':').length === 3) {
      const exact = this.functions.find((f) => compareBdf(f.addr, parsed) === 0);
      if (exact) return exact;
    }
    const hits = this.functions.filter((f) => f.bdf.endsWith(q) && /[:.]/.test(q));
    const unique = hits.length === 1 ? hits[0] : undefined;
    if (unique) return unique;
    if (hits.length > 1) {
      throw new PeerdmaError(
        'E_AMBIGUOUS',
        `'${query}' matches ${hits.length} functions: ${hits
          .slice(0, 8)
          .map((f) => f.bdf)
          .join(', ')}${hits.length > 8 ? ', …' : ''}`,
      );
    }
    const names = [
      ...this.functions.map((f) => f.bdf),
      ...this.#byName.keys(),
      ...this.#byOsName.keys(),
    ];
    const near = closestMatches(query, names, 5);
    throw new PeerdmaError(
      'E_NOT_FOUND',
      `no PCI function or device named '${query}'${near.length ? `; closest: ${near.join(', ')}` : ''}`,
    );
  }

  /** Functions whose parent is `bdf` (or, given a host bridge id, the functions on its root bus). */
  children(bdfOrHostBridge: string): readonly PciFunction[] {
    return this.#children.get(bdfOrHostBridge) ?? [];
  }

  /** SR-IOV VFs of a PF. */
  virtfns(pf: PciFunction): readonly PciFunction[] {
    return this.#virtfns.get(pf.bdf) ?? [];
  }

  /** Other functions of the same multi-function device (same domain, bus and device number). */
  siblings(f: PciFunction): readonly PciFunction[] {
    return this.children(f.parent ?? f.hostBridge).filter(
      (g) => g !== f && g.addr.device === f.addr.device && g.addr.bus === f.addr.bus,
    );
  }

  isBridge(f: PciFunction): boolean {
    return BRIDGE_KINDS.has(f.kind);
  }

  /**
   * `pci_upstream_bridge()`: a VF is first replaced by its PF; a function on a root bus has none;
   * otherwise the bridge that owns its bus.
   */
  upstreamBridge(f: PciFunction): PciFunction | null {
    const dev = f.physfn !== null ? this.require(f.physfn) : f;
    return dev.parent === null ? null : this.require(dev.parent);
  }

  /** `[f, up(f), up(up(f)), …]` exactly as the kernel's upstream walk visits them. */
  upstreamChain(f: PciFunction): PciFunction[] {
    const chain: PciFunction[] = [f];
    for (let up = this.upstreamBridge(f); up !== null; up = this.upstreamBridge(up)) chain.push(up);
    return chain;
  }

  /** The first device on `a`'s upstream chain that is also on `b`'s (null: none below the host bridge). */
  commonUpstream(a: PciFunction, b: PciFunction): PciFunction | null {
    const onB = new Set(this.upstreamChain(b));
    return this.upstreamChain(a).find((x) => onB.has(x)) ?? null;
  }

  /**
   * The route between two functions: up from `a` to the common device and down to `b`; when there is
   * none, up to `a`'s root-bus device, through the host bridge(s) (named by id), and down to `b`.
   */
  path(a: PciFunction, b: PciFunction): string[] {
    const upA = this.upstreamChain(a);
    const upB = this.upstreamChain(b);
    const common = this.commonUpstream(a, b);
    if (common) {
      const left = upA.slice(0, upA.indexOf(common) + 1).map((f) => f.bdf as string);
      const right = upB.slice(0, upB.indexOf(common)).map((f) => f.bdf as string);
      return [...left, ...right.reverse()];
    }
    const hbA = a.hostBridge;
    const hbB = b.hostBridge;
    const mid = hbA === hbB ? [hbA] : [hbA, hbB];
    return [...upA.map((f) => f.bdf), ...mid, ...upB.map((f) => f.bdf).reverse()];
  }

  /**
   * The "host bridge device" the kernel's allowlist looks at (spec §3.3.3): the first function on
   * the host bridge's root bus, accepted only at devfn 00.0 or when it is a PCIe Root Port.
   */
  hostBridgeDevice(hostBridgeId: string): PciFunction | null {
    const first = this.children(hostBridgeId)[0];
    if (!first) return null;
    const isRootPort =
      isKnown(first.pcie) && first.pcie !== null && first.pcie.portType === 'root-port';
    return (first.addr.device === 0 && first.addr.fn === 0) || isRootPort ? first : null;
  }

  /**
   * The function `hostBridgeDevice` would accept if its PCIe port type were known to be a Root Port:
   * the first function on the root bus, not at 00.0, whose capability the input did not carry
   * (an `lspci -tv` tree, hwloc XML). Then `hostBridgeDevice`'s null is a guess, not a fact.
   */
  hostBridgeDeviceUnsure(hostBridgeId: string): PciFunction | null {
    const first = this.children(hostBridgeId)[0];
    if (!first || (first.addr.device === 0 && first.addr.fn === 0)) return null;
    return first.pcie === UNKNOWN ? first : null;
  }

  /** Functions whose PCI base class/subclass match `classCode >> 8` (e.g. 0x0108 for NVMe). */
  byClass(predicate: (classCode: number) => boolean): PciFunction[] {
    return this.functions.filter((f) => isKnown(f.classCode) && predicate(f.classCode));
  }
}
