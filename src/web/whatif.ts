/**
 * What-if edits of a loaded machine, applied in the browser and re-judged at once: ACS redirect per
 * port on or off, devices moved to another slot, the IOMMU mode; the kernel command line and the
 * rule set (kernel version) are inputs of the verdicts themselves (`P2pEnv`). The base fabric is
 * never changed: each edit list builds a new immutable `Fabric` from it.
 */
import { PeerdmaError } from '../errors/index.js';
import type { IommuMode } from '../iommu/types.js';
import { type Bdf, type BdfParts, formatBdf, parseBdf } from '../pci/bdf.js';
import { Fabric } from '../pci/fabric.js';
import {
  ACS,
  ACS_REDIRECT_MASK,
  acsShorthand,
  type IommuInfo,
  isKnown,
  type MachineInfo,
  type PciFunction,
} from '../pci/types.js';

/** Redirect bits a port gets when it is turned on: RR|CR, as Linux enables with an IOMMU. */
const REDIRECT_ON = ACS.RR | ACS.CR;

export interface Move {
  /** BDF (in the base machine) of a function of the device to move; all its functions move. */
  readonly device: string;
  /** BDF of the bridge (root port or downstream port) whose slot it moves into. */
  readonly to: string;
}

export interface Edits {
  /**
   * ACS redirect per bridge BDF (of the base machine): true on, false off. A root or downstream
   * port without an ACS capability gets one first (see `canAddAcs`).
   */
  readonly acs: Readonly<Record<string, boolean>>;
  readonly moves: readonly Move[];
  /** null: as the machine says. */
  readonly iommu: IommuMode | null;
}

export const NO_EDITS: Edits = { acs: {}, moves: [], iommu: null };

export const IOMMU_INFO: Readonly<Record<IommuMode, IommuInfo>> = {
  none: { enabled: false },
  passthrough: { enabled: true, defaultDomain: 'identity' },
  strict: { enabled: true, defaultDomain: 'DMA' },
  lazy: { enabled: true, defaultDomain: 'DMA-FQ' },
};

/** Whether ACS redirect (RR|CR|EC) is on for a function; null when it has no known ACS control. */
export function redirectOn(f: PciFunction): boolean | null {
  return f.acs.state === 'present' ? (f.acs.ctrl & ACS_REDIRECT_MASK) !== 0 : null;
}

/** Whether the port's ACS capability can redirect at all (RR or CR advertised). */
export function canToggleAcs(f: PciFunction): boolean {
  return f.acs.state === 'present' && (f.acs.cap & REDIRECT_ON) !== 0;
}

/** A root or switch downstream port without an ACS capability: the what-if can add one. */
export function canAddAcs(f: PciFunction): boolean {
  return f.acs.state === 'absent' && (f.kind === 'root-port' || f.kind === 'switch-downstream');
}

function withAcs(f: PciFunction, on: boolean): PciFunction {
  if (canAddAcs(f)) return { ...f, acs: acsShorthand(on) }; // an added capability: a spec's `acsRedirect`
  if (f.acs.state !== 'present' || !canToggleAcs(f)) {
    throw new PeerdmaError(
      'E_UNSUPPORTED',
      `${f.bdf} has no ACS redirect capability to turn ${on ? 'on' : 'off'}`,
      { field: 'acs' },
    );
  }
  const ctrl = on
    ? f.acs.ctrl | (REDIRECT_ON & f.acs.cap)
    : f.acs.ctrl & ~ACS_REDIRECT_MASK & 0xffff;
  return { ...f, acs: { ...f.acs, ctrl } };
}

/** The slots a device can move into: bridges that lead to a device bus (root and downstream ports). */
export function slotsOf(fabric: Fabric): PciFunction[] {
  return fabric.functions.filter(
    (f) =>
      (f.kind === 'root-port' || f.kind === 'switch-downstream' || f.kind === 'pci-bridge') &&
      f.buses !== null,
  );
}

/** The functions of the device `f` belongs to (same bus and device number) and their VFs. */
export function deviceFunctions(fabric: Fabric, f: PciFunction): PciFunction[] {
  const fns = fabric.functions.filter(
    (g) =>
      g.physfn === null &&
      g.addr.domain === f.addr.domain &&
      g.addr.bus === f.addr.bus &&
      g.addr.device === f.addr.device,
  );
  return [...fns, ...fns.flatMap((pf) => fabric.virtfns(pf))];
}

