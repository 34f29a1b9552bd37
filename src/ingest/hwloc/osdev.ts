/**
 * OS device names from hwloc's OSDev objects under a PCI device (`eth0`, `mlx5_0`, `nvme0n1`,
 * `card1`). hwloc's own handles for GPU libraries (`cuda0`, `nvml0`, `opencl0d0`) and DMA engines
 * are not OS names and are left out. The kind comes from the name where it says it, else from
 * `osdev_type`: NETWORK is 2 in hwloc 2's enum, bit 4 (16) in hwloc 3's mask.
 */
import type { OsDevice, OsDeviceKind } from '../../pci/types.js';

const BY_NAME: readonly [RegExp, OsDeviceKind][] = [
  [/^nvme\d+$/, 'nvme'],
  [/^nvme\d+(?:c\d+)?n\d+$|^(?:sd|vd|hd)[a-z]+$/, 'block'],
  [/^(?:card|renderD)\d+$/, 'drm'],
  [
    /^(?:mlx\d+_\d+|mthca\d+|hfi1_\d+|qib\d+|usnic_\d+|bnxt_re\d+|irdma\d+|efa_\d+|rxe\d+|erdma_\d+|ionic_\d+|mana_\d+)$/,
    'infiniband',
  ],
];
const ORDER: readonly OsDeviceKind[] = ['infiniband', 'net', 'nvme', 'block', 'drm', 'nvidia-gpu'];

export function hwlocOsDevices(
  children: readonly { type: string; attrs: Readonly<Record<string, string>> }[],
): OsDevice[] {
  const out: OsDevice[] = [];
  for (const c of children) {
    const name = c.attrs['name'];
    if (c.type !== 'OSDev' || name === undefined || !/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) continue;
    let kind = BY_NAME.find(([re]) => re.test(name))?.[1];
    const t = Number(c.attrs['osdev_type']);
    if (kind === undefined && (t === 2 || (t >= 16 && (t & 16) !== 0))) kind = 'net';
    if (kind !== undefined) out.push({ kind, name });
  }
  return out.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}
