import { type KResult, kerr, ok } from '../../core/errno.js';
import { hex } from '../../util/hex.js';
import type { DmaPort } from '../dma-port.js';
import { hostBacking, type Mr, type MrBacking, type Pd } from './mr.js';
import { checkMrAccess, IBV_ACCESS, type WcStatus } from './verbs.js';

/**
 * An RDMA NIC's verbs surface: PDs, MRs (lkey/rkey), and RDMA WRITE / READ work requests whose
 * bytes really move through the NIC's DMA port. A QP is reduced to "the NIC on the other end"
 * (possibly itself: loopback).
 */
export interface Sge {
  /** Address in the local MR's iova space. */
  readonly addr: bigint;
  readonly length: number;
  readonly lkey: number;
}

export interface RdmaWr {
  readonly wrId: number;
  readonly opcode: 'RDMA_WRITE' | 'RDMA_READ';
  readonly sgList: readonly Sge[];
  readonly remoteAddr: bigint;
  readonly rkey: number;
}

export interface Wc {
  readonly wrId: number;
  readonly status: WcStatus;
  readonly byteLen: number;
  readonly detail?: string;
}

export class RdmaNic {
  readonly name: string;
  readonly port: DmaPort;
  readonly odp: boolean;
  readonly supportsDmabuf: boolean;
  readonly #pds = new Map<number, Pd>();
  readonly #mrs = new Map<number, Mr>();
  #nextPd = 1;
  #nextKey = 0x100;

  constructor(name: string, port: DmaPort, opts: { odp?: boolean; supportsDmabuf?: boolean } = {}) {
    this.name = name;
    this.port = port;
    this.odp = opts.odp ?? true;
    this.supportsDmabuf = opts.supportsDmabuf ?? true;
  }

  allocPd(): Pd {
    const pd: Pd = { handle: this.#nextPd++, useCnt: 0 };
    this.#pds.set(pd.handle, pd);
    return pd;
  }

  deallocPd(pd: Pd): KResult<void> {
    if (pd.useCnt > 0) return kerr('EBUSY', `PD ${pd.handle} still has ${pd.useCnt} MRs`);
    this.#pds.delete(pd.handle);
    return ok(undefined);
  }

  /** ibv_reg_mr over host memory the caller has already DMA-mapped at `dmaBase`. */
  regHostMr(pd: Pd, dmaBase: bigint, length: bigint, access: number): KResult<Mr> {
    const a = checkMrAccess(access, this.odp);
    if (!a.ok) return a;
    return ok(this.installMr(pd, dmaBase, dmaBase, length, access, hostBacking(dmaBase, length)));
  }

  /** Records a registered MR (used by the dma-buf importer once its umem is mapped). */
  installMr(
    pd: Pd,
    addr: bigint,
    iova: bigint,
    length: bigint,
    access: number,
    backing: MrBacking,
  ): Mr {
    const key = this.#nextKey++;
    const mr: Mr = { pd, lkey: key, rkey: key, addr, iova, length, access, backing };
    pd.useCnt++;
    this.#mrs.set(key, mr);
    return mr;
  }

  deregMr(mr: Mr): void {
    if (!this.#mrs.delete(mr.lkey)) return;
    mr.pd.useCnt--;
    mr.backing.release();
  }

  get liveMrs(): number {
    return this.#mrs.size;
  }

  mr(key: number): Mr | undefined {
    return this.#mrs.get(key);
  }

  /** Post one work request to the QP connected to `remote`; returns its completion. */
  postSend(pd: Pd, wr: RdmaWr, remote: RdmaNic): Wc {
    const total = wr.sgList.reduce((s, g) => s + g.length, 0);
    const fail = (status: WcStatus, detail: string): Wc => ({
      wrId: wr.wrId,
      status,
      byteLen: 0,
      detail,
    });
    const needLocal = wr.opcode === 'RDMA_READ' ? IBV_ACCESS.LOCAL_WRITE : 0;
    for (const g of wr.sgList) {
      const mr = this.#mrs.get(g.lkey);
      if (
        !mr ||
        mr.pd !== pd ||
        !inside(mr, g.addr, g.length) ||
        (mr.access & needLocal) !== needLocal
      ) {
        return fail('IBV_WC_LOC_PROT_ERR', `lkey ${hex(g.lkey)} does not cover the SGE`);
      }
    }
    const rmr = remote.#mrs.get(wr.rkey);
    const needRemote =
      wr.opcode === 'RDMA_WRITE' ? IBV_ACCESS.REMOTE_WRITE : IBV_ACCESS.REMOTE_READ;
    if (!rmr || !inside(rmr, wr.remoteAddr, total) || (rmr.access & needRemote) === 0) {
      return fail('IBV_WC_REM_ACCESS_ERR', `rkey ${hex(wr.rkey)} does not allow this access`);
    }
    let remotePos = wr.remoteAddr - rmr.iova;
    for (const g of wr.sgList) {
      const lmr = this.#mrs.get(g.lkey)!;
      const localPos = g.addr - lmr.iova;
      const r =
        wr.opcode === 'RDMA_WRITE'
          ? copy(this, lmr, localPos, remote, rmr, remotePos, g.length)
          : copy(remote, rmr, remotePos, this, lmr, localPos, g.length);
      if (!r.ok)
        return fail(
          r.errno === 'EFAULT' ? 'IBV_WC_REM_ACCESS_ERR' : 'IBV_WC_LOC_ACCESS_ERR',
          r.message,
        );
      remotePos += BigInt(g.length);
    }
    return { wrId: wr.wrId, status: 'IBV_WC_SUCCESS', byteLen: total };
  }

  /** Read/write `len` bytes of an MR through this NIC's DMA port (segment by segment). */
  mrRead(mr: Mr, pos: bigint, len: number): KResult<Uint8Array> {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = mr.backing.resolve(pos + BigInt(done));
      if (!at.ok) return at;
      const n = Math.min(len - done, Number(at.value.contiguous));
      const got = this.port.read(at.value.addr, n);
      if (!got.ok) return got;
      out.set(got.value, done);
      done += n;
    }
    return ok(out);
  }

  mrWrite(mr: Mr, pos: bigint, data: Uint8Array): KResult<void> {
    let done = 0;
    while (done < data.length) {
      const at = mr.backing.resolve(pos + BigInt(done));
      if (!at.ok) return at;
      const n = Math.min(data.length - done, Number(at.value.contiguous));
      const w = this.port.write(at.value.addr, data.subarray(done, done + n));
      if (!w.ok) return w;
      done += n;
    }
    return ok(undefined);
  }
}

function inside(mr: Mr, addr: bigint, len: number): boolean {
  return addr >= mr.iova && addr + BigInt(len) <= mr.iova + mr.length;
}

function copy(
  src: RdmaNic,
  smr: Mr,
  spos: bigint,
  dst: RdmaNic,
  dmr: Mr,
  dpos: bigint,
  len: number,
): KResult<void> {
  const data = src.mrRead(smr, spos, len);
  if (!data.ok) return data;
  return dst.mrWrite(dmr, dpos, data.value);
}
