/**
 * The fabric as capacities: every physical link as two directed constraints (up = towards the
 * root complex), the root complex's peer-to-peer forwarding per socket, each direction of the
 * socket link, and each socket's memory. Links carry wire GB/s (flows consume them through TLP
 * coefficients, link.ts); the others carry payload GB/s. A constraint whose capacity the published
 * numbers only bound carries a range (lo/hi); the model is solved at both ends.
 */
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type Link, type PciFunction, type SwitchChip } from '../pci/types.js';
import type { PerfCalibration } from './calibration.js';
import { generationOf, isFlit, wireGBps } from './link.js';
import type { Capacity, RcProfile } from './rc.js';

export type ConstraintKind =
  | 'link-up'
  | 'link-down'
  | 'rc'
  | 'socket-link'
  | 'memory'
  | 'chip-fabric';

export interface ConstraintInfo {
  readonly kind: ConstraintKind;
  /** Human name: `link 19:00.0–18:02.0 (Gen4 x16) up`, `root complex, socket 0`, … */
  readonly label: string;
  readonly lo: number;
  readonly hi: number;
  /** The published figure is a lower bound. */
  readonly atLeast: boolean;
}

/** A function's physical uplink: the link between it and the bridge above it. */
export interface Uplink {
  readonly up: number;
  readonly down: number;
  readonly link: Link;
  readonly flit: boolean;
  /** Below capability: the trained link is slower or narrower than the port can do. */
  readonly degraded: boolean;
}

const short = (bdf: string) => bdf.replace(/^0000:/, '');

function linkOf(f: PciFunction): { status: Link | null; cap: Link | null } {
  if (f.pcie === null || !isKnown(f.pcie)) return { status: null, cap: null };
  const s = f.pcie.linkStatus;
  const c = f.pcie.linkCap;
  return {
    status: s !== null && isKnown(s) ? s : null,
    cap: c !== null && isKnown(c) ? c : null,
  };
}

export class PerfGraph {
  readonly constraints: ConstraintInfo[] = [];
  readonly #uplinks = new Map<string, Uplink | null>();
  readonly #rc = new Map<number, number>();
  readonly #socketLink = new Map<string, number>();
  readonly #memory = new Map<number, number>();
  readonly #chip = new Map<string, number>();

  constructor(
    readonly fabric: Fabric,
    readonly cal: PerfCalibration,
    readonly rc: RcProfile,
  ) {}

  /**
   * Whether any figure of this machine can be a floor (`atLeast`): only the root-complex profile's
   * can; links, host memory and chip fabrics carry exact capacities.
   */
  get mayFloor(): boolean {
    const rc = this.rc;
    return (
      rc.rcFlow.atLeast ||
      rc.rcTotal.atLeast ||
      rc.socketLink.atLeast ||
      this.constraints.some((c) => c.atLeast)
    );
  }

  #add(kind: ConstraintKind, label: string, c: Capacity): number {
    this.constraints.push({ kind, label, lo: c.lo, hi: c.hi, atLeast: c.atLeast });
    return this.constraints.length - 1;
  }

  /**
   * The uplink of `f` (a VF uses its PF's), or null when `f` has no physical link above it: on a
   * root bus, a switch downstream port (its hop to the upstream port is inside the switch), or no
   * link speed/width known on either end.
   */
  uplink(f0: PciFunction): Uplink | null {
    const f = f0.physfn !== null ? this.fabric.require(f0.physfn) : f0;
    const parent = this.fabric.upstreamBridge(f);
    // the functions of one device share its link: key by the bridge above and the device number
    const key = `${parent?.bdf ?? f.hostBridge}/${f.addr.device}`;
    const hit = this.#uplinks.get(key);
    if (hit !== undefined) return hit;
    let out: Uplink | null = null;
    if (parent !== null && f.kind !== 'switch-downstream') {
      const mine = linkOf(f);
      const theirs = linkOf(parent);
      const link = mine.status ?? theirs.status;
      const cap = mine.cap ?? theirs.cap;
      if (link !== null && generationOf(link.speedGTs) !== null && link.width > 0) {
        const gbps = wireGBps(link, this.cal);
        const gen = generationOf(link.speedGTs);
        const name = `link ${short(f.name ?? f.bdf)}–${short(parent.name ?? parent.bdf)} (Gen${gen} x${link.width})`;
        const degraded = cap !== null && (cap.speedGTs > link.speedGTs || cap.width > link.width);
        out = {
          up: this.#add('link-up', `${name} up`, { lo: gbps, hi: gbps, atLeast: false }),
          down: this.#add('link-down', `${name} down`, { lo: gbps, hi: gbps, atLeast: false }),
          link,
          flit: isFlit(link),
          degraded,
        };
      }
    }
    this.#uplinks.set(key, out);
    return out;
  }

  /** Peer-to-peer forwarding inside the root complex of a socket (all ports, both directions). */
  rcOf(socket: number): number {
    let i = this.#rc.get(socket);
    if (i === undefined) {
      i = this.#add(
        'rc',
        `root complex P2P forwarding, socket ${socket} (${this.rc.label})`,
        this.rc.rcTotal,
      );
      this.#rc.set(socket, i);
    }
    return i;
  }

  socketLink(from: number, to: number): number {
    const key = `${from}>${to}`;
    let i = this.#socketLink.get(key);
    if (i === undefined) {
      i = this.#add('socket-link', `socket link ${from} → ${to}`, this.rc.socketLink);
      this.#socketLink.set(key, i);
    }
    return i;
  }

  memory(socket: number): number {
    let i = this.#memory.get(socket);
    if (i === undefined) {
      const m = this.cal.memoryGBps;
      i = this.#add('memory', `host memory, socket ${socket}`, { lo: m, hi: m, atLeast: false });
      this.#memory.set(socket, i);
    }
    return i;
  }

  /**
   * The internal fabric of a partitioned switch chip, shared by all traffic between its
   * partitions; null when the spec states no capacity for it (then only the links limit).
   */
  chipFabric(chip: SwitchChip): number | null {
    if (chip.fabricGBps === undefined) return null;
    let i = this.#chip.get(chip.id);
    if (i === undefined) {
      const c = chip.fabricGBps;
      i = this.#add('chip-fabric', `switch chip ${chip.id} internal fabric`, {
        lo: c,
        hi: c,
        atLeast: false,
      });
      this.#chip.set(chip.id, i);
    }
    return i;
  }

  /** The socket a function's host bridge hangs off (its NUMA node when no socket is stated; else 0). */
  socketOf(f: PciFunction): number {
    const hb = this.fabric.hostBridge(f.hostBridge);
    if (hb.socket !== undefined) return hb.socket;
    const sockets = this.fabric.machine.sockets;
    if (isKnown(sockets) && sockets <= 1) return 0;
    return isKnown(hb.numaNode) && hb.numaNode >= 0 ? hb.numaNode : 0;
  }
}