const rid = (a: BdfParts) => (a.bus << 8) | (a.device << 3) | a.fn;

function moveDevice(fabric: Fabric, m: Move): Fabric {
  const dev = fabric.resolve(m.device);
  const slot = fabric.resolve(m.to);
  if (fabric.isBridge(dev) || dev.kind === 'host-bridge') {
    throw new PeerdmaError('E_UNSUPPORTED', `${dev.bdf} is a bridge; only endpoints move`, {
      field: 'move',
    });
  }
  if (!slotsOf(fabric).includes(slot) || slot.buses === null) {
    throw new PeerdmaError('E_UNSUPPORTED', `${slot.bdf} is not a slot (root or downstream port)`, {
      field: 'move',
    });
  }
  const moving = deviceFunctions(fabric, dev);
  if (moving.some((g) => g === slot) || (dev.physfn === null && dev.parent === slot.bdf)) {
    return fabric; // already there
  }
  const bus = slot.buses.secondary;
  const used = new Set(
    fabric.functions
      .filter(
        (g) => !moving.includes(g) && g.addr.domain === slot.addr.domain && g.addr.bus === bus,
      )
      .map((g) => g.addr.device),
  );
  let devNo = 0;
  while (used.has(devNo)) devNo++;
  if (devNo > 31) {
    throw new PeerdmaError('E_UNSUPPORTED', `the bus below ${slot.bdf} has no free device number`, {
      field: 'move',
    });
  }
  const pfBase = rid(dev.physfn === null ? dev.addr : fabric.require(dev.physfn).addr);
  const newBase = (bus << 8) | (devNo << 3);
  const renamed = new Map<string, Bdf>();
  for (const g of moving) {
    const r = newBase + (rid(g.addr) - (pfBase & ~7));
    const addr: BdfParts = {
      domain: slot.addr.domain,
      bus: (r >> 8) & 0xff,
      device: (r >> 3) & 0x1f,
      fn: r & 7,
    };
    renamed.set(g.bdf, formatBdf(addr));
  }
  const hb = fabric.hostBridge(slot.hostBridge);
  const fns = fabric.functions.map((g): PciFunction => {
    const to = renamed.get(g.bdf);
    if (to === undefined) return g;
    return {
      ...g,
      bdf: to,
      addr: parseBdf(to),
      parent: slot.bdf,
      hostBridge: slot.hostBridge,
      physfn: g.physfn === null ? null : (renamed.get(g.physfn) ?? g.physfn),
      numaNode: isKnown(hb.numaNode) ? hb.numaNode : g.numaNode,
    };
  });
  const clash = new Set<string>();
  for (const g of fns) {
    if (clash.has(g.bdf))
      throw new PeerdmaError('E_TOPOLOGY', `moving ${dev.bdf} would collide at ${g.bdf}`);
    clash.add(g.bdf);
  }
  return new Fabric(fabric.machine, fabric.hostBridges, fns, fabric.iommuGroups);
}

/**
 * The edited machine. ACS edits name bridges of the base machine (bridges never move); each move
 * names the device as it is when the move is applied (after the moves before it). Unknown devices
 * are E_NOT_FOUND, impossible edits E_UNSUPPORTED.
 */
export function applyEdits(base: Fabric, edits: Edits): Fabric {
  let fabric = base;
  const acsBdfs = Object.keys(edits.acs);
  if (acsBdfs.length > 0) {
    const on = new Map(acsBdfs.map((b) => [base.resolve(b).bdf, edits.acs[b]!]));
    const fns = base.functions.map((f) => {
      const want = on.get(f.bdf);
      return want === undefined || want === redirectOn(f) ? f : withAcs(f, want);
    });
    fabric = new Fabric(base.machine, base.hostBridges, fns, base.iommuGroups);
  }
  for (const m of edits.moves) fabric = moveDevice(fabric, m);
  if (edits.iommu !== null) {
    const machine: MachineInfo = { ...fabric.machine, iommu: IOMMU_INFO[edits.iommu] };
    fabric = new Fabric(machine, fabric.hostBridges, fabric.functions, fabric.iommuGroups);
  }
  return fabric;
}
