import { type LoadWarning, PeerdmaError } from '../../errors/index.js';
import { formatBdf, tryParseBdf } from '../../pci/bdf.js';
import { FabricBuilder, type FunctionInit, hostBridgeId } from '../../pci/builder.js';
import { className } from '../../pci/classes.js';
import {
  type FunctionKind,
  type Link,
  type Maybe,
  type PcieInfo,
  type PciePortType,
  UNKNOWN,
} from '../../pci/types.js';
import type { LoadResult, TextInput } from '../types.js';
import { linkFromGBps } from './linkspeed.js';
import { isIoObject, isPackage, numaNodesOf, packageOf } from './locality.js';
import { hwlocOsDevices } from './osdev.js';
import { type HwObject, type HwTopology, parseHwlocXml } from './xml.js';

/** `pci_type="0604 [8086:3c02] [0000:0000] 07 00"`: class, ids, subsystem ids, revision, prog-if. */
const PCI_TYPE_RE =
  /^([0-9a-f]{4}) \[([0-9a-f]{4}):([0-9a-f]{4})\] \[([0-9a-f]{4}):([0-9a-f]{4})\] ([0-9a-f]{2})(?: ([0-9a-f]{2}))?$/i;
/** `bridge_pci="0000:[01-05]"`: domain, secondary and subordinate bus. */
const BRIDGE_PCI_RE = /^([0-9a-f]{1,8}):\[([0-9a-f]{2})-([0-9a-f]{2})\]$/i;

const hex = (s: string) => Number.parseInt(s, 16);

/** Loads an hwloc XML export (`lstopo --of xml`, hwloc 1.x or 2.x) into a Fabric. */
export function loadHwloc(input: TextInput): LoadResult {
  return new HwlocLoader(input).load(parseHwlocXml(input));
}

interface Ctx {
  /** Nearest non-I/O ancestors, innermost first. */
  readonly ancestors: readonly HwObject[];
  readonly hostBridge: string | undefined;
  readonly numaNode: Maybe<number>;
  readonly parent: { readonly bdf: string; readonly kind: FunctionKind } | null;
}

class HwlocLoader {
  readonly #b = new FabricBuilder();
  readonly #warnings: LoadWarning[] = [];
  readonly #input: TextInput;
  #functions = 0;
  #linkUnknown = 0;
  readonly #ambiguous = new Map<string, string>();
  readonly #unmatched: string[] = [];

  constructor(input: TextInput) {
    this.#input = input;
  }

