import { PeerdmaError, type SourceLocation } from '../errors/index.js';
import { hexDigits } from '../util/hex.js';
import { type Bdf, type BdfParts, canonicalBdf, notABdf, toBdf } from './bdf.js';
import { Fabric } from './fabric.js';
import {
  type AcsState,
  type Bar,
  type BridgeWindow,
  type CpuInfo,
  type FunctionKind,
  type FunctionNames,
  type HostBridge,
  type IommuGroup,
  isKnown,
  type MachineInfo,
  type Maybe,
  type Mutable,
  type OsDevice,
  type PcieInfo,
  type PciFunction,
  type SwitchChip,
  UNKNOWN,
} from './types.js';

/** What a loader knows about one function. Anything left out is recorded as unknown. */
export interface FunctionInit {
  readonly bdf: string;
  readonly name?: string;
  /** Inferred from the PCIe port type, class code and position when left out. */
  readonly kind?: FunctionKind;
  readonly vendor?: Maybe<number>;
  readonly device?: Maybe<number>;
  readonly subsystemVendor?: Maybe<number> | null;
  readonly subsystemDevice?: Maybe<number> | null;
  readonly classCode?: Maybe<number>;
  readonly revision?: Maybe<number>;
  readonly description?: string;
  /** BDF of the bridge owning this function's bus; null/absent on a root bus. */
  readonly parent?: string | null;
  /** Host bridge id; derived from the root-bus ancestor's domain and bus when left out. */
  readonly hostBridge?: string;
  readonly physfn?: string | null;
  readonly bars?: readonly Bar[];
  readonly windows?: readonly BridgeWindow[];
  readonly buses?: { readonly secondary: number; readonly subordinate: number } | null;
  readonly pcie?: Maybe<PcieInfo> | null;
  readonly acs?: AcsState;
  readonly numaNode?: Maybe<number>;
  readonly iommuGroup?: Maybe<number> | null;
  readonly driver?: Maybe<string> | null;
  readonly deviceMemory?: bigint;
  readonly osDevices?: readonly OsDevice[];
  readonly cpulist?: string;
  readonly switchChip?: SwitchChip;
  readonly driverP2p?: 'refuses';
  /** Where this function was read from, for error messages. */
  readonly source?: SourceLocation;
}

export interface MachineInit {
  readonly name?: string | null;
  readonly source?: string;
  readonly cpu?: Partial<CpuInfo>;
  readonly kernelRelease?: Maybe<string>;
  readonly kernelCmdline?: Maybe<string>;
  readonly iommu?: MachineInfo['iommu'];
  readonly sockets?: Maybe<number>;
  readonly numaNodes?: Maybe<number>;
}

export const hostBridgeId = (domain: number, bus: number): string =>
  `pci${hexDigits(domain, 4)}:${hexDigits(bus, 2)}`;

/**
 * Builds a validated, immutable Fabric. Loaders and tests use it; `build()` rejects impossible
 * trees (duplicate BDFs, dangling or cyclic parents, a VF whose PF is missing) with E_TOPOLOGY.
 */
export class FabricBuilder {
  #machine: MachineInit = {};
  readonly #hostBridges = new Map<string, HostBridge>();
  readonly #functions = new Map<Bdf, FunctionInit & { bdf: Bdf }>();
  /** The parsed address of each function, from `fn` (so `build` parses no BDF twice). */
  readonly #addrs = new Map<Bdf, BdfParts>();
  readonly #groups = new Map<number, IommuGroup>();

  machine(m: MachineInit): this {
    this.#machine = { ...this.#machine, ...m };
    return this;
  }

