/** Reading one PCI function directory into a FunctionInit. */
import { canonicalBdf } from '../../pci/bdf.js';
import type { FunctionInit } from '../../pci/builder.js';
import {
  isKnown,
  type Link,
  type Maybe,
  type Mutable,
  type PcieInfo,
  type PciePortType,
  UNKNOWN,
} from '../../pci/types.js';
import type { VirtualFs } from '../types.js';
import {
  parseHexAttr,
  parseIntAttr,
  parseLinkSpeed,
  parseLinkWidth,
  parseResource,
} from './attrs.js';
import { type ConfigInfo, parseConfig } from './config.js';
import type { FoundFunction } from './discover.js';
import { readOsDevices } from './osdev.js';
import { baseName, followLink, inDir, readHeld, readText } from './paths.js';
import type { WarningSink } from './warnings.js';

export interface FunctionContext {
  readonly vfs: VirtualFs;
  readonly sink: WarningSink;
  /** Whether the capture shows IOMMU groups (so a missing `iommu_group` link means something). */
  readonly iommu: Maybe<boolean>;
  /** Port types already decided, for inferring a child's when its config is unreadable. */
  readonly portTypes: Map<string, PciePortType>;
  readonly known: ReadonlySet<string>;
  /** The capture's root (where `sys/` and `proc/` are). */
  readonly root: string;
  /** The BDF directories of the NVIDIA driver's per-GPU directory (osdev.ts NVIDIA_GPUS). */
  readonly nvidiaGpus: ReadonlySet<string>;
}

const BRIDGE_CLASSES = new Set([0x0604, 0x0609]);

function missing(ctx: FunctionContext, dir: string, name: string): void {
  ctx.sink.count(
    'sysfs-missing-attr',
    name,
    `'${name}' missing: recorded as unknown`,
    `${dir}/${name}`,
  );
}

/** An id attribute: the trusted config value, else the file, else the untrusted config value. */
function hexAttr(
  ctx: FunctionContext,
  d: VirtualFs,
  dir: string,
  name: string,
  bits: number,
  own: number | undefined,
  fallback: number | undefined,
): Maybe<number> {
  if (own !== undefined) return own;
  const t = readText(d, name);
  if (t !== undefined) return parseHexAttr(t, `${dir}/${name}`, bits);
  if (fallback !== undefined) return fallback;
  missing(ctx, dir, name);
  return UNKNOWN;
}

/**
 * One function's attributes. Every attribute is asked for (`readText`), present or not: asking an
 * in-memory tree or a listed directory (dirVfs lists a function's directory at its first read)
 * costs no I/O, while listing it here would cost a sorted copy of its names per function.
 */
