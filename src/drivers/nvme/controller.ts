import { minBig } from '../../util/bigint.js';
import type { DmaPort } from '../dma-port.js';
import { SparseMemory } from '../memory.js';

/**
 * An NVMe controller reduced to the I/O commands that move data: READ (0x02) copies LBAs into the
 * host-supplied DMA address list, WRITE (0x01) copies from it. The data pointer is a list of
 * (DMA address, length) ranges — PRP/SGL detail collapsed; the ranges come from a dma-buf mapping
 * or from host memory.
 */
export const NVME_OPC = { FLUSH: 0x00, WRITE: 0x01, READ: 0x02 } as const;

/** Generic command status values (NVMe base spec, Status Code Type 0). */
export const NVME_SC = {
  SUCCESS: 0x00,
  INVALID_OPCODE: 0x01,
  INVALID_FIELD: 0x02,
  DATA_TRANSFER_ERROR: 0x04,
  INVALID_NS: 0x0b,
  LBA_OUT_OF_RANGE: 0x80,
} as const;
export type NvmeStatus = keyof typeof NVME_SC;

export interface NvmeRange {
  readonly dmaAddress: bigint;
  readonly length: bigint;
}

export interface NvmeCommand {
  readonly opcode: number;
  readonly nsid: number;
  readonly slba: bigint;
  /** Number of logical blocks, 0-based as on the wire. */
  readonly nlb: number;
  readonly data: readonly NvmeRange[];
}

export interface NvmeCompletion {
  readonly status: NvmeStatus;
  readonly detail?: string;
}

export interface Namespace {
  readonly nsid: number;
  readonly lbaSize: number;
  readonly lbaCount: bigint;
  readonly media: SparseMemory;
}

export class NvmeController {
  readonly name: string;
  readonly port: DmaPort;
  readonly #ns = new Map<number, Namespace>();
  commands = 0;

  constructor(name: string, port: DmaPort) {
    this.name = name;
    this.port = port;
  }

  addNamespace(nsid: number, lbaSize: number, lbaCount: bigint): Namespace {
    const ns: Namespace = {
      nsid,
      lbaSize,
      lbaCount,
      media: new SparseMemory(`${this.name}n${nsid}`, BigInt(lbaSize) * lbaCount),
    };
    this.#ns.set(nsid, ns);
    return ns;
  }

  namespace(nsid: number): Namespace | undefined {
    return this.#ns.get(nsid);
  }

  submit(cmd: NvmeCommand): NvmeCompletion {
    this.commands++;
    const ns = this.#ns.get(cmd.nsid);
    if (!ns) return { status: 'INVALID_NS', detail: `no namespace ${cmd.nsid}` };
    if (cmd.opcode === NVME_OPC.FLUSH) return { status: 'SUCCESS' };
    if (cmd.opcode !== NVME_OPC.READ && cmd.opcode !== NVME_OPC.WRITE)
      return { status: 'INVALID_OPCODE' };
    const blocks = BigInt(cmd.nlb) + 1n;
    if (cmd.slba < 0n || cmd.slba + blocks > ns.lbaCount) return { status: 'LBA_OUT_OF_RANGE' };
    const bytes = blocks * BigInt(ns.lbaSize);
    const listed = cmd.data.reduce((s, r) => s + r.length, 0n);
    if (listed < bytes)
      return {
        status: 'INVALID_FIELD',
        detail: `data list holds ${listed} bytes, command needs ${bytes}`,
      };
    let media = cmd.slba * BigInt(ns.lbaSize);
    let left = bytes;
    for (const r of cmd.data) {
      if (left === 0n) break;
      const n = minBig(r.length, left);
      if (cmd.opcode === NVME_OPC.WRITE) {
        const got = this.port.read(r.dmaAddress, Number(n));
        if (!got.ok) return { status: 'DATA_TRANSFER_ERROR', detail: got.message };
        ns.media.write(media, got.value);
      } else {
        const w = this.port.write(r.dmaAddress, ns.media.read(media, Number(n)));
        if (!w.ok) return { status: 'DATA_TRANSFER_ERROR', detail: w.message };
      }
      media += n;
      left -= n;
    }
    return { status: 'SUCCESS' };
  }
}