  hostBridge(hb: Partial<HostBridge> & { domain: number; rootBus: number }): this {
    const id = hb.id ?? hostBridgeId(hb.domain, hb.rootBus);
    this.#hostBridges.set(id, {
      id,
      domain: hb.domain,
      rootBus: hb.rootBus,
      numaNode: hb.numaNode ?? UNKNOWN,
      ...(hb.socket !== undefined ? { socket: hb.socket } : {}),
    });
    return this;
  }

  hasFunction(bdf: string): boolean {
    return this.#functions.has(toBdf(bdf));
  }

  /** Adds a function; a second function at the same BDF is an E_TOPOLOGY error. */
  fn(init: FunctionInit): this {
    // A BDF already canonical (every sysfs function's) is kept as it is, and so is its init.
    const { bdf, addr } = canonicalBdf(init.bdf) ?? notABdf(init.bdf, init.source?.field ?? 'bdf');
    if (this.#functions.has(bdf)) {
      throw new PeerdmaError('E_TOPOLOGY', `duplicate PCI function ${bdf}`, init.source ?? {});
    }
    this.#functions.set(
      bdf,
      bdf === init.bdf ? (init as FunctionInit & { bdf: Bdf }) : { ...init, bdf },
    );
    this.#addrs.set(bdf, addr);
    return this;
  }

  iommuGroup(g: IommuGroup): this {
    this.#groups.set(g.id, g);
    return this;
  }

  /**
   * `nameWith`: asked once every function is validated, with all of them; the namer it returns gives
   * each function its `names` (so a loader reads pci.ids for a valid fabric only, and builds the
   * Fabric once instead of naming a copy).
   */
  build(
    nameWith?: (functions: readonly PciFunction[]) => (f: PciFunction) => FunctionNames,
  ): Fabric {
    const m = this.#machine;
    const machine: MachineInfo = {
      name: m.name ?? null,
      source: m.source ?? 'builder',
      cpu: {
        arch: m.cpu?.arch ?? UNKNOWN,
        vendor: m.cpu?.vendor ?? UNKNOWN,
        family: m.cpu?.family ?? UNKNOWN,
        model: m.cpu?.model ?? UNKNOWN,
        ...(m.cpu?.modelName !== undefined ? { modelName: m.cpu.modelName } : {}),
      },
      kernelRelease: m.kernelRelease ?? UNKNOWN,
      kernelCmdline: m.kernelCmdline ?? UNKNOWN,
      iommu: m.iommu ?? { enabled: UNKNOWN },
      sockets: m.sockets ?? UNKNOWN,
      numaNodes: m.numaNodes ?? UNKNOWN,
    };
    const inits = this.#functions;
    const canon = (b: string, init: FunctionInit, what: string): Bdf => {
      if (inits.has(b as Bdf)) return b as Bdf; // already a canonical BDF of this machine
      const p = toBdf(b, `${init.bdf}.${what}`);
      if (!inits.has(p)) {
        throw new PeerdmaError(
          'E_TOPOLOGY',
          `${init.bdf}: ${what} ${p} is not a PCI function of this machine`,
          init.source ?? {},
        );
      }
      return p;
    };
    // Resolve parents and detect cycles.
    // (forEach: no [key, value] pair per function, as `for…of` over entries makes.)
    const parentOf = new Map<Bdf, Bdf | null>();
    inits.forEach((init, bdf) => {
      const parent = init.parent == null ? null : canon(init.parent, init, 'parent');
      if (parent === bdf) {
        throw new PeerdmaError('E_TOPOLOGY', `${bdf} is its own parent`, init.source ?? {});
      }
      parentOf.set(bdf, parent);
    });
    // Indexed loops and forEach here and below: a `for…of` run cold (one load is one pass) makes an
    // iterator result per step, ~10,000 functions × each loop.
    const rootOf = new Map<string, string>();
    inits.forEach((_, bdf) => {
      const seen: Bdf[] = [];
      let cur: Bdf = bdf;
      while (true) {
        const known = rootOf.get(cur);
        if (known !== undefined) {
          for (let i = 0; i < seen.length; i++) rootOf.set(seen[i]!, known);
          break;
        }
        if (seen.includes(cur)) {
          throw new PeerdmaError(
            'E_TOPOLOGY',
            `parent links form a cycle: ${[...seen.slice(seen.indexOf(cur)), cur].join(' → ')}`,
            inits.get(bdf)?.source ?? {},
          );
        }
        seen.push(cur);
        const p = parentOf.get(cur) ?? null;
        if (p === null) {
          for (let i = 0; i < seen.length; i++) rootOf.set(seen[i]!, cur);
          break;
        }
        cur = p;
      }
    });
    const functions: PciFunction[] = [];
    const addrs = this.#addrs;
    const addrOf = (bdf: Bdf): BdfParts => addrs.get(bdf)!;
    inits.forEach((init, bdf) => {
      const addr = addrOf(bdf);
      const parent = parentOf.get(bdf) ?? null;
      const rootBdf = rootOf.get(bdf)! as Bdf;
      const root = addrOf(rootBdf);
      if (parent !== null && addrOf(parent).domain !== addr.domain) {
        throw new PeerdmaError(
          'E_TOPOLOGY',
          `${bdf}: parent ${parent} is in another PCI domain`,
          init.source ?? {},
        );
      }
      const rootInit = inits.get(rootBdf)!;
      const hb = init.hostBridge ?? rootInit.hostBridge ?? hostBridgeId(root.domain, root.bus);
      if (!this.#hostBridges.has(hb)) {
        const rootHb = parseHostBridgeId(hb) ?? { domain: root.domain, rootBus: root.bus };
        this.hostBridge({ id: hb, ...rootHb });
      }
      const physfn = init.physfn == null ? null : canon(init.physfn, init, 'physfn');
      const parentInit = parent === null ? undefined : inits.get(parent);
      // One literal with the fixed keys (in the order they have always had), then the optional
      // ones: the same keys in the same order as ever, one object per function.
      const f: Mutable<PciFunction> = {
        bdf,
        addr,
        kind: init.kind ?? inferKind(init, parent === null, parentInit),
        vendor: init.vendor ?? UNKNOWN,
        device: init.device ?? UNKNOWN,
        subsystemVendor: init.subsystemVendor === undefined ? UNKNOWN : init.subsystemVendor,
        subsystemDevice: init.subsystemDevice === undefined ? UNKNOWN : init.subsystemDevice,
        classCode: init.classCode ?? UNKNOWN,
        revision: init.revision ?? UNKNOWN,
        parent,
        hostBridge: hb,
        physfn,
        bars: init.bars ?? [],
        windows: init.windows ?? [],
        buses: init.buses ?? null,
        pcie: init.pcie === undefined ? UNKNOWN : init.pcie,
        acs: init.acs ?? { state: 'unknown', reason: 'not in the input' },
        numaNode: init.numaNode ?? UNKNOWN,
        iommuGroup: init.iommuGroup === undefined ? UNKNOWN : init.iommuGroup,
        driver: init.driver === undefined ? UNKNOWN : init.driver,
      };
      if (init.deviceMemory !== undefined) f.deviceMemory = init.deviceMemory;
      if (init.osDevices !== undefined && init.osDevices.length > 0) f.osDevices = init.osDevices;
      if (init.cpulist !== undefined) f.cpulist = init.cpulist;
      if (init.switchChip !== undefined) f.switchChip = init.switchChip;
      if (init.driverP2p !== undefined) f.driverP2p = init.driverP2p;
      functions.push(
        init.name === undefined && init.description === undefined
          ? f
          : withNameAndDescription(f, init.name, init.description),
      );
    });
    // Names must be unique.
    const names = new Map<string, string>();
    for (let i = 0; i < functions.length; i++) {
      const f = functions[i]!;
      if (f.name === undefined) continue;
      const other = names.get(f.name);
      if (other !== undefined) {
        throw new PeerdmaError(
          'E_TOPOLOGY',
          `device name '${f.name}' used by ${other} and ${f.bdf}`,
        );
      }
      names.set(f.name, f.bdf);
    }
    if (nameWith !== undefined) {
      const namer = nameWith(functions);
      for (let i = 0; i < functions.length; i++) {
        const f = functions[i] as Mutable<PciFunction>;
        f.names = namer(f);
      }
    }
    return new Fabric(machine, [...this.#hostBridges.values()], functions, [
      ...this.#groups.values(),
    ]);
  }
}

