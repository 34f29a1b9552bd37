import { type KResult, kerr, ok } from '../../core/errno.js';
import type { PciFunction } from '../../pci/types.js';
import { maxBig, minBig } from '../../util/bigint.js';
import { DramAllocator, type PagePack, SZ_2M } from '../accel/allocator.js';
import { pickHbmBar } from '../accel/device.js';
import type { PhysAddressSpace } from '../bus.js';
import { HOST_PAGE, type HostRam } from '../host-ram.js';
import { SparseMemory } from '../memory.js';

/**
 * An amdgpu-style GPU: VRAM (sparse bytes) behind a BAR, buffer objects that live in VRAM or in
 * system pages (GTT) and move between them with their contents. Moves are announced through
 * `onMove` (the exporter turns that into dma_buf_move_notify).
 */
export type Domain = 'VRAM' | 'GTT';

export interface Bo {
  readonly id: number;
  readonly size: bigint;
  readonly preferred: Domain;
  readonly allowed: readonly Domain[];
  placement: Domain | 'SYSTEM';
  vram: PagePack | null;
  gtt: bigint[] | null;
  pinCount: number;
  moves: number;
}

export class GpuDevice {
  readonly fn: PciFunction;
  readonly vram: SparseMemory;
  /** CPU physical start of the VRAM aperture (`gmc.aper_base`) and its size (CPU-visible VRAM). */
  readonly aperBase: bigint;
  readonly aperSize: bigint;
  readonly ram: HostRam;
  readonly #alloc: DramAllocator;
  readonly #bos = new Map<number, Bo>();
  #nextId = 1;
  /** Called after a BO changed placement (contents already copied). */
  onMove: (bo: Bo, from: Domain | 'SYSTEM', to: Domain) => void = () => {};

  constructor(fn: PciFunction, ram: HostRam) {
    const bar = pickHbmBar(fn);
    if (!bar) throw new RangeError(`${fn.bdf}: no 64-bit prefetchable memory BAR to expose VRAM`);
    this.fn = fn;
    const size = fn.deviceMemory ?? bar.size;
    this.vram = new SparseMemory(`${fn.bdf} VRAM`, size);
    this.aperBase = bar.start;
    this.aperSize = minBig(bar.size, size);
    this.ram = ram;
    // Only the CPU-visible part is used for BOs (exported BOs need CPU access, spec §5.2.1.4.1).
    this.#alloc = new DramAllocator({ dramBase: 0n, dramUserBase: 0n, dramEnd: this.aperSize });
  }

  get name(): string {
    return this.fn.name ?? this.fn.bdf;
  }

  attachToBus(bus: PhysAddressSpace): void {
    const vram = this.vram;
    bus.claim({
      start: this.aperBase,
      size: this.aperSize,
      kind: 'bar',
      owner: this.fn.bdf,
      target: {
        name: `${this.name} VRAM BAR`,
        read: (o, l) => vram.read(o, l),
        write: (o, d) => vram.write(o, d),
      },
    });
  }

  create(
    size: bigint,
    preferred: Domain,
    allowed: readonly Domain[] = ['VRAM', 'GTT'],
  ): KResult<Bo> {
    if (size <= 0n || size % HOST_PAGE !== 0n)
      return kerr('EINVAL', `BO size ${size} is not a positive page multiple`);
    const bo: Bo = {
      id: this.#nextId++,
      size,
      preferred,
      allowed,
      placement: 'SYSTEM',
      vram: null,
      gtt: null,
      pinCount: 0,
      moves: 0,
    };
    const r = this.#place(bo, preferred);
    if (!r.ok) return r;
    this.#bos.set(bo.id, bo);
    return ok(bo);
  }

  /** Validate into one of `domains`: stay if already there, else move to the first that fits. */
  validate(bo: Bo, domains: readonly Domain[]): KResult<void> {
    if (bo.placement !== 'SYSTEM' && domains.includes(bo.placement)) return ok(undefined);
    if (bo.pinCount > 0) return kerr('EBUSY', `BO ${bo.id} is pinned in ${bo.placement}`);
    let last: KResult<void> = kerr('EINVAL', 'no domain to validate into');
    for (const d of domains) {
      last = this.migrate(bo, d);
      if (last.ok) return last;
    }
    return last;
  }

