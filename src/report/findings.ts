/**
 * The wording of every finding code (src/app/findings.ts): one table, used by text and JSON alike.
 * A code without wording does not compile.
 */
import { driverFinding, type Finding, type FindingCode, issueFinding } from '../app/findings.js';
import type { DriverFinding } from '../drivers/env.js';
import type { Issue, MissingFact } from '../p2pdma/types.js';
import { formatNs } from '../util/duration.js';
import { hex } from '../util/hex.js';
import { formatBytes, formatBytesExact } from '../util/size.js';
import { hex4 } from './format.js';

const FACT_TEXT: Readonly<Record<MissingFact['fact'], string>> = {
  'acs-control':
    'the ACS control register (capture lacks it; run lspci as root or capture sysfs config)',
  'acs-cmdline-match': 'whether the pci= ACS entry matches (the device ids are unknown)',
  'acs-firmware-value':
    'the firmware ACS value that pci=config_acs= keeps for bits outside its mask',
  'cpu-vendor-family': 'the CPU vendor and family (cpu_supports_p2pdma: x86 AMD family >= 0x17)',
  'host-bridge-device-id': 'the vendor:device id of the host bridge device the allowlist looks at',
  'iommu-present':
    'whether an IOMMU is present (v5.2 – v5.3 accept AMD Zen root complexes only without one)',
  'host-bridge-device-port-type':
    'whether the first function on the root bus is a PCIe Root Port (then it is the host bridge device the allowlist looks at; §3.3.3)',
};

/** A fact the verdict needs and the input lacks. */
export function factText(m: MissingFact): string {
  return `${FACT_TEXT[m.fact]}${m.devices.length ? ` (${m.devices.join(', ')})` : ''}`;
}