export function readFunction(ctx: FunctionContext, f: FoundFunction): FunctionInit {
  const { vfs, sink } = ctx;
  const dir = f.path;
  // The function's directory on its own: each attribute is one lookup in it, no path per name.
  const d = inDir(vfs, dir);
  const configPath = `${dir}/config`;

  const cfgBytes = readHeld(d, 'config');
  let cfg: ConfigInfo | null = null;
  if (cfgBytes === undefined) {
    sink.count(
      'sysfs-no-config',
      'config',
      "no 'config': PCIe port type and ACS unknown",
      configPath,
    );
  } else {
    cfg = parseConfig(cfgBytes.bytes, configPath, cfgBytes.size);
    if (cfg.acs.state === 'unknown') {
      sink.count(
        'sysfs-acs-unknown',
        `config-${cfg.size}`,
        `ACS unknown: ${cfg.acs.reason}`,
        configPath,
      );
    }
  }

  // The kernel's vendor, device, class, revision and subsystem attributes print what it read from
  // these config bytes when it enumerated the function, so a config of at least 64 bytes answers
  // for them without six more files. Not for an SR-IOV VF: its Vendor and Device ID registers read
  // 0xffff (the kernel takes both from the PF's SR-IOV capability), so a VF's ids come from the
  // files; so do a bridge's subsystem ids when its capability list runs past the bytes read. A
  // bridge header whose class is not a PCI bridge's was rewritten by a quirk or refused by
  // pci_setup_device: the files say which.
  const ids = cfg?.ids ?? null;
  const trusted =
    ids !== null &&
    ids.vendor !== 0xffff &&
    ids.device !== 0xffff &&
    (cfg?.headerType !== 1 || ids.classCode >> 8 === 0x0604)
      ? ids
      : null;
  const vendor = hexAttr(ctx, d, dir, 'vendor', 16, trusted?.vendor, ids?.vendor);
  const device = hexAttr(ctx, d, dir, 'device', 16, trusted?.device, ids?.device);
  const classCode = hexAttr(ctx, d, dir, 'class', 24, trusted?.classCode, ids?.classCode);
  const revision = hexAttr(ctx, d, dir, 'revision', 8, trusted?.revision, ids?.revision);
  const sub = trusted?.subsystem;
  const own = ids?.subsystem;
  const subsystemVendor = hexAttr(ctx, d, dir, 'subsystem_vendor', 16, sub?.vendor, own?.vendor);
  const subsystemDevice = hexAttr(ctx, d, dir, 'subsystem_device', 16, sub?.device, own?.device);
  const isBridge = isKnown(classCode) ? BRIDGE_CLASSES.has(classCode >> 8) : cfg?.headerType === 1;

  const resText = readText(d, 'resource');
  let bars: FunctionInit['bars'] = [];
  let windows: FunctionInit['windows'] = [];
  if (resText === undefined) missing(ctx, dir, 'resource');
  else ({ bars, windows } = parseResource(resText, `${dir}/resource`, isBridge));

  let buses: FunctionInit['buses'] = cfg?.buses ?? null;
  const secText = readText(d, 'secondary_bus_number');
  const subText = readText(d, 'subordinate_bus_number');
  if (secText !== undefined && subText !== undefined) {
    buses = {
      secondary: parseIntAttr(secText, `${dir}/secondary_bus_number`),
      subordinate: parseIntAttr(subText, `${dir}/subordinate_bus_number`),
    };
  }

  const pcie = decidePcie(ctx, d, f, cfg, isBridge);
  if (isKnown(pcie) && pcie !== null) ctx.portTypes.set(f.bdf, pcie.portType);

  const numaText = readText(d, 'numa_node');
  let numaNode: Maybe<number> = UNKNOWN;
  if (numaText === undefined) missing(ctx, dir, 'numa_node');
  else numaNode = parseIntAttr(numaText, `${dir}/numa_node`);

  const osDevices = readOsDevices(vfs, d, ctx.root, f.bdf, ctx.nvidiaGpus);
  const cpulist = readText(d, 'local_cpulist')?.trim();
  const physfn = readPhysfn(ctx, d, dir);
  const iommuGroup = readGroup(ctx, d, dir);
  const driver = readDriver(d);
  // One literal (one shape, no property added one by one), then the optional keys only when they
  // carry something (the builder reads every key by name: their order is not seen).
  const init: Mutable<FunctionInit> = {
    bdf: f.bdf,
    vendor,
    device,
    subsystemVendor,
    subsystemDevice,
    classCode,
    revision,
    parent: f.parent,
    hostBridge: f.hostBridge,
    physfn,
    bars,
    windows,
    buses,
    pcie,
    acs: cfg?.acs ?? { state: 'unknown', reason: `no config file in the capture (${configPath})` },
    numaNode,
    iommuGroup,
    driver,
    source: { file: vfs.label, field: dir },
  };
  if (osDevices.length > 0) init.osDevices = osDevices;
  if (cpulist) init.cpulist = cpulist;
  if (conventionalBridge(pcie, classCode)) init.kind = 'pci-bridge';
  return init;
}

/**
 * A bridge known not to be PCIe, or one whose class says subtractive decode (prog-if 01, e.g. an
 * Intel 82801 DMI-to-PCI bridge: never a root port) when its PCIe capability is unreadable, is a
 * conventional PCI bridge wherever it sits (the builder would call a root-bus bridge a root port).
 */
function conventionalBridge(pcie: Maybe<PcieInfo> | null, classCode: Maybe<number>): boolean {
  if (!isKnown(classCode) || !BRIDGE_CLASSES.has(classCode >> 8)) return false;
  return pcie === null || (pcie === UNKNOWN && (classCode & 0xff) === 0x01);
}

