/**
 * `peerdma topo`: the fabric as a tree in the spirit of `lspci -tv`, annotated with kind, link,
 * NUMA node, ACS redirect state, IOMMU group and BAR sizes; and the `--json` document.
 */
import { classText, deviceText, subsystemText } from '../names/index.js';
import { categoryOf, className } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type MachineInfo, type Maybe, type PciFunction, UNKNOWN } from '../pci/types.js';
import { maybeHex } from '../util/hex.js';
import { prettyJson } from '../util/json.js';
import { acsBits, acsSummary, formatSize, hex4, linkSummary } from './format.js';

/**
 * Facts the input carried for no function at all (an lspci tree has no NUMA nodes, a spec without
 * `iommuGroup`s has no groups). The header says so once instead of `?` on every line.
 */
export interface AbsentFacts {
  readonly ids: boolean;
  readonly numa: boolean;
  readonly group: boolean;
  readonly acs: boolean;
}

/** True when `pick` applies to at least one function and is unknown for every one it applies to. */
function unknownEverywhere(
  fns: readonly PciFunction[],
  pick: (f: PciFunction) => unknown,
): boolean {
  let applies = 0;
  for (const f of fns) {
    const v = pick(f);
    if (v === null || v === undefined) continue;
    if (v !== UNKNOWN) return false;
    applies++;
  }
  return applies > 0;
}

export function absentFacts(fabric: Fabric): AbsentFacts {
  const fns = fabric.functions;
  return {
    ids: unknownEverywhere(fns, (f) => (isKnown(f.vendor) || isKnown(f.device) ? 0 : UNKNOWN)),
    numa: unknownEverywhere(fns, (f) => f.numaNode),
    group: unknownEverywhere(fns, (f) => f.iommuGroup),
    acs: unknownEverywhere(fns, (f) =>
      fabric.isBridge(f) || f.acs.state !== 'absent'
        ? f.acs.state === 'unknown'
          ? UNKNOWN
          : 0
        : null,
    ),
  };
}

const ABSENT_NAMES: ReadonlyArray<[keyof AbsentFacts, string]> = [
  ['ids', 'vendor:device ids'],
  ['numa', 'NUMA nodes'],
  ['group', 'IOMMU groups'],
  ['acs', 'ACS state'],
];

export function renderTopo(fabric: Fabric): string {
  const absent = absentFacts(fabric);
  const lines: string[] = [...machineLines(fabric.machine)];
  const missing = ABSENT_NAMES.filter(([k]) => absent[k]).map(([, n]) => n);
  if (missing.length > 0)
    lines.push(`not in the input (unknown for every function): ${missing.join(', ')}`);
  lines.push('');
  for (const hb of fabric.hostBridges) {
    const hbDev = fabric.hostBridgeDevice(hb.id);
    const unsure = fabric.hostBridgeDeviceUnsure(hb.id);
    const dev = hbDev
      ? `host bridge device ${hbDev.bdf}${hbDev.names ? ` ${deviceText(hbDev, true) ?? ''}` : absent.ids ? '' : ` [${hex4(hbDev.vendor)}:${hex4(hbDev.device)}]`}`
      : unsure
        ? `host bridge device unknown (${unsure.bdf} counts only if it is a Root Port; its port type is not in the input)`
        : 'no host bridge device';
    const numa = absent.numa ? [] : [numaText(hb.numaNode)];
    const socket = hb.socket !== undefined ? [`socket ${hb.socket}`] : [];
    lines.push([hb.id, ...numa, ...socket, dev].join('  '));
    const roots = fabric.children(hb.id);
    for (const [i, f] of roots.entries())
      walk(fabric, absent, f, '', i === roots.length - 1, lines);
  }
  if (fabric.functions.length === 0) lines.push('(no PCI functions)');
  return `${lines.join('\n')}\n`;
}

/** `NUMA 1`, `no NUMA node` (the kernel's -1), `NUMA unknown`. */
function numaText(n: Maybe<number>): string {
  return !isKnown(n) ? 'NUMA unknown' : n < 0 ? 'no NUMA node' : `NUMA ${n}`;
}