  load(topo: HwTopology): LoadResult {
    const all = topo.roots.flatMap((r) => [r, ...nonIoDescendants(r)]);
    const info = (k: string) => topo.infos.get(k) ?? all.find((o) => o.infos.has(k))?.infos.get(k);
    const num = (k: string): Maybe<number> => {
      const v = info(k);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : UNKNOWN;
    };
    const packages = all.filter(isPackage).length;
    const numa = all.filter((o) => o.type === 'NUMANode').length;
    const modelName = info('CPUModel');
    this.#b.machine({
      name: info('HostName') ?? info('DMIProductName') ?? null,
      source: 'hwloc',
      cpu: {
        arch: info('Architecture') ?? UNKNOWN,
        vendor: info('CPUVendor') ?? UNKNOWN,
        family: num('CPUFamilyNumber'),
        model: num('CPUModelNumber'),
        ...(modelName !== undefined ? { modelName } : {}),
      },
      kernelRelease: info('OSRelease') ?? UNKNOWN,
      kernelCmdline: UNKNOWN,
      iommu: { enabled: UNKNOWN },
      sockets: packages > 0 ? packages : UNKNOWN,
      numaNodes: numa > 0 ? numa : UNKNOWN,
    });
    for (const r of topo.roots)
      this.#walk(r, { ancestors: [], hostBridge: undefined, numaNode: UNKNOWN, parent: null });
    this.#summarise();
    let fabric: LoadResult['fabric'];
    try {
      fabric = this.#b.build();
    } catch (e) {
      if (e instanceof PeerdmaError && e.location.file === undefined) {
        throw new PeerdmaError(e.code, e.message, { ...e.location, file: this.#input.name });
      }
      throw e;
    }
    return { fabric, warnings: this.#warnings };
  }

  #walk(o: HwObject, ctx: Ctx): void {
    if (!isIoObject(o)) {
      const next = { ...ctx, ancestors: [o, ...ctx.ancestors] };
      for (const c of o.children) this.#walk(c, next);
      return;
    }
    if (o.type === 'Bridge' && (o.attrs['bridge_type'] ?? '').startsWith('0-')) {
      this.#hostBridge(o, ctx);
      return;
    }
    if ((o.type === 'Bridge' || o.type === 'PCIDev') && o.attrs['pci_busid'] !== undefined) {
      const f = this.#function(o, ctx);
      if (f !== null) {
        for (const c of o.children) this.#walk(c, { ...ctx, parent: f });
        return;
      }
    }
    for (const c of o.children) this.#walk(c, ctx);
  }

  #hostBridge(o: HwObject, ctx: Ctx): void {
    const m = BRIDGE_PCI_RE.exec(o.attrs['bridge_pci'] ?? '');
    if (m === null) {
      this.#warn(
        'hwloc_host_bridge',
        `host bridge without a usable bridge_pci ('${o.attrs['bridge_pci'] ?? ''}'); its root bus is taken from its children`,
      );
      for (const c of o.children)
        this.#walk(c, { ...ctx, hostBridge: undefined, numaNode: UNKNOWN, parent: null });
      return;
    }
    const domain = hex(m[1]!);
    const rootBus = hex(m[2]!);
    const id = hostBridgeId(domain, rootBus);
    const nodes = numaNodesOf(ctx.ancestors);
    const socket = packageOf(ctx.ancestors);
    if (nodes.length !== 1) {
      this.#warn(
        'hwloc_numa_locality',
        nodes.length === 0
          ? `host bridge ${id} has no NUMA locality in the XML; its NUMA node is unknown`
          : `host bridge ${id} is local to NUMA nodes ${nodes.join(',')} (an hwloc ${ctx.ancestors[0]?.type ?? 'object'}); its NUMA node is unknown`,
      );
    }
    this.#b.hostBridge({
      id,
      domain,
      rootBus,
      numaNode: nodes.length === 1 ? nodes[0]! : UNKNOWN,
      ...(socket !== undefined ? { socket } : {}),
    });
    const numaNode = nodes.length === 1 ? nodes[0]! : UNKNOWN;
    for (const c of o.children) this.#walk(c, { ...ctx, hostBridge: id, numaNode, parent: null });
  }

  #function(o: HwObject, ctx: Ctx): { bdf: string; kind: FunctionKind } | null {
    const busid = o.attrs['pci_busid']!;
    const addr = tryParseBdf(busid);
    if (addr === null) {
      this.#warn('hwloc_busid', `ignoring a ${o.type} with malformed pci_busid '${busid}'`);
      return null;
    }
    const bdf = formatBdf(addr);
    const t = PCI_TYPE_RE.exec((o.attrs['pci_type'] ?? '').trim());
    if (t === null)
      this.#warn(
        'hwloc_pci_type',
        `malformed pci_type '${o.attrs['pci_type'] ?? ''}'; ids unknown`,
        bdf,
      );
    const classCode = t ? (hex(t[1]!) << 8) | (t[7] !== undefined ? hex(t[7]) : 0) : UNKNOWN;
    const isBridge = o.type === 'Bridge';
    const buses = isBridge ? BRIDGE_PCI_RE.exec(o.attrs['bridge_pci'] ?? '') : null;
    const kind = inferHwlocKind(o, classCode, ctx.parent?.kind ?? null);
    const link = this.#link(o, bdf);
    const pcie: Maybe<PcieInfo> =
      link === UNKNOWN
        ? UNKNOWN
        : { portType: portTypeOf(kind), linkCap: UNKNOWN, linkStatus: link };
    const description = describe(o, classCode);
    const osDevices = hwlocOsDevices(o.children);
    const init: FunctionInit = {
      bdf,
      ...(osDevices.length > 0 ? { osDevices } : {}),
      kind,
      vendor: t ? hex(t[2]!) : UNKNOWN,
      device: t ? hex(t[3]!) : UNKNOWN,
      subsystemVendor: t ? hex(t[4]!) : UNKNOWN,
      subsystemDevice: t ? hex(t[5]!) : UNKNOWN,
      classCode,
      revision: t ? hex(t[6]!) : UNKNOWN,
      ...(description !== undefined ? { description } : {}),
      parent: ctx.parent?.bdf ?? null,
      ...(ctx.hostBridge !== undefined ? { hostBridge: ctx.hostBridge } : {}),
      buses: buses ? { secondary: hex(buses[2]!), subordinate: hex(buses[3]!) } : null,
      pcie,
      acs: { state: 'unknown', reason: 'hwloc XML does not record ACS' },
      numaNode: ctx.numaNode,
      iommuGroup: UNKNOWN,
      driver: UNKNOWN,
      source: { file: this.#input.name, field: `pci_busid=${busid}` },
    };
    if (this.#b.hasFunction(bdf)) {
      this.#warn('hwloc_duplicate', `PCI function ${bdf} appears twice; keeping the first`, bdf);
      return null;
    }
    this.#b.fn(init);
    this.#functions++;
    return { bdf, kind };
  }

  #link(o: HwObject, bdf: string): Maybe<Link> {
    const raw = o.attrs['pci_link_speed'];
    const gbps = raw === undefined ? 0 : Number.parseFloat(raw);
    if (!(gbps > 0)) {
      this.#linkUnknown++;
      return UNKNOWN;
    }
    const m = linkFromGBps(gbps);
    if (m === null) {
      this.#unmatched.push(`${bdf} ${raw}`);
      return UNKNOWN;
    }
    if (m.alternatives.length > 0) {
      const alt = m.alternatives.map(fmtLink).join(' or ');
      this.#ambiguous.set(String(gbps), `${gbps} GB/s → ${fmtLink(m.link)} (could also be ${alt})`);
    }
    return m.link;
  }

  #summarise(): void {
    const n = this.#functions;
    if (n === 0) return;
    this.#warn(
      'hwloc_no_acs',
      `hwloc XML does not record ACS: ACS state is unknown for all ${n} PCI functions`,
    );
    this.#warn(
      'hwloc_no_port_type',
      `hwloc XML does not record PCIe port types: kinds of ${n} functions are inferred from class and position`,
    );
    this.#warn(
      'hwloc_no_bars',
      `hwloc XML does not record BARs: no BAR addresses or sizes for ${n} functions`,
    );
    if (this.#linkUnknown > 0) {
      this.#warn(
        'hwloc_no_link',
        `${this.#linkUnknown} functions have no pci_link_speed: link status unknown`,
      );
    }
    if (this.#unmatched.length > 0) {
      this.#warn(
        'hwloc_link_speed',
        `pci_link_speed (GB/s) matching no PCIe generation×width, link status unknown: ${this.#unmatched.join(', ')}`,
      );
    }
    if (this.#ambiguous.size > 0) {
      this.#warn(
        'hwloc_link_guess',
        `pci_link_speed (GB/s) converted to the widest matching link: ${[...this.#ambiguous.values()].join('; ')}`,
      );
    }
  }

  #warn(code: string, message: string, field?: string): void {
    this.#warnings.push({
      code,
      message,
      location: { file: this.#input.name, ...(field !== undefined ? { field } : {}) },
    });
  }
}

