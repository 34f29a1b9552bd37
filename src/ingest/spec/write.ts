import { Document, isMap, isScalar, isSeq, Scalar, visit } from 'yaml';
import { hostBridgeId } from '../../pci/builder.js';
import type { Fabric } from '../../pci/fabric.js';
import {
  type AcsState,
  type HostBridge,
  isKnown,
  type Link,
  type Maybe,
  type PcieInfo,
  type PciFunction,
  UNKNOWN,
} from '../../pci/types.js';
import { hex, maybeHex } from '../../util/hex.js';
import { formatAcsBits, formatSize } from './units.js';

type Obj = Record<string, unknown>;
const DOMAIN_MODE: Readonly<Record<string, string>> = {
  identity: 'passthrough',
  DMA: 'strict',
  'DMA-FQ': 'lazy',
};

/**
 * Writes any Fabric as a spec document (plain object, ready for specToYaml) with every fact explicit,
 * so loading it again gives the same fabric (apart from `machine.source`).
 */
export function fabricToSpec(fabric: Fabric): Obj {
  const m = fabric.machine;
  const cpu: Obj = {};
  if (isKnown(m.cpu.arch)) cpu['arch'] = m.cpu.arch;
  if (isKnown(m.cpu.vendor)) cpu['vendor'] = m.cpu.vendor;
  if (isKnown(m.cpu.family)) cpu['family'] = hex(m.cpu.family, 2);
  if (isKnown(m.cpu.model)) cpu['model'] = hex(m.cpu.model, 2);
  if (m.cpu.modelName !== undefined) cpu['modelName'] = m.cpu.modelName;
  const kernel: Obj = {};
  if (isKnown(m.kernelRelease)) kernel['release'] = m.kernelRelease;
  if (isKnown(m.kernelCmdline)) kernel['cmdline'] = m.kernelCmdline;
  const iommu: Obj = { enabled: m.iommu.enabled };
  const dd = m.iommu.defaultDomain;
  if (dd !== undefined && isKnown(dd)) {
    if (DOMAIN_MODE[dd] !== undefined) iommu['mode'] = DOMAIN_MODE[dd];
    else iommu['defaultDomain'] = dd;
  }
  const doc: Obj = {
    peerdma: 1,
    machine: { name: m.name, sockets: m.sockets, numaNodes: m.numaNodes },
    cpu,
    kernel,
    iommu,
  };
  const bySocket = new Map<number, Obj[]>();
  const loose: Obj[] = [];
  for (const hb of fabric.hostBridges) {
    const o = hostBridgeToSpec(fabric, hb);
    if (hb.socket === undefined) loose.push(o);
    else bySocket.set(hb.socket, [...(bySocket.get(hb.socket) ?? []), o]);
  }
  if (bySocket.size > 0) {
    doc['sockets'] = [...bySocket.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([id, hostBridges]) => ({ id, hostBridges }));
  }
  if (loose.length > 0) doc['hostBridges'] = loose;
  doc['iommuGroups'] = fabric.iommuGroups.map((g) => ({ id: g.id, type: g.type }));
  return doc;
}

function hostBridgeToSpec(fabric: Fabric, hb: HostBridge): Obj {
  const o: Obj = {};
  if (hb.id !== hostBridgeId(hb.domain, hb.rootBus)) o['id'] = hb.id;
  o['domain'] = hex(hb.domain, 4);
  o['bus'] = hex(hb.rootBus, 2);
  o['numaNode'] = hb.numaNode;
  o['devices'] = fabric
    .children(hb.id)
    .filter((f) => f.physfn === null && f.hostBridge === hb.id)
    .map((f) => deviceToSpec(fabric, f));
  return o;
}