function machineLines(m: MachineInfo): string[] {
  const cpu = m.cpu;
  const cpuText = isKnown(cpu.vendor)
    ? `${cpu.vendor}${isKnown(cpu.family) ? ` family 0x${cpu.family.toString(16)}` : ''}${isKnown(cpu.model) ? ` model 0x${cpu.model.toString(16)}` : ''}${cpu.modelName ? ` (${cpu.modelName})` : ''}`
    : 'unknown';
  const iommu = isKnown(m.iommu.enabled)
    ? m.iommu.enabled
      ? `on${m.iommu.defaultDomain && isKnown(m.iommu.defaultDomain) ? ` (${m.iommu.defaultDomain})` : ''}`
      : 'off'
    : 'unknown';
  return [
    `machine: ${m.name ?? '(unnamed)'}  [from ${m.source}]`,
    `cpu: ${cpuText}  kernel: ${isKnown(m.kernelRelease) ? m.kernelRelease : 'unknown'}  iommu: ${iommu}`,
    ...(isKnown(m.kernelCmdline) ? [`cmdline: ${m.kernelCmdline}`] : []),
  ];
}

function walk(
  fabric: Fabric,
  absent: AbsentFacts,
  f: PciFunction,
  prefix: string,
  last: boolean,
  out: string[],
): void {
  out.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(fabric, f, absent)}`);
  const kids = fabric.children(f.bdf);
  const next = prefix + (last ? '   ' : '│  ');
  for (const [i, k] of kids.entries()) walk(fabric, absent, k, next, i === kids.length - 1, out);
}

const NONE_ABSENT: AbsentFacts = { ids: false, numa: false, group: false, acs: false };

/**
 * One line about a function: BDF, name, kind, ids, class, link, NUMA, ACS, group, driver, BARs.
 * Facts in `absent` are left out (the header names them once).
 */
export function describe(fabric: Fabric, f: PciFunction, absent = NONE_ABSENT): string {
  const parts: string[] = [f.bdf];
  if (f.name) parts.push(`"${f.name}"`);
  parts.push(f.kind);
  if (f.names !== undefined) {
    // Named from pci.ids and the class table: lspci -nn's words, ids included.
    parts.push(`${classText(f, false)}: ${deviceText(f, true) ?? 'ids unknown'}`);
  } else {
    if (!absent.ids) parts.push(`[${hex4(f.vendor)}:${hex4(f.device)}]`);
    parts.push(f.description ?? (isKnown(f.classCode) ? className(f.classCode) : 'class unknown'));
  }
  // hwloc's description already ends with its OS names (`… [eth0]`): say them once.
  const os = f.osDevices?.map((d) => d.name) ?? [];
  if (os.length > 0 && !os.every((n) => f.description?.includes(n)))
    parts.push(`(${os.join(', ')})`);
  const link =
    f.pcie !== null && isKnown(f.pcie) ? linkSummary(f.pcie.linkCap, f.pcie.linkStatus) : null;
  if (link) parts.push(link);
  if (!absent.numa && f.numaNode !== -1)
    parts.push(isKnown(f.numaNode) ? `NUMA ${f.numaNode}` : 'NUMA ?');
  if (f.cpulist !== undefined) parts.push(`CPUs ${f.cpulist}`);
  if (!absent.acs && (fabric.isBridge(f) || f.acs.state === 'present'))
    parts.push(acsSummary(f.acs));
  if (!absent.group && f.iommuGroup !== null)
    parts.push(isKnown(f.iommuGroup) ? `group ${f.iommuGroup}` : 'group ?');
  if (f.driver !== null && isKnown(f.driver)) parts.push(`driver ${f.driver}`);
  if (f.physfn !== null) parts.push(`VF of ${f.physfn}`);
  const vfs = fabric.virtfns(f).length;
  if (vfs > 0) parts.push(`${vfs} VFs`);
  const bars = f.bars.filter((b) => b.space === 'mem' && b.size > 0n);
  if (bars.length > 0) {
    parts.push(
      `BARs ${bars.map((b) => `${b.index}:${formatSize(b.size)}${b.prefetchable ? 'p' : ''}`).join(',')}`,
    );
  }
  if (f.deviceMemory !== undefined) parts.push(`memory ${formatSize(f.deviceMemory)}`);
  return parts.join('  ');
}

// ── JSON ────────────────────────────────────────────────────────────────────────────────

export const TOPO_SCHEMA_VERSION = 1;

/** The `topo --json` document (schema: docs/json.md). 64-bit values are hex strings. */
export function topoJson(fabric: Fabric): object {
  return topoDoc(
    fabric,
    fabric.functions.map((f) => functionJson(fabric, f)),
  );
}

/**
 * The `topo --json` document as text, `JSON.stringify(topoJson(fabric), null, 2)` byte for byte
 * (without the final newline), in pieces of `batch` function records: a 10,000-function document
 * (13.5 MB) is never one string, nor are its records all alive at once.
 */
export function* topoJsonPieces(fabric: Fabric, batch = 16): Generator<string, void, undefined> {
  const fns = fabric.functions;
  // `functions` is the document's last key: the head is the document without it.
  const head = `${prettyJson(topoDoc(fabric)).slice(0, -2)},\n  "functions": [`;
  if (fns.length === 0) {
    yield `${head}]\n}`;
    return;
  }
  for (let i = 0; i < fns.length; i += batch) {
    // One stringify per batch of records (a call per record is slower), nested as deep as the
    // document holds them, so no line needs indenting again: `[\n  [\n    {…},\n    {…}\n  ]\n]`
    // less its first 5 and last 6 characters (the brackets around the records are the document's).
    const recs = prettyJson([fns.slice(i, i + batch).map((f) => functionJson(fabric, f))]).slice(
      5,
      -6,
    );
    yield `${i === 0 ? head : ','}${recs}`;
  }
  yield '\n  ]\n}';
}

/** The `topo --json` document; without `functions` (its last key) when they are not given. */
function topoDoc(fabric: Fabric, functions?: readonly object[]): object {
  const m = fabric.machine;
  return {
    schemaVersion: TOPO_SCHEMA_VERSION,
    machine: {
      name: m.name,
      source: m.source,
      cpu: {
        arch: m.cpu.arch,
        vendor: m.cpu.vendor,
        family: m.cpu.family,
        model: m.cpu.model,
        modelName: m.cpu.modelName ?? null,
      },
      kernelRelease: m.kernelRelease,
      kernelCmdline: m.kernelCmdline,
      iommu: { enabled: m.iommu.enabled, defaultDomain: m.iommu.defaultDomain ?? 'unknown' },
      sockets: m.sockets,
      numaNodes: m.numaNodes,
    },
    hostBridges: fabric.hostBridges.map((hb) => ({
      id: hb.id,
      domain: hb.domain,
      rootBus: hb.rootBus,
      numaNode: hb.numaNode,
      socket: hb.socket ?? null,
      hostBridgeDevice:
        fabric.hostBridgeDevice(hb.id)?.bdf ??
        (fabric.hostBridgeDeviceUnsure(hb.id) ? UNKNOWN : null),
    })),
    ...(functions === undefined ? {} : { functions }),
  };
}

/** One function's record of the `topo --json` document. */
function functionJson(fabric: Fabric, f: PciFunction): object {
  return {
    bdf: f.bdf,
    name: f.name ?? null,
    kind: f.kind,
    category: categoryOf(f),
    upstream: fabric.upstreamBridge(f)?.bdf ?? null,
    parent: f.parent,
    hostBridge: f.hostBridge,
    vendor: maybeHex(f.vendor, 4),
    device: maybeHex(f.device, 4),
    subsystemVendor: maybeHex(f.subsystemVendor, 4),
    subsystemDevice: maybeHex(f.subsystemDevice, 4),
    class: maybeHex(f.classCode, 6),
    revision: maybeHex(f.revision, 2),
    description: f.description ?? null,
    names:
      f.names === undefined
        ? null
        : {
            class: classText(f, false),
            device: deviceText(f, false),
            subsystem: subsystemText(f, false),
            progIf: f.names.progIf,
          },
    osDevices: f.osDevices ?? [],
    cpulist: f.cpulist ?? null,
    physfn: f.physfn,
    numaNode: f.numaNode,
    iommuGroup: f.iommuGroup,
    driver: f.driver,
    link:
      f.pcie === null
        ? null
        : f.pcie === 'unknown'
          ? 'unknown'
          : { portType: f.pcie.portType, cap: f.pcie.linkCap, status: f.pcie.linkStatus },
    acs:
      f.acs.state === 'present'
        ? {
            state: 'present',
            cap: `0x${f.acs.cap.toString(16).padStart(4, '0')}`,
            ctrl: `0x${f.acs.ctrl.toString(16).padStart(4, '0')}`,
            ctrlBits: acsBits(f.acs.ctrl),
          }
        : f.acs.state === 'unknown'
          ? { state: 'unknown', reason: f.acs.reason }
          : { state: 'absent' },
    bars: f.bars.map((b) => ({
      index: b.index,
      space: b.space,
      start: `0x${b.start.toString(16)}`,
      size: `0x${b.size.toString(16)}`,
      is64: b.is64,
      prefetchable: b.prefetchable,
    })),
    windows: f.windows.map((w) => ({
      space: w.space,
      start: `0x${w.start.toString(16)}`,
      size: `0x${w.size.toString(16)}`,
    })),
    buses: f.buses,
    deviceMemory: f.deviceMemory === undefined ? null : `0x${f.deviceMemory.toString(16)}`,
  };
}