const fmtLink = (l: Link) => `${l.speedGTs} GT/s x${l.width}`;

function nonIoDescendants(o: HwObject): HwObject[] {
  return o.children.filter((c) => !isIoObject(c)).flatMap((c) => [c, ...nonIoDescendants(c)]);
}

/** `Vendor Device [eth0]`; without names from hwloc, the class name keeps the OS names company. */
function describe(o: HwObject, classCode: Maybe<number>): string | undefined {
  const modelParts = [o.infos.get('PCIVendor'), o.infos.get('PCIDevice')].filter(
    (s) => s !== undefined && s !== '',
  );
  const hasOsNames = o.children.some((c) => c.type === 'OSDev' && c.attrs['name']);
  const model =
    modelParts.length === 0 && hasOsNames && classCode !== UNKNOWN
      ? className(classCode)
      : modelParts.join(' ');
  const names = o.children
    .filter((c) => c.type === 'OSDev' && c.attrs['name'])
    .map((c) => c.attrs['name']!);
  const tail = names.length > 0 ? `[${names.join(', ')}]` : '';
  const d = [model, tail].filter((s) => s !== '').join(' ');
  return d === '' ? undefined : d;
}

/**
 * hwloc has no PCIe port type, so kinds follow class and position: a bridge on a root bus is a root
 * port (a subtractive-decode one, prog-if 01, a PCI bridge); a bridge below a root or downstream port
 * with bridges below it is a switch upstream port, whose bridges are downstream ports.
 */
function inferHwlocKind(
  o: HwObject,
  classCode: Maybe<number>,
  parent: FunctionKind | null,
): FunctionKind {
  const cls = classCode === UNKNOWN ? -1 : classCode >> 8;
  const progIf = classCode === UNKNOWN ? -1 : classCode & 0xff;
  if (cls === 0x0600 && parent === null) return 'host-bridge';
  if (o.type !== 'Bridge' && cls !== 0x0604)
    return parent === null ? 'rc-integrated-endpoint' : 'endpoint';
  if (parent === null) return progIf === 1 ? 'pci-bridge' : 'root-port';
  if (parent === 'switch-upstream') return 'switch-downstream';
  const hasBridges = o.children.some((c) => c.type === 'Bridge');
  if ((parent === 'root-port' || parent === 'switch-downstream') && hasBridges)
    return 'switch-upstream';
  return 'pci-bridge';
}

function portTypeOf(kind: FunctionKind): PciePortType {
  switch (kind) {
    case 'root-port':
    case 'switch-upstream':
    case 'switch-downstream':
    case 'pcie-to-pci-bridge':
    case 'rc-integrated-endpoint':
      return kind;
    case 'host-bridge':
      return 'rc-integrated-endpoint';
    case 'pci-bridge':
      return 'pci-to-pcie-bridge';
    default:
      return 'endpoint';
  }
}
