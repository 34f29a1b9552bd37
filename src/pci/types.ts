import type { Bdf, BdfParts } from './bdf.js';

/** A fact the input did not carry. Never replaced by a silent default. */
export type Unknown = 'unknown';
export type Maybe<T> = T | Unknown;
export const UNKNOWN: Unknown = 'unknown';
export const isKnown = <T>(v: Maybe<T>): v is T => v !== UNKNOWN;

/** `T` with its `readonly` dropped, for building a value up key by key. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type FunctionKind =
  | 'host-bridge'
  | 'root-port'
  | 'switch-upstream'
  | 'switch-downstream'
  | 'pci-bridge'
  | 'pcie-to-pci-bridge'
  | 'rc-integrated-endpoint'
  | 'endpoint';

export const BRIDGE_KINDS: ReadonlySet<FunctionKind> = new Set([
  'root-port',
  'switch-upstream',
  'switch-downstream',
  'pci-bridge',
  'pcie-to-pci-bridge',
]);

/** PCIe capability "Device/Port Type" field (PCIe spec 7.5.3.2), by name. */
export type PciePortType =
  | 'endpoint'
  | 'legacy-endpoint'
  | 'root-port'
  | 'switch-upstream'
  | 'switch-downstream'
  | 'pcie-to-pci-bridge'
  | 'pci-to-pcie-bridge'
  | 'rc-integrated-endpoint'
  | 'rc-event-collector';

export const PCIE_PORT_TYPE_CODES: Readonly<Record<number, PciePortType>> = {
  0: 'endpoint',
  1: 'legacy-endpoint',
  4: 'root-port',
  5: 'switch-upstream',
  6: 'switch-downstream',
  7: 'pcie-to-pci-bridge',
  8: 'pci-to-pcie-bridge',
  9: 'rc-integrated-endpoint',
  10: 'rc-event-collector',
};

/** A link as speed (GT/s per lane: 2.5, 5, 8, 16, 32, 64) and width (lanes). */
export interface Link {
  readonly speedGTs: number;
  readonly width: number;
}

export interface PcieInfo {
  readonly portType: PciePortType;
  /** Link Capabilities (what the port can do); unknown when the input did not carry it. */
  readonly linkCap: Maybe<Link> | null;
  /** Link Status (what it trained to). */
  readonly linkStatus: Maybe<Link> | null;
  /** Device Control: negotiated Max Payload Size in bytes (128…4096), when the input carries it. */
  readonly mps?: number;
  /** Device Control: Max Read Request Size in bytes (128…4096), when the input carries it. */
  readonly mrrs?: number;
}

/** ACS control bits (PCIe spec 7.7.11; kernel include/uapi/linux/pci_regs.h). */
export const ACS = {
  SV: 0x01,
  TB: 0x02,
  RR: 0x04,
  CR: 0x08,
  UF: 0x10,
  EC: 0x20,
  DT: 0x40,
} as const;
/** The bits whose presence in ACS Control means "redirect" for p2pdma (RR|CR|EC). */
export const ACS_REDIRECT_MASK = ACS.RR | ACS.CR | ACS.EC;
/**
 * An ACS capability stated only as "redirect on/off" (a spec's `acsRedirect`, the web's "add
 * ACS"): what a PCIe switch port commonly advertises (SV TB RR CR UF), and Control as Linux's
 * pci_std_enable_acs leaves it with an IOMMU (SV RR CR UF) or with redirect turned off (SV UF).
 */
export const ACS_PORT_CAP = ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF;
export function acsShorthand(redirect: boolean): AcsState {
  return {
    state: 'present',
    cap: ACS_PORT_CAP,
    ctrl: redirect ? ACS.SV | ACS.RR | ACS.CR | ACS.UF : ACS.SV | ACS.UF,
  };
}

export type AcsState =
  | { readonly state: 'absent' }
  | { readonly state: 'present'; readonly cap: number; readonly ctrl: number }
  | { readonly state: 'unknown'; readonly reason: string };

export interface Bar {
  /** 0..5 for standard BARs (an SR-IOV VF BAR is listed on the VF). */
  readonly index: number;
  readonly space: 'mem' | 'io';
  readonly start: bigint;
  readonly size: bigint;
  readonly is64: boolean;
  readonly prefetchable: boolean;
}

export interface BridgeWindow {
  readonly space: 'io' | 'mem' | 'prefetch';
  readonly start: bigint;
  readonly size: bigint;
}

