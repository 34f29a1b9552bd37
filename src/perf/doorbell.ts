/**
 * Time per item of the ring + doorbell scenario, from the bandwidth and latency model. A producer
 * writes `batch` records of `recordBytes` and then rings the consumer's doorbell:
 * - P2P doorbell: the records and the doorbell are posted writes straight to the consumer; per
 *   item: the record's wire time at the P2P rate plus the doorbell's one-way latency shared by the batch;
 * - CPU-mediated: the records land in host memory (bounce leg rate), the producer's completion
 *   reaches the CPU (a posted write up), the CPU runs (cpuMediatedUs: completion seen, thread
 *   woken, next write issued), copies the batch into the device and writes the doorbell (a posted
 *   write down); per item: record wire time plus that fixed cost shared by the batch.
 */
import type { PciFunction } from '../pci/types.js';
import type { PerfModel } from './model.js';

export interface DoorbellTiming {
  readonly batch: number;
  readonly recordBytes: number;
  /** ns per item. */
  readonly p2pNs: number;
  readonly cpuNs: number;
  /** The parts, ns: per-record wire time, per-batch fixed cost. */
  readonly p2p: { readonly recordNs: number; readonly batchNs: number; readonly GBps: number };
  readonly cpu: { readonly recordNs: number; readonly batchNs: number; readonly GBps: number };
  /** The P2P route is refused by the kernel: the P2P design is not available. */
  readonly p2pRefused: boolean;
}

export function doorbellTiming(
  model: PerfModel,
  producer: PciFunction,
  consumer: PciFunction,
  batch: number,
  recordBytes = 64,
): DoorbellTiming {
  const cal = model.graph.cal;
  const p2p = model.alone(producer, consumer, 'p2p');
  const toRam = model.alone(producer, consumer, 'bounce');
  const oneWay = cal.rcReadRttNs / 2; // one device ↔ root-complex crossing
  const p2pRecord = recordBytes / p2p.rate.lo; // bytes / (GB/s) = ns
  const cpuRecord = recordBytes / toRam.rate.lo;
  // completion up to the CPU, the CPU step, the copy of the batch (posted MMIO writes down), the doorbell
  const cpuBatch =
    oneWay + cal.cpuMediatedUs * 1000 + (batch * recordBytes) / toRam.rate.lo + oneWay;
  const p2pBatch = p2p.route.latencyNs;
  return {
    batch,
    recordBytes,
    p2pNs: p2pRecord + p2pBatch / batch,
    cpuNs: cpuRecord + cpuBatch / batch,
    p2p: { recordNs: p2pRecord, batchNs: p2pBatch, GBps: p2p.rate.lo },
    cpu: { recordNs: cpuRecord, batchNs: cpuBatch, GBps: toRam.rate.lo },
    p2pRefused: p2p.route.kind === 'bounce',
  };
}