const list = (xs: readonly unknown[]) => xs.map(String).join(', ');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b < 2 ? 2 : 1)}×` : '∞×');
const plural = (n: bigint | number, what: string) => `${n} ${what}${BigInt(n) === 1n ? '' : 's'}`;
const size = (v: unknown) => formatBytesExact(v as bigint);

type Ev = Record<string, unknown>;
interface Run {
  readonly name: string;
  readonly from: bigint;
  readonly to: bigint;
  readonly fromChunks: bigint;
}

const hostBridgeDevice = (e: Ev) => {
  const ids = e['ids'] as [number, number] | null;
  return `host bridge device ${String(e['device'])}${ids ? ` [${hex4(ids[0])}:${hex4(ids[1])}]` : ''} of ${String(e['hostBridge'])}`;
};

/** One sentence per code, from the finding's subject and evidence. */
const TEXT: { readonly [C in FindingCode]: (s: readonly string[], e: Ev) => string } = {
  // p2pdma verdicts
  acs_redirect: (s, e) =>
    `ACS redirect (RR|CR|EC) is set on ${list(s)}, so peer requests are sent up to the root complex instead of turning around at ${String(e['common'])}`,
  early_acs_refused: (s) =>
    `ACS redirect is set on ${list(s)}; this kernel refuses the pair (-2 → -1) instead of routing through the host bridge`,
  no_common_upstream: (_s, e) =>
    e['sameHostBridge']
      ? `no common upstream bridge below host bridge ${String(e['providerHostBridge'])}: only the host-bridge route remains`
      : `no common upstream bridge: the route crosses host bridges ${String(e['providerHostBridge'])} and ${String(e['clientHostBridge'])}`,
  early_no_common_switch: () =>
    'no common upstream bridge: this kernel allows P2P only below one PCIe switch (-1)',
  cpu_allows_host_bridge: (_s, e) =>
    `the CPU (${String(e['vendor'])} family ${hex(Number(e['family']))}) is AMD Zen or later: cpu_supports_p2pdma() opens the host-bridge route`,
  root_complex_allowlisted: (_s, e) =>
    `both root complexes are AMD Zen (1022:1450) and no IOMMU is present: root_complex_whitelist() accepts the pair at distance 0x1000 + d (${String(e['ruleSet'])})`,
  host_bridge_not_allowlisted: (_s, e) =>
    `${hostBridgeDevice(e)} is not in the ${String(e['ruleSet'])} P2PDMA allowlist`,
  host_bridge_allowlisted: (_s, e) =>
    `${hostBridgeDevice(e)} is in the ${String(e['ruleSet'])} P2PDMA allowlist${e['entry'] ? ` (${String(e['entry'])})` : ''}: the host-bridge route is open`,
  host_bridge_requires_same: (_s, e) =>
    `host bridge device ${String(e['device'])} is allowlisted only for traffic within one host bridge (REQ_SAME_HOST_BRIDGE), and the pair spans two`,
  no_host_bridge_device: (_s, e) =>
    `${String(e['hostBridge'])} has no usable host bridge device (first device on the root bus is neither 00.0 nor a root port): the allowlist cannot match`,
  fact_unknown: (s, e) =>
    `undecided: missing ${FACT_TEXT[e['fact'] as MissingFact['fact']]}${s.length ? ` for ${list(s)}` : ''}`,
  cmdline: (s) => `the what-if command line changed ACS redirect on ${list(s)}`,

  // DMA-BUF drivers (demo)
  p2p_silent_fallback_gtt: (s, e) =>
    `${s[1]} cannot do P2P with ${s[0]}: buffer ${String(e['bo'])} (prefers VRAM) was served from system memory instead, with no error`,
  pin_dropped_vram: (s, e) =>
    `pinning for ${s[1]} dropped VRAM (${String(e['why'])}): buffer ${String(e['bo'])} moved to system memory`,
  p2p_refused_at_map: (s, e) =>
    e['cause'] === 'exporter-driver'
      ? `the driver of ${s[0]} refuses P2P (stated in the spec): mapping for ${s[1]} was refused (-EPERM)`
      : e['cause'] === 'importer-driver'
        ? `${s[1]} attached without allow_peer2peer (its driver refuses P2P, stated in the spec): ${s[0]} refused the map (-EPERM)`
        : `${s[1]} attached but mapping was refused (-EPERM): P2P to ${s[0]} is not possible`,
  stale_pinned_mapping: (s, e) =>
    `${s[0]}: exporter ${String(e['exporter'])} moved a pinned buffer; the importer keeps its stale mapping`,
  no_p2p_pair: (_s, e) => `no P2P-capable pair: ${String(e['reason'])}`,

  // stated facts (spec: p2p: refuses, chip)
  driver_refuses_p2p: (s, e) =>
    `the driver of ${s[0]} (${String(e['driver'])}) refuses P2P${e['kernelAllows'] ? ' although the kernel allows it' : ''}: transfers bounce through host memory`,
  chip_partitions: (s, e) =>
    `${list(s)} sit in two partitions of switch chip ${String(e['chip'])}: the kernel sees separate hierarchies (this verdict); a vendor P2P path could stay inside the chip (peerdma bandwidth --mode p2p-hw)`,

  // DMA mapping costs (map-cost)
  cheapest_strategy: (_s, e) => {
    const worst = e['worst'] as { strategy: string; cpuNs: number } | null;
    const cpu = e['cpuNs'] as number;
    const lead = e['tie'] ? `${e['winners']} tie as cheapest` : `${e['winners']} is cheapest`;
    const tail = worst
      ? `; ${worst.strategy} costs ${formatNs(worst.cpuNs)} (${ratio(worst.cpuNs, cpu)})`
      : '';
    return `At ${size(e['size'])} in ${e['chunk']} chunks (${e['mode']}, ${e['mapType']}) ${lead}: ${formatNs(cpu)} map+unmap${tail}.`;
  },
  strategy_cannot_map: (s, e) => `${s[0]} cannot map this pair: ${e['error']}.`,
  map_resource_loop: (_s, e) => {
    const loop = e['loopCpuNs'] as number;
    const other = e['groupCpuNs'] as number;
    const group = e['group'] as string;
    const verdict = e['dearer']
      ? `the loop costs ${ratio(loop, other)} as much (${formatNs(loop)} vs ${formatNs(other)})`
      : `with this few chunks the loop is no dearer (${formatNs(loop)} vs ${formatNs(other)})`;
    const kind = e['lazy'] ? 'queued' : 'synchronous';
    const drains = e['lazy'] ? ` (${e['drains']} flush-queue drains)` : '';
    return `A dma_map_resource loop (${plural(e['calls'] as number, 'call')} for ${plural(e['chunks'] as bigint, 'chunk')}) makes ${e['iovaAllocs']} IOVA allocations and ${e['invalidations']} ${kind} IOTLB invalidations${drains}; ${group} make${group.includes('≈') ? '' : 's'} ${e['groupIovaAllocs']} and ${e['groupInvalidations']}: ${verdict}.`;
  },
  bus_addr_strategies: (_s, e) => {
    const bus = e['bus'] as string[];
    const iova = e['iova'] as string[];
    return `The pair is BUS_ADDR: ${bus.join(' and ')} hand out bus addresses (no IOVA, no IOTLB work; the switch routes peer to peer)${iova.length > 0 ? `; ${iova.join(' and ')} hand out IOVAs, which send every transfer up to the root complex and the IOMMU` : ''}.`;
  },
  memory_vs_cpu: (_s, e) => {
    const head = `Memory vs CPU: p2p-pages needs ${formatBytes(e['structPageBytes'] as number)} of struct pages (${formatBytes(e['perPageBytes'] as number)} per 4 KiB) and ${formatNs(e['setupNs'] as number)} of memmap init before the first map`;
    const o = e['others'] as {
      heldMin: number;
      heldMax: number;
      best: string;
      bestCpuNs: number;
      pagesCpuNs: number;
      savedNs: number;
      paysBack: boolean;
      cycles: number | null;
      asCheap: boolean;
    } | null;
    if (o === null) return `${head}.`;
    const [lo, hi] = [formatBytes(o.heldMin), formatBytes(o.heldMax)];
    const hold = lo === hi ? lo : `${lo}–${hi}`;
    if (o.paysBack)
      return `${head}; the page-less strategies hold ${hold}. In exchange p2p-pages saves ${formatNs(o.savedNs)} per map+unmap against ${o.best} (${ratio(o.bestCpuNs, o.pagesCpuNs)}), so the memmap init pays for itself after ${o.cycles} map/unmap cycle(s): memory bought with CPU.`;
    return `${head}; the page-less strategies hold ${hold}, and ${o.best} is ${o.asCheap ? 'as cheap' : `also ${formatNs(-o.savedNs)} cheaper`} per map+unmap: no trade-off here, the struct pages buy no CPU time.`;
  },
  winner_by_size: (_s, e) => {
    const span = (r: Run) =>
      r.from === r.to
        ? `at ${formatBytesExact(r.from)}`
        : `${formatBytesExact(r.from)}–${formatBytesExact(r.to)}`;
    return `Cheapest by export size (${e['chunk']} chunks): ${(e['runs'] as Run[]).map((r) => `${r.name} ${span(r)}`).join('; ')}.`;
  },
  size_crossover: (_s, e) => {
    const runs = e['runs'] as Run[];
    if (runs.length === 1) return `No crossover: ${runs[0]!.name} is cheapest at every size swept.`;
    const steps = runs
      .slice(1)
      .map(
        (r, i) =>
          `at ${formatBytesExact(r.from)} (${plural(r.fromChunks, 'chunk')}) ${runs[i]!.name} gives way to ${r.name}`,
      );
    return `Crossover${steps.length > 1 ? 's' : ''}: ${steps.join('; ')}.`;
  },
  mail_crossover: (_s, e) => {
    const rival = e['rival'] as string;
    switch (e['outcome']) {
      case 'never':
        return `The dma_map_resource loop never keeps up with ${rival} here, not even at ${size(e['size'])}.`;
      case 'until':
        return `The dma_map_resource loop keeps up with the single-IOVA strategies only up to ${size(e['upTo'])} (${plural(e['upToChunks'] as bigint, 'chunk')}); from ${size(e['from'])} ${rival} ${rival.includes('≈') ? 'are' : 'is'} cheaper.`;
      default:
        return 'The dma_map_resource loop keeps up with the single-IOVA strategies at every size swept.';
    }
  },
  founding_case: (_s, e) => {
    const cpu = e['cpuNs'] as number;
    const rest = (e['rest'] as { strategy: string; cpuNs: number }[]).map(
      (k) => `${k.strategy} ${ratio(k.cpuNs, cpu)}`,
    );
    const what = e['case'] === 'large-chunks' ? '≥2 MiB chunks' : 'a single 4 KiB page';
    return `The mail's case "${what}" (${size(e['size'])} in ${e['chunk']} chunks): ${e['winners']} ${e['tie'] ? 'tie' : 'wins'} at ${formatNs(cpu)}${rest.length > 0 ? `; ${rest.join(', ')} of that` : ''}.`;
  },
};

/** The sentence for a finding. */
export function findingText(f: Finding): string {
  return TEXT[f.code](f.subject, f.evidence as Ev);
}

/** What to do about a finding, worded (`add the kernel parameter: pci=…`), or null. */
export function findingHint(f: Finding): string | null {
  if (f.hint === null) return null;
  if (f.code === 'acs_redirect' || f.code === 'early_acs_refused')
    return `add the kernel parameter: ${f.hint}`;
  return f.hint;
}

/** A p2pdma verdict issue, worded. */
export const issueText = (i: Issue): string => findingText(issueFinding(i));
export const hintText = (i: Issue): string | null => findingHint(issueFinding(i));
/** A driver finding of the DMA-BUF demo, worded. */
export const driverFindingText = (f: DriverFinding): string => findingText(driverFinding(f));
