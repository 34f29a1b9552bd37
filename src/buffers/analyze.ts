/**
 * The buffers of one machine as one record: each DMA-BUF object (from bufinfo, else from the fds
 * that hold it), its exporter and the PCI functions that may have exported it, the processes that
 * hold it, and for each attached PCI device the P2P verdict from the exporting device on this fabric.
 */

import type { P2pEnv } from '../p2pdma/env.js';
import { computeVerdict } from '../p2pdma/verdict.js';
import type { PciFunction } from '../pci/types.js';
import type { CollectedBuffers } from './collect.js';
import type { P2pmem } from './types.js';

export interface AttachmentRecord {
  /** dev_name() as bufinfo printed it. */
  readonly device: string;
  /** The PCI function it names, when it is one on this fabric. */
  readonly bdf: string | null;
  /** Per candidate exporting function: the kernel's answer for exporter memory → this device. */
  readonly verdicts: readonly {
    readonly exporter: string;
    readonly mapType: string;
    /** null when undecided (uncertain). */
    readonly distance: number | null;
  }[];
}

export interface BufferRecord {
  readonly ino: number | null;
  readonly size: bigint;
  readonly exporter: string;
  readonly name: string | null;
  /** References to the dma-buf file (bufinfo's count, else the largest fdinfo count + 1). */
  readonly count: number | null;
  /** PCI functions bound to a driver named like the exporter. */
  readonly exporterDevices: readonly string[];
  /** null: attachments unknown (no bufinfo). */
  readonly attachments: readonly AttachmentRecord[] | null;
  readonly holders: readonly {
    readonly pid: number;
    readonly comm: string | null;
    readonly fd: number;
  }[];
  readonly source: 'bufinfo' | 'fdinfo' | 'sysfs';
}

export interface BuffersRecord {
  readonly ruleSet: string;
  readonly buffers: readonly BufferRecord[];
  readonly totalBytes: bigint;
  readonly p2pmem: readonly P2pmem[];
  /** What could not be read, stated plainly. */
  readonly notes: readonly string[];
}

export function analyzeBuffers(c: CollectedBuffers, env: P2pEnv): BuffersRecord {
  const fabric = env.fabric;
  const byDriver = new Map<string, PciFunction[]>();
  for (const f of fabric.functions) {
    if (typeof f.driver !== 'string') continue;
    byDriver.set(f.driver, [...(byDriver.get(f.driver) ?? []), f]);
  }
  const holdersOf = (ino: number | null) =>
    ino === null
      ? []
      : c.holders
          .filter((h) => h.info.ino === ino)
          .map((h) => ({ pid: h.pid, comm: h.comm, fd: h.fd }));
  const verdictsFor = (exporters: readonly PciFunction[], dev: string): AttachmentRecord => {
    const fn = fabric.get(dev) ?? null;
    return {
      device: dev,
      bdf: fn?.bdf ?? null,
      verdicts:
        fn === null
          ? []
          : exporters.map((e) => {
              const v = computeVerdict(env, e, fn);
              return { exporter: e.bdf, mapType: v.mapType, distance: v.distance };
            }),
    };
  };
  const buffers: BufferRecord[] = [];
  const seen = new Set<number>();
  for (const o of c.bufinfo?.objects ?? []) {
    const exporters = byDriver.get(o.exporter) ?? [];
    if (o.ino !== null) seen.add(o.ino);
    buffers.push({
      ino: o.ino,
      size: o.size,
      exporter: o.exporter,
      name: o.name,
      count: o.count,
      exporterDevices: exporters.map((e) => e.bdf),
      attachments: o.attached.map((d) => verdictsFor(exporters, d)),
      holders: holdersOf(o.ino),
      source: 'bufinfo',
    });
  }
  // Without bufinfo (or objects it did not list): what the fds and sysfs say.
  for (const h of c.holders) {
    const ino = h.info.ino;
    if (ino !== null && seen.has(ino)) continue;
    if (ino !== null) seen.add(ino);
    const exporters = byDriver.get(h.info.exporter) ?? [];
    buffers.push({
      ino,
      size: h.info.size,
      exporter: h.info.exporter,
      name: h.info.name,
      count: null,
      exporterDevices: exporters.map((e) => e.bdf),
      attachments: null,
      holders: ino === null ? [{ pid: h.pid, comm: h.comm, fd: h.fd }] : holdersOf(ino),
      source: 'fdinfo',
    });
  }
  for (const s of c.sysfs ?? []) {
    if (seen.has(s.ino)) continue;
    seen.add(s.ino);
    const exporters = s.exporter === null ? [] : (byDriver.get(s.exporter) ?? []);
    buffers.push({
      ino: s.ino,
      size: s.size ?? 0n,
      exporter: s.exporter ?? 'unknown',
      name: null,
      count: null,
      exporterDevices: exporters.map((e) => e.bdf),
      attachments: null,
      holders: [],
      source: 'sysfs',
    });
  }
  return {
    ruleSet: env.rules.name,
    buffers,
    totalBytes: buffers.reduce((a, b) => a + b.size, 0n),
    p2pmem: c.p2pmem,
    notes: c.notes,
  };
}
