import { type LoadWarning, PeerdmaError } from '../../errors/index.js';
import { type BdfParts, formatBdf, tryParseBdf } from '../../pci/bdf.js';
import { FabricBuilder, hostBridgeId } from '../../pci/builder.js';
import type { Fabric } from '../../pci/fabric.js';
import {
  BRIDGE_KINDS,
  type BridgeWindow,
  type FunctionKind,
  type Maybe,
  type OsDevice,
  type OsDeviceKind,
  type SwitchChip,
  UNKNOWN,
} from '../../pci/types.js';
import { hexDigits } from '../../util/hex.js';
import {
  type AllocBar,
  type AllocBus,
  allocateHostBridge,
  newCursor,
  type Pool,
  windowsFor,
} from './alloc.js';
import {
  acsOf,
  defaultClass,
  type Fail,
  fact,
  MODE_DOMAIN,
  pcieOf,
  resolveKind,
} from './fields.js';
import type { BarSpec, DeviceSpec, HostBridgeSpec, MachineSpecDoc } from './schema.js';
import { parseClass, parseSize, parseVendor, toNum } from './units.js';
import type { Path, SourceDoc } from './yaml.js';

interface Bar {
  readonly index: number;
  readonly space: 'mem' | 'io';
  readonly is64: boolean;
  readonly prefetchable: boolean;
  readonly alloc: AllocBar;
}

/** One function while the tree is laid out. */
interface Fn {
  readonly path: Path;
  readonly spec: DeviceSpec;
  readonly addr: BdfParts;
  readonly kind: FunctionKind;
  readonly parent: Fn | null;
  readonly physfn: Fn | null;
  readonly hb: Hb;
  readonly vendor: Maybe<number>;
  readonly device: Maybe<number>;
  readonly classCode: Maybe<number>;
  readonly revision: Maybe<number>;
  readonly bars: readonly Bar[];
  readonly bus: AllocBus & { bars: AllocBar[]; below: AllocBus[] };
  buses: { secondary: number; subordinate: number } | null;
  readonly kids: Fn[];
}

interface Hb {
  readonly id: string;
  readonly domain: number;
  readonly rootBus: number;
  readonly numaNode: Maybe<number>;
  readonly path: Path;
}

/** Turns a validated spec document into a Fabric, deriving what the spec leaves out (documented). */
export class SpecBuilder {
  readonly #src: SourceDoc;
  readonly #spec: MachineSpecDoc;
  readonly #fns: Fn[] = [];
  readonly #warnings: LoadWarning[] = [];
  readonly #missing = new Map<string, string[]>();
  readonly #domainNext = new Map<number, number>();
  /** Chip id → its fabric capacity as first stated (undefined: not stated) and where. */
  readonly #chips = new Map<string, { gbps: number | undefined; path: Path }>();
  #nextBus = 0;

  constructor(spec: MachineSpecDoc, src: SourceDoc) {
    this.#spec = spec;
    this.#src = src;
  }

  readonly #fail: Fail = (message, path, key) => this.#err(message, path, key);

  #err(message: string, path: Path, key = false): PeerdmaError {
    return new PeerdmaError('E_SCHEMA', message, this.#src.locate(path, { key }));
  }

