/** Machine-wide facts of a sysfs capture: CPU, kernel, NUMA nodes, IOMMU. */
import type { MachineInit } from '../../pci/builder.js';
import type { CpuInfo, IommuGroup, IommuInfo, Maybe } from '../../pci/types.js';
import { UNKNOWN } from '../../pci/types.js';
import type { VirtualFs } from '../types.js';
import { inDir, joinPath, readText } from './paths.js';

import type { WarningSink } from './warnings.js';

/** The first processor block of /proc/cpuinfo, as `key → value`. */
export function parseCpuinfo(text: string): { cpu: Partial<CpuInfo>; sockets: Maybe<number> } {
  const fields = new Map<string, string>();
  const packages = new Set<string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (key === 'physical id') packages.add(value);
    if (!fields.has(key)) fields.set(key, value);
  }
  const num = (k: string): Maybe<number> => {
    const v = fields.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : UNKNOWN;
  };
  const vendor = fields.get('vendor_id');
  const modelName = fields.get('model name') ?? fields.get('cpu model') ?? fields.get('cpu');
  const cpu: Partial<CpuInfo> = {
    arch: archOf(fields),
    vendor: vendor ?? UNKNOWN,
    family: vendor !== undefined ? num('cpu family') : UNKNOWN,
    model: vendor !== undefined ? num('model') : UNKNOWN,
    ...(modelName !== undefined ? { modelName } : {}),
  };
  return { cpu, sockets: packages.size > 0 ? packages.size : UNKNOWN };
}

/** Kernel architecture name (arch/<name>) from cpuinfo's field names. */
function archOf(f: ReadonlyMap<string, string>): Maybe<string> {
  if (f.has('vendor_id')) return 'x86';
  if (f.has('cpu implementer') || f.has('cpu architecture')) return 'arm64';
  if (f.get('isa')?.startsWith('rv') === true) return 'riscv';
  if (f.get('cpu family')?.startsWith('PA-RISC') === true) return 'parisc';
  if (/power/i.test(f.get('cpu') ?? '') || f.has('platform')) return 'powerpc';
  if (f.has('cpu model') && /mips/i.test(f.get('cpu model') ?? '')) return 'mips';
  return UNKNOWN;
}

/** `Linux version 6.1.192-p2poracle (…)` → `6.1.192-p2poracle`. */
export function parseKernelRelease(text: string): Maybe<string> {
  const m = /^Linux version (\S+)/.exec(text.trim());
  return m ? m[1]! : UNKNOWN;
}

/** What the kernel command line says about the IOMMU (supporting evidence only). */
export function cmdlineIommu(cmdline: string): { on?: boolean; passthrough?: boolean } {
  const out: { on?: boolean; passthrough?: boolean } = {};
  for (const tok of cmdline.split(/\s+/)) {
    const [k, v = ''] = tok.split('=', 2) as [string, string?];
    const vals = v.split(',');
    if (k === 'intel_iommu' || k === 'amd_iommu') {
      if (vals.includes('off')) out.on = false;
      else if (vals.includes('on') || vals.includes('force')) out.on = true;
    }
    if (k === 'iommu') {
      if (vals.includes('pt')) out.passthrough = true;
      if (vals.includes('nopt')) out.passthrough = false;
      if (vals.includes('off')) out.on = false;
    }
    if (k === 'iommu.passthrough') out.passthrough = v === '1' || v === 'on' || v === 'y';
  }
  return out;
}

export interface IommuFacts {
  readonly info: IommuInfo;
  readonly groups: IommuGroup[];
  /** Whether the capture says anything about IOMMU groups (dir present). */
  readonly groupsKnown: boolean;
}