  /** Move a BO to `to`, copying its bytes; refused while pinned (spec §7.26). */
  migrate(bo: Bo, to: Domain): KResult<void> {
    if (bo.placement === to) return ok(undefined);
    if (bo.pinCount > 0) return kerr('EBUSY', `BO ${bo.id} is pinned in ${bo.placement}`);
    const from = bo.placement;
    const bytes = from === 'SYSTEM' ? null : this.read(bo, 0n, Number(bo.size));
    const oldVram = bo.vram;
    const oldGtt = bo.gtt;
    bo.vram = null;
    bo.gtt = null;
    const r = this.#place(bo, to);
    if (!r.ok) {
      bo.vram = oldVram;
      bo.gtt = oldGtt;
      return r;
    }
    if (bytes) this.write(bo, 0n, bytes);
    this.#freeBacking(oldVram, oldGtt);
    bo.moves++;
    this.onMove(bo, from, to);
    return ok(undefined);
  }

  destroy(bo: Bo): void {
    if (!this.#bos.delete(bo.id)) return;
    this.#freeBacking(bo.vram, bo.gtt);
    bo.vram = null;
    bo.gtt = null;
    bo.placement = 'SYSTEM';
  }

  get liveBos(): number {
    return this.#bos.size;
  }

  /** Physical ranges backing the BO in order: VRAM as aperture addresses, GTT as RAM pages. */
  physRanges(bo: Bo): { phys: bigint; len: bigint }[] {
    const out: { phys: bigint; len: bigint }[] = [];
    const push = (phys: bigint, len: bigint) => {
      const last = out[out.length - 1];
      if (last && last.phys + last.len === phys) last.len += len;
      else out.push({ phys, len });
    };
    let left = bo.size;
    if (bo.placement === 'VRAM' && bo.vram) {
      for (const p of bo.vram.pages) {
        const n = minBig(left, bo.vram.pageSize);
        push(this.aperBase + p, n);
        left -= n;
        if (left === 0n) break;
      }
    } else if (bo.placement === 'GTT' && bo.gtt) {
      for (const p of bo.gtt) push(p, HOST_PAGE);
    }
    return out;
  }

  /** The GPU's own access to a BO (its engines, or the driver through the aperture). */
  read(bo: Bo, off: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.#walk(bo, off, len, (phys, at, n) => out.set(this.#physRead(phys, n), at));
    return out;
  }

  write(bo: Bo, off: bigint, data: Uint8Array): void {
    this.#walk(bo, off, data.length, (phys, at, n) =>
      this.#physWrite(phys, data.subarray(at, at + n)),
    );
  }

  #walk(
    bo: Bo,
    off: bigint,
    len: number,
    step: (phys: bigint, at: number, n: number) => void,
  ): void {
    let pos = 0n;
    let done = 0;
    for (const r of this.physRanges(bo)) {
      if (done >= len) break;
      const start = off + BigInt(done);
      if (start < pos + r.len) {
        const inR = start - pos;
        const n = Math.min(len - done, Number(r.len - inR));
        step(r.phys + inR, done, n);
        done += n;
      }
      pos += r.len;
    }
  }

  #physRead(phys: bigint, n: number): Uint8Array {
    return phys >= this.aperBase && phys < this.aperBase + this.aperSize
      ? this.vram.read(phys - this.aperBase, n)
      : this.ram.read(phys, n);
  }

  #physWrite(phys: bigint, d: Uint8Array): void {
    if (phys >= this.aperBase && phys < this.aperBase + this.aperSize)
      this.vram.write(phys - this.aperBase, d);
    else this.ram.write(phys, d);
  }

  #place(bo: Bo, to: Domain): KResult<void> {
    if (!bo.allowed.includes(to)) return kerr('EINVAL', `BO ${bo.id} may not live in ${to}`);
    if (to === 'VRAM') {
      const r = this.#alloc.alloc(maxBig(bo.size, SZ_2M), false);
      if (!r.ok) return r;
      bo.vram = r.value;
    } else {
      const r = this.ram.allocPages(Number(bo.size / HOST_PAGE), true);
      if (!r.ok) return r;
      bo.gtt = r.value;
    }
    bo.placement = to;
    return ok(undefined);
  }

  #freeBacking(vram: PagePack | null, gtt: bigint[] | null): void {
    if (vram) {
      for (const p of vram.pages) this.vram.fill(p, vram.pageSize, 0);
      this.#alloc.free(vram.handle);
    }
    if (gtt) this.ram.freePages(gtt);
  }
}
