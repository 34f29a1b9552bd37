import { type KResult, kerr, ok } from '../../core/errno.js';

/**
 * Protection domains and memory regions. An MR's bytes are reached through a `MrBacking`, which
 * turns a position in the MR into a DMA address — host pages, or a dma-buf mapping that may have
 * been invalidated and must fault back in (mlx5 dynamic MR).
 */
export interface Pd {
  readonly handle: number;
  /** MRs registered against it (ibv_dealloc_pd refuses with EBUSY while > 0). */
  useCnt: number;
}

export interface MrBacking {
  readonly kind: 'host' | 'dmabuf-pinned' | 'dmabuf-dynamic';
  /** DMA address of MR byte `pos` (0 = first byte at `iova`) and bytes contiguous from there. */
  resolve(pos: bigint): KResult<{ readonly addr: bigint; readonly contiguous: bigint }>;
  /** Deregistration: unmap/detach/put as the kind requires. */
  release(): void;
}

export interface Mr {
  readonly pd: Pd;
  readonly lkey: number;
  readonly rkey: number;
  /** ibv_mr.addr: for a dma-buf MR this is the dma-buf offset, not the iova (spec §6.1.2). */
  readonly addr: bigint;
  readonly iova: bigint;
  readonly length: bigint;
  readonly access: number;
  readonly backing: MrBacking;
}

/** Host memory registered at a fixed DMA address (already mapped for the NIC). */
export function hostBacking(dmaBase: bigint, length: bigint): MrBacking {
  return {
    kind: 'host',
    resolve: (pos) =>
      pos < length
        ? ok({ addr: dmaBase + pos, contiguous: length - pos })
        : kerr('EFAULT', 'beyond host MR'),
    release: () => {},
  };
}