/** IOMMU state from `sys/kernel/iommu_groups` and `sys/class/iommu`, the cmdline as support. */
export function readIommu(
  vfs: VirtualFs,
  root: string,
  cmdline: string | undefined,
  sink: WarningSink,
): IommuFacts {
  const gdir = joinPath(root, 'sys/kernel/iommu_groups');
  const names = vfs.list(gdir);
  const units = vfs.list(joinPath(root, 'sys/class/iommu'));
  const groups: IommuGroup[] = [];
  const typeCount = new Map<string, number>();
  if (names !== undefined) {
    // Thousands of groups: each read from its own directory (no full path walked per group).
    const all = inDir(vfs, gdir);
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      if (!/^\d+$/.test(n)) continue;
      const t = readText(all, `${n}/type`)?.trim();
      groups.push({ id: Number(n), type: t !== undefined && t.length > 0 ? t : UNKNOWN });
      if (t) typeCount.set(t, (typeCount.get(t) ?? 0) + 1);
    }
  }
  let enabled: Maybe<boolean> = UNKNOWN;
  if (groups.length > 0 || (units !== undefined && units.length > 0)) enabled = true;
  else if (names !== undefined) enabled = false;
  const said = cmdline === undefined ? {} : cmdlineIommu(cmdline);
  if (enabled === UNKNOWN) {
    sink.add(
      'sysfs-iommu-unknown',
      `missing, and no sys/class/iommu either: IOMMU state unknown${said.on !== undefined ? ` (the kernel command line says ${said.on ? 'on' : 'off'})` : ''}`,
      gdir,
    );
  } else if (said.on !== undefined && said.on !== enabled) {
    sink.add(
      'sysfs-iommu-cmdline',
      `the kernel command line asks for the IOMMU ${said.on ? 'on' : 'off'} but sysfs shows it ${enabled ? 'active' : 'inactive'}; sysfs wins`,
      gdir,
    );
  }
  let defaultDomain: Maybe<string> | undefined;
  if (enabled === true) {
    const ranked = [...typeCount].sort((a, b) => b[1] - a[1]);
    const top = ranked[0];
    if (top === undefined || (ranked[1] !== undefined && ranked[1][1] === top[1])) {
      defaultDomain = said.passthrough === true ? 'identity' : UNKNOWN;
    } else defaultDomain = top[0];
  }
  const info: IommuInfo = defaultDomain === undefined ? { enabled } : { enabled, defaultDomain };
  return { info, groups, groupsKnown: names !== undefined };
}

/** Number of `node<N>` directories under sys/devices/system/node. */
export function countNumaNodes(vfs: VirtualFs, root: string): Maybe<number> {
  const names = vfs.list(joinPath(root, 'sys/devices/system/node'));
  if (names === undefined) return UNKNOWN;
  const n = names.filter((x) => /^node\d+$/.test(x)).length;
  return n > 0 ? n : UNKNOWN;
}

/** All machine facts; missing files become 'unknown' with one warning each. */
export function readMachine(
  vfs: VirtualFs,
  root: string,
  name: string | null,
  sink: WarningSink,
): { init: MachineInit; iommu: IommuFacts } {
  const proc = (f: string) => {
    const p = joinPath(root, 'proc', f);
    const t = readText(vfs, p);
    if (t === undefined) sink.add('sysfs-missing-proc', 'missing: recorded as unknown', p);
    return t;
  };
  const cpuinfo = proc('cpuinfo');
  // The release: /proc/sys/kernel/osrelease (what `uname -r` prints) first, else /proc/version.
  const osrelease = readText(vfs, joinPath(root, 'proc', 'sys/kernel/osrelease'))?.trim();
  const version = osrelease ? `Linux version ${osrelease}` : proc('version');
  const cmdline = proc('cmdline');
  const parsed = cpuinfo === undefined ? { cpu: {}, sockets: UNKNOWN } : parseCpuinfo(cpuinfo);
  const iommu = readIommu(vfs, root, cmdline, sink);
  const init: MachineInit = {
    name,
    source: 'sysfs',
    cpu: parsed.cpu,
    kernelRelease: version === undefined ? UNKNOWN : parseKernelRelease(version),
    kernelCmdline: cmdline === undefined ? UNKNOWN : cmdline.trim(),
    iommu: iommu.info,
    sockets: parsed.sockets,
    numaNodes: countNumaNodes(vfs, root),
  };
  return { init, iommu };
}