  build(): { fabric: Fabric; warnings: LoadWarning[] } {
    const s = this.#spec;
    const b = new FabricBuilder();
    const cursor = newCursor();
    const hbs: { hb: HostBridgeSpec; path: Path; socket?: number; numa: Maybe<number> }[] = [];
    const numaSet = new Set<number>();
    (s.sockets ?? []).forEach((sock, i) => {
      for (const n of sock.numaNodes ?? []) numaSet.add(n);
      (sock.hostBridges ?? []).forEach((hb, j) => {
        hbs.push({
          hb,
          path: ['sockets', i, 'hostBridges', j],
          socket: sock.id,
          numa: sock.numaNodes?.[0] ?? UNKNOWN,
        });
      });
    });
    (s.hostBridges ?? []).forEach((hb, j) => {
      hbs.push({ hb, path: ['hostBridges', j], numa: UNKNOWN });
    });
    const seenHb = new Set<string>();
    for (const { hb, path, socket, numa } of hbs) {
      const domain = hb.domain === undefined ? 0 : toNum(hb.domain);
      const rootBus =
        hb.bus === undefined
          ? (childBus(hb.devices ?? []) ?? this.#domainNext.get(domain) ?? 0)
          : toNum(hb.bus);
      if (rootBus > 0xff)
        throw this.#err(`no free bus left in domain ${domain} for this host bridge`, path);
      const id = hb.id ?? hostBridgeId(domain, rootBus);
      if (seenHb.has(id)) throw this.#err(`host bridge ${id} is described twice`, path);
      seenHb.add(id);
      const numaNode = hb.numaNode ?? numa;
      b.hostBridge({ id, domain, rootBus, numaNode, ...(socket !== undefined ? { socket } : {}) });
      const h: Hb = { id, domain, rootBus, numaNode, path };
      this.#nextBus = Math.max(rootBus + 1, this.#domainNext.get(domain) ?? 0);
      const root: AllocBus & { bars: AllocBar[]; below: AllocBus[] } = { bars: [], below: [] };
      const used = new Map<number, Set<number>>();
      if (hb.hostDevice) {
        const d =
          hb.hostDevice === 'unknown' ? { vendor: UNKNOWN, device: UNKNOWN } : hb.hostDevice;
        this.#place(
          { ...d, kind: 'host-bridge', devfn: '00.0', class: 0x060000 },
          [...path, 'hostDevice'],
          null,
          h,
          rootBus,
          used,
          root,
        );
      }
      (hb.devices ?? []).forEach((d, i) => {
        this.#place(d, [...path, 'devices', i], null, h, rootBus, used, root);
      });
      this.#domainNext.set(domain, Math.max(this.#nextBus, this.#domainNext.get(domain) ?? 0));
      const fixed: Partial<Record<Pool, { base: bigint; size?: bigint }>> = {};
      if (hb.mmio) fixed.prefetch = region(hb.mmio);
      if (hb.mmio32) fixed.mem = region(hb.mmio32);
      allocateHostBridge(root, cursor, fixed, this.#src.locate(path));
    }
    this.#summarise();
    const iommuEnabled =
      s.iommu?.enabled ?? (s.iommu?.mode !== undefined ? s.iommu.mode !== 'none' : UNKNOWN);
    const defaultDomain =
      s.iommu?.defaultDomain ?? (s.iommu?.mode ? MODE_DOMAIN[s.iommu.mode] : undefined);
    const groups = new Set<number>();
    const inits = this.#fns.map((f) => this.#init(f, iommuEnabled, groups));
    for (const init of inits) {
      // every partition of a chip carries the chip's fabric, wherever it was stated
      const chip = init.switchChip;
      const gbps = chip === undefined ? undefined : this.#chips.get(chip.id)?.gbps;
      b.fn(
        chip !== undefined && gbps !== undefined
          ? { ...init, switchChip: { ...chip, fabricGBps: gbps } }
          : init,
      );
    }
    for (const g of s.iommuGroups ?? []) b.iommuGroup({ id: g.id, type: g.type });
    if (s.iommuGroups === undefined) {
      for (const id of groups) b.iommuGroup({ id, type: defaultDomain ?? UNKNOWN });
    }
    const cpu = s.cpu ?? {};
    b.machine({
      name: s.machine?.name ?? null,
      source: 'spec',
      cpu: {
        arch: cpu.arch ?? UNKNOWN,
        vendor: cpu.vendor ?? UNKNOWN,
        family: cpu.family === undefined || cpu.family === 'unknown' ? UNKNOWN : toNum(cpu.family),
        model: cpu.model === undefined || cpu.model === 'unknown' ? UNKNOWN : toNum(cpu.model),
        ...(cpu.modelName !== undefined ? { modelName: cpu.modelName } : {}),
      },
      kernelRelease: s.kernel?.release ?? UNKNOWN,
      kernelCmdline: s.kernel?.cmdline ?? UNKNOWN,
      iommu: { enabled: iommuEnabled, ...(defaultDomain !== undefined ? { defaultDomain } : {}) },
      sockets: s.machine?.sockets ?? (s.sockets?.length ? s.sockets.length : UNKNOWN),
      numaNodes: s.machine?.numaNodes ?? (numaSet.size > 0 ? numaSet.size : UNKNOWN),
    });
    return { fabric: b.build(), warnings: this.#warnings };
  }

  /** Lays out one function (and its functions, VFs and subtree) on `bus`. */
  #place(
    d: DeviceSpec,
    path: Path,
    parent: Fn | null,
    hb: Hb,
    bus: number,
    used: Map<number, Set<number>>,
    onBus: AllocBus & { bars: AllocBar[]; below: AllocBus[] },
    forcedDev?: number,
  ): Fn {
    const addr = this.#address(d, path, hb, bus, used, forcedDev);
    const hasKids = (d.children?.length ?? 0) > 0;
    const kind = resolveKind(d, parent, hasKids);
    const inherit =
      parent?.kind === 'switch-upstream' && kind === 'switch-downstream' ? parent : undefined;
    const vendor = fact(
      d.vendor,
      parseVendor,
      () => inherit?.vendor ?? this.#missingFact('vendor', d, path),
    );
    const device = fact(
      d.device,
      toNum,
      () => inherit?.device ?? this.#missingFact('device', d, path),
    );
    const revision = fact(d.revision, toNum, () => inherit?.revision ?? UNKNOWN);
    const classCode = fact(
      d.class,
      parseClass,
      () => defaultClass(kind) ?? this.#missingFact('class', d, path),
    );
    const bars = (d.bars ?? []).map((bar, i) => this.#bar(bar, [...path, 'bars', i]));
    this.#uniqueBars(bars, path);
    const bus2 = { bars: [] as AllocBar[], below: [] as AllocBus[] };
    onBus.bars.push(...bars.map((x) => x.alloc));
    const f: Fn = {
      path,
      spec: d,
      addr,
      kind,
      parent,
      physfn: null,
      hb,
      vendor,
      device,
      classCode,
      revision,
      bars,
      bus: bus2,
      buses: null,
      kids: [],
    };
    this.#fns.push(f);
    parent?.kids.push(f);
    const isBridge = BRIDGE_KINDS.has(kind);
    if (d.buses === 'none' || (!isBridge && d.buses === undefined)) {
      if (hasKids)
        throw this.#err('a function with devices below it needs a secondary bus', [
          ...path,
          'buses',
        ]);
    } else {
      const explicit =
        d.buses === undefined
          ? undefined
          : { secondary: toNum(d.buses.secondary), subordinate: toNum(d.buses.subordinate) };
      // Children placed by address name the secondary bus themselves (firmware numbered it).
      const secondary = explicit?.secondary ?? childBus(d.children ?? []) ?? this.#nextBus;
      if (secondary > 0xff) throw this.#err('ran out of bus numbers (255) below this bridge', path);
      this.#nextBus = Math.max(this.#nextBus, secondary + 1);
      const below = new Map<number, Set<number>>();
      (d.children ?? []).forEach((c, i) => {
        this.#place(c, [...path, 'children', i], f, hb, secondary, below, bus2);
      });
      f.buses = {
        secondary,
        subordinate: explicit?.subordinate ?? Math.max(secondary, this.#nextBus - 1),
      };
      this.#nextBus = Math.max(this.#nextBus, f.buses.subordinate + 1);
      onBus.below.push(bus2);
    }
    (d.functions ?? []).forEach((c, i) => {
      this.#place(c, [...path, 'functions', i], parent, hb, bus, used, onBus, addr.device);
    });
    this.#virtfns(f, onBus);
    return f;
  }

  #virtfns(pf: Fn, onBus: AllocBus & { bars: AllocBar[] }): void {
    const d = pf.spec;
    const sr = d.sriov;
    const vfs: { spec: DeviceSpec; path: Path }[] = (d.vfs ?? []).map((v, i) => ({
      spec: v,
      path: [...pf.path, 'vfs', i],
    }));
    if (sr) {
      if (d.vfs !== undefined)
        throw this.#err('give either sriov or vfs, not both', [...pf.path, 'sriov'], true);
      for (let i = 0; i < sr.count; i++) {
        vfs.push({
          spec: {
            ...(d.name !== undefined ? { name: `${d.name}-vf${i}` } : {}),
            ...(sr.device !== undefined ? { device: sr.device } : {}),
            ...(sr.model !== undefined ? { model: sr.model } : {}),
            ...(sr.bars !== undefined ? { bars: sr.bars } : {}),
            ...(sr.driver !== undefined ? { driver: sr.driver } : {}),
          },
          path: [...pf.path, 'sriov'],
        });
      }
    }
    const rid = (pf.addr.bus << 8) | (pf.addr.device << 3) | pf.addr.fn;
    const offset = sr?.offset ?? 1;
    const stride = sr?.stride ?? 1;
    vfs.forEach(({ spec: v, path }, i) => {
      let addr: BdfParts;
      if (v.bdf !== undefined) addr = this.#parseBdf(v.bdf, [...path, 'bdf'], pf.hb);
      else {
        const r = rid + offset + i * stride;
        if (r >> 8 > 0xff) throw this.#err('VF routing id beyond bus 255', path);
        addr = { domain: pf.addr.domain, bus: r >> 8, device: (r >> 3) & 0x1f, fn: r & 7 };
      }
      if (addr.bus > pf.addr.bus) this.#nextBus = Math.max(this.#nextBus, addr.bus + 1);
      const bars = (v.bars ?? []).map((bar, j) => this.#bar(bar, [...path, 'bars', j]));
      onBus.bars.push(...bars.map((x) => x.alloc));
      const vf: Fn = {
        path,
        spec: { kind: 'endpoint', ...v },
        addr,
        kind: 'endpoint',
        parent: pf.parent,
        physfn: pf,
        hb: pf.hb,
        vendor: fact(v.vendor, parseVendor, () => pf.vendor),
        device: fact(v.device, toNum, () => pf.device),
        classCode: fact(v.class, parseClass, () => pf.classCode),
        revision: fact(v.revision, toNum, () => pf.revision),
        bars,
        bus: { bars: [], below: [] },
        buses: null,
        kids: [],
      };
      this.#fns.push(vf);
    });
  }

  #address(
    d: DeviceSpec,
    path: Path,
    hb: Hb,
    bus: number,
    used: Map<number, Set<number>>,
    forcedDev?: number,
  ): BdfParts {
    let addr: BdfParts;
    if (d.bdf !== undefined) {
      addr = this.#parseBdf(d.bdf, [...path, 'bdf'], hb);
      if (addr.bus !== bus) {
        this.#warn(
          'spec_bus_mismatch',
          `${formatBdf(addr)} is not on bus ${hexDigits(bus, 2)}, the bus it is listed under`,
          [...path, 'bdf'],
        );
      }
    } else if (d.devfn !== undefined) {
      const [dev, fn] = d.devfn.split('.').map((x) => Number.parseInt(x, 16)) as [number, number];
      if (dev > 0x1f) throw this.#err('device number above 1f', [...path, 'devfn']);
      addr = { domain: hb.domain, bus, device: dev, fn };
    } else if (forcedDev !== undefined) {
      const fns = used.get(forcedDev) ?? new Set();
      let fn = 1;
      while (fns.has(fn) && fn < 8) fn++;
      if (fn > 7) throw this.#err('no free function number (0–7) left on this device', path);
      addr = { domain: hb.domain, bus, device: forcedDev, fn };
    } else {
      let dev = 0;
      while (used.has(dev) && dev < 32) dev++;
      if (dev > 31) throw this.#err('no free device number left on this bus', path);
      addr = { domain: hb.domain, bus, device: dev, fn: 0 };
    }
    if (forcedDev !== undefined && addr.device !== forcedDev) {
      throw this.#err(
        `a function of device ${hexDigits(forcedDev, 2)} must have that device number`,
        path,
      );
    }
    const fns = used.get(addr.device) ?? new Set<number>();
    if (addr.bus === bus && fns.has(addr.fn))
      throw this.#err(`${formatBdf(addr)} is used twice`, path);
    fns.add(addr.fn);
    used.set(addr.device, fns);
    return addr;
  }

  #parseBdf(text: string, path: Path, hb: Hb): BdfParts {
    const p = tryParseBdf(text);
    if (p === null) throw this.#err(`not a PCI address: '${text}'`, path);
    const withDomain = /^[0-9a-f]{1,8}:[0-9a-f]{1,2}:/i.test(text)
      ? p
      : { ...p, domain: hb.domain };
    if (withDomain.domain !== hb.domain)
      throw this.#err(
        `${text} is not in domain ${hexDigits(hb.domain, 4)} of host bridge ${hb.id}`,
        path,
      );
    return withDomain;
  }

  #bar(bar: BarSpec, path: Path): Bar {
    const space = bar.space ?? 'mem';
    const size = parseSize(bar.size);
    const min = space === 'io' ? 4n : 16n;
    // IDE controllers in compatibility mode report the fixed legacy ports (0x3f6, 1 byte) as BARs.
    const legacyIo = space === 'io' && bar.address !== undefined && size >= 1n;
    if (!legacyIo && (size < min || (size & (size - 1n)) !== 0n))
      throw this.#err(`a BAR size is a power of two ≥ ${min} bytes`, [...path, 'size']);
    const is64 = space === 'mem' && (bar.is64 ?? true);
    const prefetchable = space === 'mem' && (bar.prefetchable ?? false);
    if (!is64 && space === 'mem' && size > 1n << 31n)
      throw this.#err('a 32-bit BAR is at most 2GiB', [...path, 'size']);
    const start = bar.address === undefined ? undefined : parseSize(bar.address);
    if (start !== undefined && start % size !== 0n)
      throw this.#err('a BAR address is aligned to its size', [...path, 'address']);
    const pool: Pool = space === 'io' ? 'io' : prefetchable && is64 ? 'prefetch' : 'mem';
    return { index: bar.index, space, is64, prefetchable, alloc: { pool, size, start } };
  }

  #uniqueBars(bars: readonly Bar[], path: Path): void {
    const seen = new Set<number>();
    bars.forEach((b, i) => {
      if (seen.has(b.index))
        throw this.#err(`BAR ${b.index} is listed twice`, [...path, 'bars', i, 'index']);
      seen.add(b.index);
      if (b.is64) seen.add(b.index + 1);
    });
  }

  #init(f: Fn, iommuEnabled: Maybe<boolean>, groups: Set<number>) {
    const d = f.spec;
    const path = f.path;
    const pcie = pcieOf(d, f.kind, path, this.#fail);
    const switchChip = this.#chipOf(d, f.kind, path);
    if (d.p2p !== undefined && BRIDGE_KINDS.has(f.kind))
      throw this.#err(`p2p (a driver's P2P policy) is for endpoints, not a ${f.kind}`, [
        ...path,
        'p2p',
      ]);
    const acs = acsOf(d, path, this.#fail);
    const iommuGroup =
      d.iommuGroup === undefined
        ? iommuEnabled === false
          ? null
          : UNKNOWN
        : d.iommuGroup === 'none'
          ? null
          : d.iommuGroup;
    if (typeof iommuGroup === 'number') groups.add(iommuGroup);
    const windows: BridgeWindow[] =
      d.windows !== undefined
        ? d.windows.map((w) => ({
            space: w.space,
            start: parseSize(w.start),
            size: parseSize(w.size),
          }))
        : f.buses === null
          ? []
          : windowsFor(belowBars(f));
    const sub = d.subsystem;
    return {
      bdf: formatBdf(f.addr),
      ...(d.name !== undefined ? { name: d.name } : {}),
      kind: f.kind,
      vendor: f.vendor,
      device: f.device,
      subsystemVendor:
        sub === undefined || sub === 'unknown'
          ? UNKNOWN
          : sub === 'none'
            ? null
            : sub.vendor === 'unknown'
              ? UNKNOWN
              : parseVendor(sub.vendor),
      subsystemDevice:
        sub === undefined || sub === 'unknown'
          ? UNKNOWN
          : sub === 'none'
            ? null
            : sub.device === 'unknown'
              ? UNKNOWN
              : toNum(sub.device),
      classCode: f.classCode,
      revision: f.revision,
      ...(d.model !== undefined ? { description: d.model } : {}),
      parent: f.parent === null ? null : formatBdf(f.parent.addr),
      hostBridge: f.hb.id,
      physfn: f.physfn === null ? null : formatBdf(f.physfn.addr),
      bars: f.bars.map((b) => ({
        index: b.index,
        space: b.space,
        start: b.alloc.start ?? 0n,
        size: b.alloc.size,
        is64: b.is64,
        prefetchable: b.prefetchable,
      })),
      windows,
      buses: f.buses,
      pcie,
      acs,
      numaNode: d.numaNode ?? f.hb.numaNode,
      iommuGroup,
      driver: d.driver === undefined || d.driver === 'unknown' ? UNKNOWN : d.driver,
      ...(d.memory !== undefined ? { deviceMemory: parseSize(d.memory) } : {}),
      ...(d.osDevices !== undefined ? { osDevices: osDevicesOf(d.osDevices) } : {}),
      ...(d.cpulist !== undefined ? { cpulist: d.cpulist } : {}),
      ...(switchChip !== undefined ? { switchChip } : {}),
      ...(d.p2p !== undefined ? { driverP2p: d.p2p } : {}),
      source: this.#src.locate(path),
    };
  }

  /** `chip`/`fabricGBps` of a switch upstream port; one chip states one fabric capacity. */
  #chipOf(d: DeviceSpec, kind: FunctionKind, path: Path): SwitchChip | undefined {
    if (d.chip === undefined) {
      if (d.fabricGBps !== undefined)
        throw this.#err('fabricGBps needs chip (the switch chip it belongs to)', [
          ...path,
          'fabricGBps',
        ]);
      return undefined;
    }
    if (kind !== 'switch-upstream')
      throw this.#err(`chip is stated on a switch upstream port, not a ${kind}`, [...path, 'chip']);
    const seen = this.#chips.get(d.chip);
    if (seen === undefined) this.#chips.set(d.chip, { gbps: d.fabricGBps, path });
    else if (d.fabricGBps !== undefined && seen.gbps !== undefined && seen.gbps !== d.fabricGBps)
      throw this.#err(
        `chip ${d.chip} already has fabricGBps ${seen.gbps}; its partitions share one fabric`,
        [...path, 'fabricGBps'],
      );
    else if (seen.gbps === undefined && d.fabricGBps !== undefined) seen.gbps = d.fabricGBps;
    return { id: d.chip };
  }

  #missingFact(what: string, d: DeviceSpec, path: Path): Maybe<number> {
    const list = this.#missing.get(what) ?? [];
    list.push(d.name ?? this.#src.locate(path).field ?? '?');
    this.#missing.set(what, list);
    return UNKNOWN;
  }

  #summarise(): void {
    for (const [what, names] of this.#missing) {
      const shown =
        names.slice(0, 6).join(', ') + (names.length > 6 ? `, … (${names.length})` : '');
      this.#warnings.push({
        code: `spec_no_${what}`,
        message: `no ${what} given, so it is unknown, for: ${shown}`,
        location: { file: this.#src.locate([]).file ?? '' },
      });
    }
  }

  #warn(code: string, message: string, path: Path): void {
    this.#warnings.push({ code, message, location: this.#src.locate(path) });
  }
}

const region = (r: { base: string | number; size?: string | number | undefined }) => ({
  base: parseSize(r.base),
  ...(r.size !== undefined ? { size: parseSize(r.size) } : {}),
});

function osDevicesOf(o: NonNullable<DeviceSpec['osDevices']>): OsDevice[] {
  return Object.entries(o).flatMap(([kind, names]) =>
    (names ?? []).map((name) => ({ kind: kind as OsDeviceKind, name })),
  );
}

/** The bus the first child with an explicit `bdf` sits on (`devfn` and derived ones carry none). */
function childBus(children: readonly DeviceSpec[]): number | undefined {
  for (const c of children) {
    const p = c.bdf === undefined ? null : tryParseBdf(c.bdf);
    if (p !== null) return p.bus;
  }
  return undefined;
}

function belowBars(f: Fn): AllocBar[] {
  const out: AllocBar[] = [];
  const walk = (b: AllocBus) => {
    out.push(...b.bars);
    for (const s of b.below) walk(s);
  };
  walk(f.bus);
  return out;
}
