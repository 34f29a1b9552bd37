/**
 * The names people use for devices in tables: a spec's own name, else what the OS calls the
 * function — `GPU3` (the NVIDIA driver's number), `NIC0…` for network and InfiniBand functions
 * with a legend like nvidia-smi's (`NIC0: mlx5_0`), `nvme0` — else the BDF.
 */
import { categoryOf } from '../pci/classes.js';
import type { PciFunction } from '../pci/types.js';

export interface DeviceLabels {
  readonly labels: readonly string[];
  /** `NIC0: mlx5_0, ens1np0 (0000:04:00.0)` lines for labels that stand for OS names. */
  readonly legend: readonly string[];
}

const osNames = (f: PciFunction, kind: string) =>
  (f.osDevices ?? []).filter((d) => d.kind === kind).map((d) => d.name);
const shortBdf = (f: PciFunction) => f.bdf.replace(/^0000:/, '');

export function deviceLabels(devs: readonly PciFunction[]): DeviceLabels {
  let nics = 0;
  const legend: string[] = [];
  const labels = devs.map((f) => {
    if (f.name !== undefined) return f.name;
    const gpu = osNames(f, 'nvidia-gpu')[0];
    if (gpu !== undefined) {
      legend.push(`  ${gpu}: ${shortBdf(f)}`);
      return gpu;
    }
    const net = [...osNames(f, 'infiniband'), ...osNames(f, 'net')];
    if (net.length > 0 && categoryOf(f) === 'nic') {
      const l = `NIC${nics++}`;
      legend.push(`  ${l}: ${net.join(', ')} (${shortBdf(f)})`);
      return l;
    }
    const other = osNames(f, 'nvme')[0] ?? net[0] ?? osNames(f, 'drm')[0] ?? osNames(f, 'block')[0];
    if (other !== undefined) {
      legend.push(`  ${other}: ${shortBdf(f)}`);
      return other;
    }
    return shortBdf(f);
  });
  return { labels, legend: legend.length > 0 ? ['Device legend:', '', ...legend] : [] };
}

/** `0`, `0 (CPUs 0-31,64-95)`: the NUMA column joined by the function's `local_cpulist`. */
export function numaWithCpus(numa: string, f: PciFunction): string {
  return f.cpulist === undefined ? numa : `${numa} (CPUs ${f.cpulist})`;
}
