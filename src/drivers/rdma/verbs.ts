import { type KResult, kerr, ok } from '../../core/errno.js';
import { hex } from '../../util/hex.js';

/**
 * Verbs vocabulary and the argument checks of ibv_reg_dmabuf_mr / UVERBS REG_DMABUF_MR
 * (spec §6.1–6.2, rdma-core libibverbs/verbs.c, drivers/infiniband/core/uverbs_std_types_mr.c).
 */
export const IBV_ACCESS = {
  LOCAL_WRITE: 1 << 0,
  REMOTE_WRITE: 1 << 1,
  REMOTE_READ: 1 << 2,
  REMOTE_ATOMIC: 1 << 3,
  MW_BIND: 1 << 4,
  ZERO_BASED: 1 << 5,
  ON_DEMAND: 1 << 6,
  HUGETLB: 1 << 7,
  /** IB_ACCESS_OPTIONAL range starts here; RELAXED_ORDERING is its first bit. */
  RELAXED_ORDERING: 1 << 20,
} as const;

const SUPPORTED_ACCESS =
  IBV_ACCESS.LOCAL_WRITE |
  IBV_ACCESS.REMOTE_WRITE |
  IBV_ACCESS.REMOTE_READ |
  IBV_ACCESS.REMOTE_ATOMIC |
  IBV_ACCESS.MW_BIND |
  IBV_ACCESS.ZERO_BASED |
  IBV_ACCESS.ON_DEMAND |
  IBV_ACCESS.HUGETLB |
  IBV_ACCESS.RELAXED_ORDERING;

/** The only bits REG_DMABUF_MR accepts (spec §6.2.2). */
export const DMABUF_MR_ACCESS =
  IBV_ACCESS.LOCAL_WRITE |
  IBV_ACCESS.REMOTE_READ |
  IBV_ACCESS.REMOTE_WRITE |
  IBV_ACCESS.REMOTE_ATOMIC |
  IBV_ACCESS.RELAXED_ORDERING;

/** ib_check_mr_access(): remote write/atomic need local write; unknown bits; ODP capability. */
export function checkMrAccess(access: number, deviceOdp: boolean): KResult<void> {
  if ((access & ~SUPPORTED_ACCESS) !== 0)
    return kerr('EINVAL', `unsupported access flags ${hex(access)}`);
  if (
    access & (IBV_ACCESS.REMOTE_WRITE | IBV_ACCESS.REMOTE_ATOMIC) &&
    !(access & IBV_ACCESS.LOCAL_WRITE)
  ) {
    return kerr('EINVAL', 'REMOTE_WRITE or REMOTE_ATOMIC requires LOCAL_WRITE');
  }
  if (access & IBV_ACCESS.ON_DEMAND && !deviceOdp) {
    return kerr('EOPNOTSUPP', 'ON_DEMAND access requested but the device has no ODP support');
  }
  return ok(undefined);
}

export interface RegDmabufMrArgs {
  readonly offset: bigint;
  readonly length: bigint;
  readonly iova: bigint;
  readonly fd: number;
  readonly access: number;
}

/** UVERBS_METHOD_REG_DMABUF_MR checks before the driver is called (spec §6.2 steps 1–4). */
export function validateRegDmabufMr(
  a: RegDmabufMrArgs,
  dev: { readonly supportsDmabuf: boolean; readonly odp: boolean },
  pageSize = 4096n,
): KResult<void> {
  if (!dev.supportsDmabuf) return kerr('EOPNOTSUPP', 'device does not support dma-buf MRs');
  if ((a.access & ~DMABUF_MR_ACCESS) !== 0) {
    return kerr('EINVAL', `access flags ${hex(a.access)} not allowed for a dma-buf MR`);
  }
  if (a.offset % pageSize !== a.iova % pageSize) {
    return kerr('EINVAL', 'offset and iova must have the same page offset');
  }
  return checkMrAccess(a.access, dev.odp);
}

/** ib_umem_dmabuf_get step 1: `offset + size` must not overflow (spec §6.3). */
export function validateUmemOverflow(offset: bigint, size: bigint): KResult<void> {
  if (offset < 0n || size < 0n || offset + size > (1n << 64n) - 1n)
    return kerr('EINVAL', 'offset + size overflows');
  return ok(undefined);
}

/** ib_umem_dmabuf_get step 6: the umem must cover at least one page (ib_umem_num_pages > 0). */
export function validateUmemPages(offset: bigint, size: bigint, pageSize = 4096n): KResult<void> {
  const first = (offset / pageSize) * pageSize;
  const end = ((offset + size + pageSize - 1n) / pageSize) * pageSize;
  return end - first === 0n ? kerr('EINVAL', 'umem covers no pages') : ok(undefined);
}

/** Work-completion status codes used by the model (subset of enum ibv_wc_status). */
export type WcStatus =
  | 'IBV_WC_SUCCESS'
  | 'IBV_WC_LOC_LEN_ERR'
  | 'IBV_WC_LOC_PROT_ERR'
  | 'IBV_WC_REM_ACCESS_ERR'
  | 'IBV_WC_REM_INV_REQ_ERR'
  | 'IBV_WC_LOC_ACCESS_ERR'
  | 'IBV_WC_WR_FLUSH_ERR';
