/**
 * One PCIe link, per direction (PCIe is full duplex): raw rate from speed, width and encoding
 * (8b/10b to 5 GT/s, 128b/130b to 32 GT/s, Gen6 FLIT at 64 GT/s), what DLLPs and SKIP ordered sets
 * leave for TLPs, and how many wire bytes one payload byte costs as a posted write, a read completion
 * or (against the data) a read request — the pcie-bench model (published-numbers.md §3.1) with the
 * DLLP share calibrated as §3.2's cross-check says. Capacities are wire GB/s; coefficients turn
 * payload GB/s into wire GB/s, so a max-min system over links is solved in payload units.
 */
import type { Link } from '../pci/types.js';
import type { PerfCalibration } from './calibration.js';

/** Generation of a per-lane rate (GT/s); null for a rate PCIe does not define. */
export function generationOf(speedGTs: number): number | null {
  const gens: Record<number, number> = { 2.5: 1, 5: 2, 8: 3, 16: 4, 32: 5, 64: 6 };
  return gens[speedGTs] ?? null;
}

export const isFlit = (l: Link) => l.speedGTs >= 64;

/** Per direction after line encoding, GB/s (Gen6: the PAM4 symbol rate; FLIT overhead is in wireGBps). */
export function rawGBps(l: Link): number {
  const enc = l.speedGTs <= 5 ? 8 / 10 : l.speedGTs <= 32 ? 128 / 130 : 1;
  return (l.speedGTs * l.width * enc) / 8;
}

/** What the link carries as TLP bytes per second, per direction (GB/s). */
export function wireGBps(l: Link, cal: PerfCalibration): number {
  if (isFlit(l)) return rawGBps(l) * cal.flitEfficiency;
  return rawGBps(l) * (1 - cal.dllpOverhead - cal.skipOverhead);
}

/** Wire bytes per payload byte for each kind of traffic, at the path's MPS and MRRS. */
export interface Coefficients {
  /** Posted memory write, in the data direction. */
  readonly write: number;
  /** Read completion with data, in the data direction. */
  readonly completion: number;
  /** Read requests, against the data direction. */
  readonly readRequest: number;
}

export function coefficients(
  cal: PerfCalibration,
  mps: number,
  mrrs: number,
  flit: boolean,
): Coefficients {
  const w = flit ? cal.flitTlpBytes : cal.writeTlpBytes;
  const c = flit ? cal.flitTlpBytes : cal.completionTlpBytes;
  const r = flit ? cal.flitTlpBytes : cal.readReqTlpBytes;
  return { write: (mps + w) / mps, completion: (mps + c) / mps, readRequest: r / mrrs };
}

/** Large-transfer payload bandwidth of one link alone (GB/s): posted writes, or reads. */
export function linkPayloadGBps(
  l: Link,
  cal: PerfCalibration,
  mps: number,
  mrrs: number,
  op: 'write' | 'read',
): number {
  const k = coefficients(cal, mps, mrrs, isFlit(l));
  return wireGBps(l, cal) / (op === 'write' ? k.write : k.completion);
}
