import { type KResult, kerr, ok } from '../core/errno.js';
import { minBig } from '../util/bigint.js';
import { hex } from '../util/hex.js';
import type { PhysAddressSpace } from './bus.js';

/**
 * How a device's DMA engine reaches memory: DMA address → (IOMMU translation) → physical address →
 * whatever decodes it (a peer's BAR or system RAM). `translate` is the only IOMMU-dependent step;
 * without an IOMMU (or in passthrough) a DMA address is the bus address, equal to CPU physical here.
 */
export interface DmaTranslation {
  /** Physical address and how many bytes from it are contiguous; error → IOMMU fault. */
  translate(
    dmaAddr: bigint,
    len: bigint,
    write: boolean,
  ): KResult<{ phys: bigint; contiguous: bigint }>;
}

export const identityTranslation: DmaTranslation = {
  translate: (dmaAddr, len) => ok({ phys: dmaAddr, contiguous: len }),
};

export interface DmaHop {
  readonly dmaAddr: bigint;
  readonly phys: bigint;
  readonly len: bigint;
  readonly target: string;
}

/** A device's view of memory through its translation; logs where each transfer landed. */
export class DmaPort {
  readonly device: string;
  readonly bus: PhysAddressSpace;
  translation: DmaTranslation;
  readonly hops: DmaHop[] = [];

  constructor(
    device: string,
    bus: PhysAddressSpace,
    translation: DmaTranslation = identityTranslation,
  ) {
    this.device = device;
    this.bus = bus;
    this.translation = translation;
  }

  write(dmaAddr: bigint, data: Uint8Array): KResult<void> {
    let done = 0;
    while (done < data.length) {
      const r = this.#resolve(dmaAddr + BigInt(done), BigInt(data.length - done), true);
      if (!r.ok) return r;
      const n = Number(r.value.len);
      r.value.region.target.write(
        r.value.phys - r.value.region.start,
        data.subarray(done, done + n),
        this.device,
      );
      done += n;
    }
    return ok(undefined);
  }

  read(dmaAddr: bigint, length: number): KResult<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const r = this.#resolve(dmaAddr + BigInt(done), BigInt(length - done), false);
      if (!r.ok) return r;
      const n = Number(r.value.len);
      out.set(r.value.region.target.read(r.value.phys - r.value.region.start, n), done);
      done += n;
    }
    return ok(out);
  }

  #resolve(dmaAddr: bigint, want: bigint, write: boolean) {
    const t = this.translation.translate(dmaAddr, want, write);
    if (!t.ok) return t;
    const len = minBig(t.value.contiguous, want);
    const region = this.bus.lookup(t.value.phys, 1n);
    if (!region) {
      return kerr(
        'EIO',
        `${this.device}: DMA to ${hex(dmaAddr)} (phys ${hex(t.value.phys)}) hit no device or RAM (Unsupported Request)`,
      );
    }
    const inRegion = region.start + region.size - t.value.phys;
    const n = minBig(len, inRegion);
    this.hops.push({ dmaAddr, phys: t.value.phys, len: n, target: region.target.name });
    return ok({ region, phys: t.value.phys, len: n });
  }
}