export interface PciFunction {
  readonly bdf: Bdf;
  readonly addr: BdfParts;
  /** A human name (from a spec file), unique in the fabric when present. */
  readonly name?: string;
  readonly kind: FunctionKind;
  readonly vendor: Maybe<number>;
  readonly device: Maybe<number>;
  readonly subsystemVendor: Maybe<number> | null;
  readonly subsystemDevice: Maybe<number> | null;
  /** 24-bit class code: base class << 16 | subclass << 8 | prog-if. */
  readonly classCode: Maybe<number>;
  readonly revision: Maybe<number>;
  /** Human-readable description (lspci/hwloc names, spec `model`). */
  readonly description?: string;
  /** The bridge that owns this function's bus; null on a root bus. (No VF→PF substitution here.) */
  readonly parent: Bdf | null;
  /** Id of the host bridge this function sits below (see HostBridge.id). */
  readonly hostBridge: string;
  /** SR-IOV: the PF of a VF, else null. */
  readonly physfn: Bdf | null;
  readonly bars: readonly Bar[];
  readonly windows: readonly BridgeWindow[];
  /** Secondary and subordinate bus numbers of a bridge. */
  readonly buses: { readonly secondary: number; readonly subordinate: number } | null;
  /** null: not a PCIe function (conventional PCI). */
  readonly pcie: Maybe<PcieInfo> | null;
  readonly acs: AcsState;
  /** -1 is the kernel's "no NUMA affinity". */
  readonly numaNode: Maybe<number>;
  /** null: the function has no IOMMU group (IOMMU off). */
  readonly iommuGroup: Maybe<number> | null;
  /** null: no driver bound. */
  readonly driver: Maybe<string> | null;
  /** Device-local memory behind the BARs (HBM, VRAM, CMB) when the input states it. */
  readonly deviceMemory?: bigint;
  /** Names looked up in pci.ids and the class table (src/names), when they were applied. */
  readonly names?: FunctionNames;
  /** The OS devices the function's driver created (`mlx5_0`, `ens1f0np0`, `nvme0`, `GPU0`), when read. */
  readonly osDevices?: readonly OsDevice[];
  /** `local_cpulist`: the CPUs near the function, as sysfs prints it (`0-31,64-95`). */
  readonly cpulist?: string;
  /**
   * A switch upstream port that is one virtual switch (partition) of a physical chip: the chip's
   * id, shared by all its partitions, and the capacity of its internal fabric when stated (GB/s
   * per direction). The kernel still sees separate hierarchies; only the bandwidth model uses it.
   */
  readonly switchChip?: SwitchChip;
  /** The bound driver's P2P policy where it differs from the kernel's (a driver that refuses P2P). */
  readonly driverP2p?: 'refuses';
}

export interface SwitchChip {
  readonly id: string;
  readonly fabricGBps?: number;
}

/** Where an OS device name was found under the function's sysfs directory. */
export type OsDeviceKind = 'net' | 'infiniband' | 'nvme' | 'block' | 'drm' | 'nvidia-gpu';

export interface OsDevice {
  readonly kind: OsDeviceKind;
  readonly name: string;
}

/** Raw names of a function's ids (null: not in the database); src/names formats them like lspci. */
export interface FunctionNames {
  readonly vendor: string | null;
  readonly device: string | null;
  /** Base class name and subclass name (lspci prints the subclass when it has one). */
  readonly baseClass: string | null;
  readonly subclass: string | null;
  readonly progIf: string | null;
  readonly subsystemVendor: string | null;
  readonly subsystem: string | null;
}

export interface HostBridge {
  /** `pci<domain>:<bus>` as sysfs names it, e.g. `pci0000:00`. */
  readonly id: string;
  readonly domain: number;
  readonly rootBus: number;
  readonly numaNode: Maybe<number>;
  /** Socket/package the bridge hangs off, when known. */
  readonly socket?: number;
}

export interface CpuInfo {
  readonly arch: Maybe<string>;
  /** `GenuineIntel`, `AuthenticAMD`, `HygonGenuine`, … as /proc/cpuinfo's vendor_id. */
  readonly vendor: Maybe<string>;
  readonly family: Maybe<number>;
  readonly model: Maybe<number>;
  readonly modelName?: string;
}

export interface IommuInfo {
  /** Whether DMA remapping is active. */
  readonly enabled: Maybe<boolean>;
  /** Default domain type as sysfs prints it: `DMA`, `DMA-FQ`, `identity`, `blocked`. */
  readonly defaultDomain?: Maybe<string>;
}

export interface IommuGroup {
  readonly id: number;
  readonly type: Maybe<string>;
}

export interface MachineInfo {
  readonly name: string | null;
  /** The format the fabric came from: `sysfs`, `snapshot`, `lspci`, `hwloc`, `spec`, `builder`. */
  readonly source: string;
  readonly cpu: CpuInfo;
  readonly kernelRelease: Maybe<string>;
  readonly kernelCmdline: Maybe<string>;
  readonly iommu: IommuInfo;
  readonly sockets: Maybe<number>;
  readonly numaNodes: Maybe<number>;
}
