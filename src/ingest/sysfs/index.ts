/**
 * The sysfs loader: a live /sys, an unpacked capture or a `peerdma snapshot` archive (through a
 * VirtualFs) → Fabric. Pure: every byte comes through the VirtualFs.
 */
import { PeerdmaError, withFile } from '../../errors/index.js';
import { lookupNames, PciIds, type PciIdsSource, vendorsOf } from '../../names/index.js';
import { FabricBuilder, parseHostBridgeId } from '../../pci/builder.js';
import {
  isKnown,
  type Maybe,
  type PciePortType,
  type PciFunction,
  UNKNOWN,
} from '../../pci/types.js';
import type { LoadResult, VirtualFs } from '../types.js';
import { discoverFunctions, findRoot, listHostBridges } from './discover.js';
import { readFunction } from './function.js';
import { readMachine } from './machine.js';
import { NVIDIA_GPUS } from './osdev.js';
import { joinPath, readText } from './paths.js';
import { WarningSink } from './warnings.js';

export {
  IORESOURCE,
  parseHexAttr,
  parseLinkSpeed,
  parseLinkWidth,
  parseResource,
} from './attrs.js';
export { type ConfigInfo, parseConfig, type SriovInfo } from './config.js';
export { HOST_BRIDGE_RE, placeFunction } from './discover.js';
export { cmdlineIommu, parseCpuinfo, parseKernelRelease } from './machine.js';
export { MAX_SYMLINKS, resolvePath } from './paths.js';

export interface SysfsOptions {
  /** Shown in messages and used as the machine name when the tree has no machine folder. */
  readonly label?: string;
  /** This machine's pci.ids, below the names a snapshot recorded (`peerdma/pci.ids`). */
  readonly systemIds?: PciIdsSource;
  /** A pci.ids the user named (`--pci-ids`): above everything. */
  readonly ids?: PciIdsSource;
}

/** Where `peerdma snapshot` records the names of the functions it holds (pci.ids syntax). */
export const RECORDED_IDS = 'peerdma/pci.ids';

export function loadSysfs(vfs: VirtualFs, opts: SysfsOptions = {}): LoadResult {
  const label = opts.label ?? vfs.label;
  try {
    return load(vfs, label, opts);
  } catch (e) {
    throw withFile(e, label);
  }
}

function load(vfs: VirtualFs, label: string, opts: SysfsOptions): LoadResult {
  const sink = new WarningSink(label);
  const root = findRoot(vfs, sink);
  const { init: machine, iommu } = readMachine(vfs, root, root === '' ? null : root, sink);
  const b = new FabricBuilder().machine(machine);
  for (const g of iommu.groups) b.iommuGroup(g);

  const found = discoverFunctions(vfs, root, sink);
  if (found.length === 0) {
    sink.add(
      'sysfs-no-functions',
      'no PCI functions in the capture: the fabric is empty',
      joinPath(root, 'sys/bus/pci/devices'),
    );
  }
  const ctx = {
    vfs,
    sink,
    iommu: machine.iommu?.enabled ?? UNKNOWN,
    portTypes: new Map<string, PciePortType>(),
    known: new Set<string>(found.map((f) => f.bdf)),
    root,
    nvidiaGpus: new Set(vfs.list(joinPath(root, NVIDIA_GPUS)) ?? []),
  };
  const numaByBridge = new Map<string, Set<Maybe<number>>>();
  // Indexed: a cold `for…of` makes an iterator result per function.
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    const init = readFunction(ctx, f);
    b.fn(init);
    const set = numaByBridge.get(f.hostBridge) ?? new Set();
    set.add(init.numaNode ?? UNKNOWN);
    numaByBridge.set(f.hostBridge, set);
  }
  const bridgeIds = new Set([...listHostBridges(vfs, root), ...numaByBridge.keys()]);
  for (const id of bridgeIds) {
    const parsed = parseHostBridgeId(id);
    if (parsed === null) continue;
    const nodes = [...(numaByBridge.get(id) ?? [])];
    const only = nodes.length === 1 ? nodes[0]! : UNKNOWN;
    b.hostBridge({ id, ...parsed, numaNode: isKnown(only) ? only : UNKNOWN });
  }
  // The functions are named as the fabric is built (once the tree is known valid): the system's
  // pci.ids, then the names the snapshot recorded, then the user's, for the vendors it holds.
  const names = (functions: readonly PciFunction[]) => {
    const recordedPath = joinPath(root, RECORDED_IDS);
    const recorded = readText(vfs, recordedPath);
    const files: PciIdsSource[] = [
      ...(opts.systemIds ? [opts.systemIds] : []),
      ...(recorded !== undefined ? [{ name: `${label}: ${recordedPath}`, text: recorded }] : []),
      ...(opts.ids ? [opts.ids] : []),
    ];
    const db = PciIds.from(files, vendorsOf({ functions }));
    return (f: PciFunction) => lookupNames(db, f);
  };
  let fabric: LoadResult['fabric'];
  try {
    fabric = b.build(names);
  } catch (e) {
    if (e instanceof PeerdmaError) throw e;
    throw new PeerdmaError('E_TOPOLOGY', `cannot build the fabric: ${String(e)}`, { file: label });
  }
  return { fabric, warnings: sink.list() };
}
