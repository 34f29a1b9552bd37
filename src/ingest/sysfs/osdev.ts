/**
 * The names people use for a PCI function: what its driver registered under the function's sysfs
 * directory (`net/eth0`, `infiniband/mlx5_0`, `nvme/nvme0` and its namespaces `nvme0n1`, `block/vda`,
 * `drm/card1` and `renderD128`), and the NVIDIA driver's GPU number (`/proc/driver/nvidia/gpus/
 * <bdf>/information`, "Device Minor: N" → `GPU<N>`).
 */
import type { OsDevice, OsDeviceKind } from '../../pci/types.js';
import type { VirtualFs } from '../types.js';
import { joinPath, readText } from './paths.js';

/** Listed in this order, grouped by kind (the spec writes them grouped the same way). */
const KINDS: readonly OsDeviceKind[] = ['infiniband', 'net', 'nvme', 'block', 'drm', 'nvidia-gpu'];
/** Directories read directly under the function (NVMe namespaces sit one level deeper). */
const DIRECT: readonly OsDeviceKind[] = ['infiniband', 'net', 'nvme', 'block', 'drm'];
const NAME_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const DRM_RE = /^(?:card|renderD)\d+$/;
const NAMESPACE_RE = /^nvme\d+(?:c\d+)?n\d+$/;

/** Where the NVIDIA driver describes its GPUs, one `<bdf>/information` each. */
export const NVIDIA_GPUS = 'proc/driver/nvidia/gpus';

/**
 * `d`: the function's directory in `vfs` (`inDir`); `nvidiaGpus`: the names NVIDIA_GPUS lists
 * (listed once, not asked per function).
 */
export function readOsDevices(
  vfs: VirtualFs,
  d: VirtualFs,
  root: string,
  bdf: string,
  nvidiaGpus: ReadonlySet<string>,
): OsDevice[] {
  let by: Map<OsDeviceKind, string[]> | undefined;
  const add = (kind: OsDeviceKind, name: string) => {
    by ??= new Map<OsDeviceKind, string[]>(KINDS.map((k) => [k, []]));
    by.get(kind)!.push(name);
  };
  // Indexed: run cold once per function, a `for…of` makes an iterator result per step.
  for (let k = 0; k < DIRECT.length; k++) {
    const kind = DIRECT[k]!;
    for (const name of d.list(kind) ?? []) {
      if (!NAME_RE.test(name) || (kind === 'drm' && !DRM_RE.test(name))) continue;
      add(kind, name);
      if (kind === 'nvme') {
        for (const ns of d.list(`${kind}/${name}`) ?? [])
          if (NAMESPACE_RE.test(ns)) add('block', ns);
      }
    }
  }
  const info = nvidiaGpus.has(bdf)
    ? readText(vfs, joinPath(root, NVIDIA_GPUS, bdf, 'information'))
    : undefined;
  const minor = info === undefined ? null : /^Device Minor:\s*(\d+)\s*$/m.exec(info);
  if (minor) add('nvidia-gpu', `GPU${Number(minor[1])}`);
  if (by === undefined) return [];
  const found = by;
  return KINDS.flatMap((kind) => found.get(kind)!.map((name) => ({ kind, name })));
}
