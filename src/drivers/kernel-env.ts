import { kerr, ok } from '../core/errno.js';
import type { StrategyName } from '../dma/strategies/index.js';
import { DEFAULT_MAX_SEG_SIZE, DRIVER_MAX_SEG_SIZE } from '../dma/types.js';
import { type DmaDevice, pciDevice } from '../dmabuf/types.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { driverRefusesP2p } from '../perf/facts.js';
import { minBig } from '../util/bigint.js';
import { hex } from '../util/hex.js';
import { PhysAddressSpace } from './bus.js';
import type { DmaTranslation } from './dma-port.js';
import type { DriverEnv } from './env.js';
import { HostRam } from './host-ram.js';
import { kernelMapper } from './mappers.js';

/**
 * Wire the drivers to a Kernel: its dma-buf core, its IOMMU, DMA API and P2PDMA verdicts (owned by
 * the Kernel, so every driver on one Kernel shares them), a physical address map with system RAM,
 * and a leak probe for live mappings.
 */
export interface DriverEnvOptions {
  /** DMA strategy for BAR chunks (default `map-resource`, what habanalabs and amdgpu do). */
  readonly strategy?: StrategyName;
  /** System RAM size (default 256 MiB; placed below the fabric's BARs). */
  readonly ramBytes?: bigint;
}

/** dma_set_max_seg_size as the bound driver sets it (src/dma's table), else the 64 KiB default. */
export function driverMaxSeg(fn: PciFunction): bigint {
  const d = fn.driver;
  return typeof d === 'string' && Object.hasOwn(DRIVER_MAX_SEG_SIZE, d)
    ? DRIVER_MAX_SEG_SIZE[d]!
    : DEFAULT_MAX_SEG_SIZE;
}

export function fromKernel(k: Kernel, opts: DriverEnvOptions = {}): DriverEnv {
  const iommu = k.iommuUnit;
  const p2p = k.p2pdma;
  const api = k.dma;
  const bus = new PhysAddressSpace();
  const ram = new HostRam(
    ramBase(k.fabric, opts.ramBytes ?? 256n << 20n),
    opts.ramBytes ?? 256n << 20n,
  );
  ram.attachToBus(bus);
  const strategy = opts.strategy ?? 'map-resource';
  // Struct-page and phys-vec exporters register their BAR as a P2PDMA provider first
  // (pci_p2pdma_add_resource / pcim_p2pdma_init), which gives the provider its map-type cache.
  const needsProvider = strategy === 'p2p-pages' || strategy === 'phys-vec';
  const mapper = kernelMapper(api, strategy, (provider) => {
    if (needsProvider && !p2p.hasState(provider)) p2p.addProvider(provider);
  });
  // A TLP whose address hits a peer's BAR below a common switch with no ACS redirect is routed
  // by the switch itself (BUS_ADDR): it never reaches the IOMMU (IOVA space reserves BAR windows).
  const switchRouted = new Map<string, boolean>();
  const peerRoutable = (fn: PciFunction, owner: string): boolean => {
    const key = `${fn.bdf}>${owner}`;
    let v = switchRouted.get(key);
    if (v === undefined) {
      v = owner !== fn.bdf && p2p.verdict(owner, fn).mapType === 'BUS_ADDR';
      switchRouted.set(key, v);
    }
    return v;
  };
  const translation = (fn: PciFunction): DmaTranslation => ({
    translate(dmaAddr, len, write) {
      const bar = bus.lookup(dmaAddr, 1n);
      if (
        bar?.kind === 'bar' &&
        bar.owner &&
        iommu.translating(fn) &&
        peerRoutable(fn, bar.owner)
      ) {
        const left = bar.start + bar.size - dmaAddr;
        return ok({ phys: dmaAddr, contiguous: minBig(left, len) });
      }
      const r = iommu.translate(fn, dmaAddr, write ? 'write' : 'read');
      if (!r.ok) return kerr('EFAULT', `${fn.bdf}: IOMMU fault at ${hex(dmaAddr)} (${r.message})`);
      const pageLeft = 4096n - (dmaAddr % 4096n);
      return ok({
        phys: r.value,
        contiguous: iommu.translating(fn) ? minBig(pageLeft, len) : len,
      });
    },
  });
  const env: DriverEnv = {
    core: k.dmabuf,
    bus,
    ram,
    mapper,
    driverAllowsP2p: (fn) => !driverRefusesP2p(k.fabric, fn),
    p2pDistance(provider, client, verbose) {
      const r = p2p.distance(provider, [client], verbose);
      for (const line of r.log) k.printk('warn', line);
      return r.distance ?? -1;
    },
    translation,
    dmaDevice: (fn): DmaDevice => pciDevice(fn, { maxSegSize: driverMaxSeg(fn) }),
    moveNotify: k.dmabufConfig.moveNotify,
    version: k.version,
    findings: [],
  };
  k.registerLeakProbe(`drivers.mappings.${probeSeq(k)}`, () =>
    mapper.live > 0 ? [`${mapper.live} driver DMA mappings not unmapped`] : [],
  );
  return env;
}

const probeSeq = (k: Kernel): number => {
  const c = k.service('drivers.probe-seq', () => ({ n: 0 }));
  return c.n++;
};

/** A RAM base that overlaps no BAR of the fabric: 1 MiB, else 4 GiB, else 1 TiB steps upward. */
function ramBase(fabric: Fabric, size: bigint): bigint {
  const bars = fabric.functions.flatMap((f) => f.bars.filter((b) => b.space === 'mem'));
  const candidates = [
    0x10_0000n,
    1n << 32n,
    ...Array.from({ length: 64 }, (_, i) => BigInt(i + 1) << 40n),
  ];
  for (const base of candidates) {
    if (!bars.some((b) => base < b.start + b.size && b.start < base + size)) return base;
  }
  throw new RangeError('no room for system RAM in the physical map');
}
