/**
 * The calibration table of the bandwidth and latency model, as data. Like src/dma/calibration.ts,
 * every row cites the row of /work/shared/spec/published-numbers.md it comes from (section + row
 * name, or the model bullet of §3.1), and says whether the value was read (V), derived with the
 * given formula (D) or assumed where nothing is published (A). docs/bandwidth.md lists the table.
 * Root-complex and inter-socket capacities are per CPU family (see rc.ts), not here.
 */
import type { CitedRow } from '../util/citations.js';

export type PerfKey =
  | 'dllpOverhead'
  | 'skipOverhead'
  | 'writeTlpBytes'
  | 'readReqTlpBytes'
  | 'completionTlpBytes'
  | 'flitEfficiency'
  | 'flitTlpBytes'
  | 'defaultMps'
  | 'defaultMrrs'
  | 'memoryGBps'
  | 'stagingEfficiency'
  | 'switchNsGen3'
  | 'switchNsGen4'
  | 'switchNsGen5'
  | 'rcReadRttNs'
  | 'remoteSocketNs'
  | 'cpuMediatedUs';

export interface PerfRow extends CitedRow {
  readonly key: PerfKey;
}

export type PerfCalibration = Readonly<Record<PerfKey, number>>;

export const PERF_ROWS: readonly PerfRow[] = [
  {
    key: 'dllpOverhead',
    value: 0.02,
    unit: 'fraction of the raw rate',
    what: 'ACK and flow-control DLLPs on the wire, per direction',
    source: '§3.2 "Model cross-check"; §3.1 "Bandwidth left at the TLP layer"',
    confidence: 'D',
    derivation:
      'measured Gen3/Gen5 D2H sit at or above pcie-model with spec ACK/FC rates; the cross-check row says calibrate DLLP overhead to 1–3%: midpoint 2%',
  },
  {
    key: 'skipOverhead',
    value: 0.0026,
    unit: 'fraction of the raw rate',
    what: 'SKIP ordered sets (4 symbols every 1538)',
    source: '§3.1 "Bandwidth left at the TLP layer"',
    confidence: 'D',
    derivation: '4/1538 = 0.0026 from the pcie-model equation',
  },
  {
    key: 'writeTlpBytes',
    value: 24,
    unit: 'B per TLP',
    what: 'memory write TLP overhead, 64-bit address: framing + sequence + LCRC 8, header 16',
    source: '§3.1 "Per-TLP overhead"',
    confidence: 'D',
    derivation: '8 + 4 + 12 = 24 B (pcie-model)',
  },
  {
    key: 'readReqTlpBytes',
    value: 24,
    unit: 'B per request',
    what: 'memory read request TLP (travels against the data, one per MRRS bytes)',
    source: '§3.1 "Per-TLP overhead"',
    confidence: 'D',
    derivation: '24 B (pcie-model)',
  },
  {
    key: 'completionTlpBytes',
    value: 20,
    unit: 'B per completion',
    what: 'completion-with-data TLP overhead (one per MPS bytes)',
    source: '§3.1 "Per-TLP overhead"; §3.1 "Writes of S bytes"',
    confidence: 'D',
    derivation: '8 + 4 + 8 = 20 B; completions split at MPS (pcie-model)',
  },
  {
    key: 'flitEfficiency',
    value: 0.9219,
    unit: 'fraction',
    what: 'Gen6 FLIT mode: TLP bytes per 256 B flit (DLP, CRC and FEC included; no 128b/130b, no DLLPs)',
    source: '§3.1 "Gen6 FLIT layout"',
    confidence: 'D',
    derivation: '236 / 256 = 0.9219',
  },
  {
    key: 'flitTlpBytes',
    value: 16,
    unit: 'B per TLP',
    what: 'per-TLP overhead in FLIT mode: the header only (sequence and CRC live in the flit)',
    source: '§3.1 "Per-TLP overhead"; §3.1 "Gen6 FLIT layout"',
    confidence: 'D',
    derivation: '24 B − 8 B framing/sequence/LCRC, which FLIT mode carries per flit',
  },
  {
    key: 'defaultMps',
    value: 128,
    unit: 'B',
    what: 'Max Payload Size when the input does not state DevCtl',
    source: '§3.2 "Gen3 x16 H2D / D2H / bidi"; §3.1 "Writes of S bytes"',
    confidence: 'A',
    derivation:
      'no published default; assumed the PCIe DevCtl reset value (128 B), the smallest every device supports. The cited row saw no MPS 128/256 difference',
  },
  {
    key: 'defaultMrrs',
    value: 512,
    unit: 'B',
    what: 'Max Read Request Size when the input does not state DevCtl',
    source: '§3.2 "Gen3 x16 H2D / D2H / bidi"',
    confidence: 'A',
    derivation: 'no published default; assumed the PCIe DevCtl reset value (512 B)',
  },
  {
    key: 'memoryGBps',
    value: 62,
    unit: 'GB/s per socket',
    what: 'host memory bandwidth a bounce can use (each bounced byte is written once and read once)',
    source: '§2.3 "Remote vs local DRAM read bandwidth"',
    confidence: 'V',
    derivation:
      'local 62–63 GB/s (Xeon E5 v3/v4, MLC); newer sockets have more, so this is conservative',
  },
  {
    key: 'stagingEfficiency',
    value: 0.75,
    unit: 'fraction',
    what: 'a host-staged copy (chunks through a pinned buffer, legs synchronised per chunk) reaches this share of its slowest leg',
    source: '§2.1 "Host-staged (P2P disabled), H100"; §3.2 "Gen5 x16 H2D / D2H (SM copy)"',
    confidence: 'D',
    derivation:
      'H100 staged 36.3–38.1 vs D2H 52.77 (0.69–0.72); the DGX-1 P100 staged rows of §2.1 give 9.2–10.8 vs a ≈ 13 GB/s Gen3 x16 link (0.71–0.83): ≈ 0.75',
  },
  {
    key: 'switchNsGen3',
    value: 150,
    unit: 'ns per switch',
    what: 'cut-through latency of a Gen3 (and older) switch, port to port',
    source: '§3.3 "PCIe switch, cut-through, x16 → x16"',
    confidence: 'D',
    derivation: 'PEX88000 105 ns is stated 30% lower than the Gen3 PEX9700 family ⇒ ~150 ns',
  },
  {
    key: 'switchNsGen4',
    value: 105,
    unit: 'ns per switch',
    what: 'cut-through latency of a Gen4 switch, port to port',
    source: '§3.3 "PCIe switch, cut-through, x16 → x16"',
    confidence: 'V',
    derivation: 'Broadcom PEX88000',
  },
  {
    key: 'switchNsGen5',
    value: 115,
    unit: 'ns per switch',
    what: 'cut-through latency of a Gen5 (and newer) switch',
    source: '§3.3 "Gen5 switch"',
    confidence: 'V',
    derivation: 'Broadcom PEX89144 (secondary source)',
  },
  {
    key: 'rcReadRttNs',
    value: 546,
    unit: 'ns',
    what: 'device → host 64 B DMA read round trip (link, root complex, memory); half of it is one device↔root-complex crossing',
    source: '§3.3 "Device → host DMA read latency (root complex + memory), 64 B"',
    confidence: 'V',
    derivation: 'median 546–600 ns on Xeon E5; the low end',
  },
  {
    key: 'remoteSocketNs',
    value: 100,
    unit: 'ns',
    what: 'extra latency to cross the socket link',
    source: '§2.3 "Remote-socket host memory seen by a PCIe device"',
    confidence: 'V',
    derivation: 'about +100 ns (NFP-6000, Xeon E5)',
  },
  {
    key: 'cpuMediatedUs',
    value: 6.3,
    unit: 'µs',
    what: 'a CPU step in a device→device hand-off (completion seen, thread woken, CPU issues the next write)',
    source: '§2.1 "H100 host-staged bidi and latencies"',
    confidence: 'V',
    derivation: 'p2pBandwidthLatencyTest CPU-side latency 6.3–7.3 µs (weak source); the low end',
  },
];

export const DEFAULT_PERF: PerfCalibration = Object.fromEntries(
  PERF_ROWS.map((r) => [r.key, r.value]),
) as PerfCalibration;