/** `f` with `name` before `kind` and `description` before `parent`, where they have always been. */
function withNameAndDescription(
  f: PciFunction,
  name: string | undefined,
  description: string | undefined,
): PciFunction {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (k === 'kind' && name !== undefined) out.name = name;
    if (k === 'parent' && description !== undefined) out.description = description;
    out[k] = v;
  }
  return out as unknown as PciFunction;
}

export function parseHostBridgeId(id: string): { domain: number; rootBus: number } | null {
  const m = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/i.exec(id);
  return m ? { domain: Number.parseInt(m[1]!, 16), rootBus: Number.parseInt(m[2]!, 16) } : null;
}

/**
 * The kind of a function from what is known: the PCIe port type decides; without it, the class code
 * (0x0600 host bridge, 0x0604 PCI bridge) and position (root bus or not).
 */
export function inferKind(
  init: Pick<FunctionInit, 'pcie' | 'classCode'>,
  onRootBus: boolean,
  parent?: Pick<FunctionInit, 'pcie' | 'kind'>,
): FunctionKind {
  const pt =
    init.pcie !== undefined && init.pcie !== null && isKnown(init.pcie)
      ? init.pcie.portType
      : undefined;
  switch (pt) {
    case 'root-port':
      return 'root-port';
    case 'switch-upstream':
      return 'switch-upstream';
    case 'switch-downstream':
      return 'switch-downstream';
    case 'pcie-to-pci-bridge':
      return 'pcie-to-pci-bridge';
    case 'pci-to-pcie-bridge':
      return 'pci-bridge';
    case 'rc-integrated-endpoint':
    case 'rc-event-collector':
      return 'rc-integrated-endpoint';
    default:
      break;
  }
  const cls = init.classCode !== undefined && isKnown(init.classCode) ? init.classCode >> 8 : -1;
  if (cls === 0x0600 && onRootBus) return 'host-bridge';
  if (cls === 0x0604 || cls === 0x0609) {
    if (pt === undefined && onRootBus) return 'root-port';
    if (pt === undefined && parent?.kind === 'switch-upstream') return 'switch-downstream';
    return 'pci-bridge';
  }
  // A function on a root bus is taken for an RCiEP only while its PCIe capability is unknown: one
  // known to have none (`pcie: null`) is a conventional PCI device, an `endpoint`.
  if (pt === undefined && init.pcie !== null && onRootBus && cls !== -1) {
    return 'rc-integrated-endpoint';
  }
  return 'endpoint';
}