function deviceToSpec(fabric: Fabric, f: PciFunction): Obj {
  const o: Obj = {};
  if (f.name !== undefined) o['name'] = f.name;
  o['bdf'] = f.bdf;
  o['kind'] = f.kind;
  o['vendor'] = maybeHex(f.vendor, 4);
  o['device'] = maybeHex(f.device, 4);
  o['subsystem'] =
    f.subsystemVendor === null && f.subsystemDevice === null
      ? 'none'
      : !isKnown(f.subsystemVendor ?? UNKNOWN) && !isKnown(f.subsystemDevice ?? UNKNOWN)
        ? UNKNOWN
        : {
            vendor: maybeHex(f.subsystemVendor ?? UNKNOWN, 4),
            device: maybeHex(f.subsystemDevice ?? UNKNOWN, 4),
          };
  o['class'] = maybeHex(f.classCode, 6);
  o['revision'] = maybeHex(f.revision, 2);
  if (f.description !== undefined) o['model'] = f.description;
  o['bars'] = f.bars.map((b) => ({
    index: b.index,
    size: formatSize(b.size),
    address: hex(b.start),
    is64: b.is64,
    prefetchable: b.prefetchable,
    space: b.space,
  }));
  if (f.deviceMemory !== undefined) o['memory'] = formatSize(f.deviceMemory);
  o['windows'] = f.windows.map((w) => ({
    space: w.space,
    start: hex(w.start),
    size: formatSize(w.size),
  }));
  o['buses'] =
    f.buses === null ? 'none' : { secondary: f.buses.secondary, subordinate: f.buses.subordinate };
  Object.assign(o, pcieToSpec(f.pcie));
  o['acs'] = acsToSpec(f.acs);
  o['numaNode'] = f.numaNode;
  o['iommuGroup'] = f.iommuGroup === null ? 'none' : f.iommuGroup;
  o['driver'] = f.driver;
  if (f.osDevices !== undefined) {
    const os: Record<string, string[]> = {};
    for (const d of f.osDevices) os[d.kind] = [...(os[d.kind] ?? []), d.name];
    o['osDevices'] = os;
  }
  if (f.cpulist !== undefined) o['cpulist'] = f.cpulist;
  if (f.switchChip !== undefined) {
    o['chip'] = f.switchChip.id;
    if (f.switchChip.fabricGBps !== undefined) o['fabricGBps'] = f.switchChip.fabricGBps;
  }
  if (f.driverP2p !== undefined) o['p2p'] = f.driverP2p;
  const vfs = fabric.virtfns(f);
  if (vfs.length > 0) o['vfs'] = vfs.map((v) => deviceToSpec(fabric, v));
  const kids = fabric.children(f.bdf).filter((c) => c.physfn === null);
  if (kids.length > 0) o['children'] = kids.map((c) => deviceToSpec(fabric, c));
  return o;
}

const linkObj = (l: Link) => ({ speed: l.speedGTs, width: l.width });
const linkState = (l: Maybe<Link> | null) =>
  l === null ? 'none' : isKnown(l) ? linkObj(l) : UNKNOWN;

function pcieToSpec(p: Maybe<PcieInfo> | null): Obj {
  if (p === null) return { portType: 'none' };
  if (!isKnown(p)) return { portType: UNKNOWN };
  const cap = p.linkCap;
  const st = p.linkStatus;
  let link: unknown;
  if (cap === null && st === null) link = 'none';
  else if (cap !== null && !isKnown(cap) && st !== null && !isKnown(st)) link = UNKNOWN;
  else if (cap !== null && isKnown(cap)) {
    const same =
      st !== null && isKnown(st) && st.speedGTs === cap.speedGTs && st.width === cap.width;
    link = same ? linkObj(cap) : { ...linkObj(cap), trained: linkState(st) };
  } else link = { trained: linkState(st) };
  return {
    portType: p.portType,
    link,
    ...(p.mps !== undefined ? { mps: p.mps } : {}),
    ...(p.mrrs !== undefined ? { mrrs: p.mrrs } : {}),
  };
}

function acsToSpec(a: AcsState): unknown {
  if (a.state === 'absent') return 'absent';
  if (a.state === 'unknown') return { unknown: a.reason };
  return { cap: formatAcsBits(a.cap), ctrl: formatAcsBits(a.ctrl) };
}

const HEX_KEYS = new Set(['vendor', 'device', 'revision', 'family', 'model', 'domain', 'bus']);

/** YAML text of a spec object: block style, flow style for leaf maps and lists, ids as hex. */
export function specToYaml(obj: unknown): string {
  const doc = new Document(obj, { aliasDuplicateObjects: false });
  visit(doc, {
    Pair(_, pair) {
      const v = pair.value;
      if (
        isScalar(pair.key) &&
        HEX_KEYS.has(String(pair.key.value)) &&
        isScalar(v) &&
        typeof v.value === 'string' &&
        /^0x[0-9a-f]{1,8}$/.test(v.value)
      ) {
        const n = new Scalar(Number.parseInt(v.value.slice(2), 16));
        n.format = 'HEX';
        pair.value = n;
      }
    },
    Map(_, m) {
      if (
        m.items.every((p) => isScalar(p.value) || (isSeq(p.value) && p.value.items.every(isScalar)))
      )
        m.flow = m.items.length <= 6; // an empty map too: `kernel: {}`, not a block `{}`
    },
    Seq(_, q) {
      if (q.items.every(isScalar) || q.items.length === 0) q.flow = true;
      else if (q.items.every((i) => isMap(i) && i.items.every((p) => isScalar(p.value))))
        q.flow = false;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