/**
 * The PCIe capability from config; without it (64-byte or absent config), the link attributes say
 * the function is PCIe and the port type is inferred from class and position, with a warning.
 */
function decidePcie(
  ctx: FunctionContext,
  d: VirtualFs,
  f: FoundFunction,
  cfg: ConfigInfo | null,
  isBridge: boolean,
): Maybe<PcieInfo> | null {
  if (cfg !== null && cfg.pcie !== UNKNOWN) return cfg.pcie;
  const cur = readLink(ctx, d, f.path, 'current');
  const max = readLink(ctx, d, f.path, 'max');
  if (cur === undefined && max === undefined) return UNKNOWN;
  let portType: PciePortType | undefined;
  const up = f.parent === null ? undefined : ctx.portTypes.get(f.parent);
  if (!isBridge) portType = f.parent === null ? 'rc-integrated-endpoint' : 'endpoint';
  else if (f.parent === null) portType = 'root-port';
  else if (up === 'root-port' || up === 'switch-downstream') portType = 'switch-upstream';
  else if (up === 'switch-upstream') portType = 'switch-downstream';
  if (portType === undefined) return UNKNOWN;
  ctx.sink.count(
    'sysfs-port-type-inferred',
    'pcie',
    'PCIe port type inferred from class and position (config unreadable; link attributes present)',
    f.path,
  );
  // An inferred RCiEP keeps what the kernel reported: its real port type may have a link.
  return { portType, linkCap: max ?? UNKNOWN, linkStatus: cur ?? UNKNOWN };
}

function readLink(
  ctx: FunctionContext,
  d: VirtualFs,
  dir: string,
  which: 'current' | 'max',
): Maybe<Link> | undefined {
  const st = readText(d, `${which}_link_speed`);
  const wt = readText(d, `${which}_link_width`);
  if (st === undefined && wt === undefined) return undefined;
  const speed = st === undefined ? UNKNOWN : parseLinkSpeed(st);
  const width = wt === undefined ? UNKNOWN : parseLinkWidth(wt);
  if (speed === undefined || width === undefined) {
    const name = speed === undefined ? `${which}_link_speed` : `${which}_link_width`;
    ctx.sink.count(
      'sysfs-bad-link',
      name,
      `'${name}' unreadable: recorded as unknown`,
      `${dir}/${name}`,
    );
    return UNKNOWN;
  }
  return isKnown(speed) && isKnown(width) ? { speedGTs: speed, width } : UNKNOWN;
}

function readPhysfn(ctx: FunctionContext, d: VirtualFs, dir: string): string | null {
  if (d.kind('physfn') !== 'link') return null;
  const path = `${dir}/physfn`;
  const real = followLink(ctx.vfs, path);
  const bdf = real === undefined ? null : (canonicalBdf(baseName(real))?.bdf ?? null);
  if (bdf === null || !ctx.known.has(bdf)) {
    ctx.sink.count(
      'sysfs-dangling',
      'physfn',
      "'physfn' leads to no PCI function of the capture; ignored",
      path,
    );
    return null;
  }
  return bdf;
}

function readGroup(ctx: FunctionContext, d: VirtualFs, dir: string): Maybe<number> | null {
  const target = d.readlink('iommu_group');
  if (target !== undefined) {
    const n = baseName(target.replace(/\/+$/, ''));
    if (/^\d+$/.test(n)) return Number(n);
    ctx.sink.count(
      'sysfs-bad-link',
      'iommu_group',
      "'iommu_group' link names no group number",
      `${dir}/iommu_group`,
    );
    return UNKNOWN;
  }
  if (ctx.iommu === false) return null;
  if (ctx.iommu === true) {
    ctx.sink.count(
      'sysfs-missing-attr',
      'iommu_group',
      "'iommu_group' missing while the IOMMU is on: unknown",
      `${dir}/iommu_group`,
    );
  }
  return UNKNOWN;
}

function readDriver(d: VirtualFs): string | null {
  const target = d.readlink('driver');
  if (target === undefined) return null;
  const name = baseName(target.replace(/\/+$/, ''));
  return name.length > 0 ? name : null;
}
