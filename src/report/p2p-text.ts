/** The wording of every P2P finding and missing fact: the one place it lives (text and JSON agree). */
import type { Issue, MissingFact } from '../p2pdma/types.js';
import { hex4 } from './format.js';

export const P2P_SCHEMA_VERSION = 1;

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

export function factText(m: MissingFact): string {
  return `${FACT_TEXT[m.fact]}${m.devices.length ? ` (${m.devices.join(', ')})` : ''}`;
}

const list = (xs: readonly unknown[]) => xs.map(String).join(', ');

/** The wording of every finding. */
export function issueText(i: Issue): string {
  const e = i.evidence as Record<string, unknown>;
  switch (i.code) {
    case 'acs_redirect':
      return `ACS redirect (RR|CR|EC) is set on ${list(i.path)}, so peer requests are sent up to the root complex instead of turning around at ${String(e['common'])}`;
    case 'early_acs_refused':
      return `ACS redirect is set on ${list(i.path)}; this kernel refuses the pair (-2 → -1) instead of routing through the host bridge`;
    case 'no_common_upstream':
      return e['sameHostBridge']
        ? `no common upstream bridge below host bridge ${String(e['providerHostBridge'])}: only the host-bridge route remains`
        : `no common upstream bridge: the route crosses host bridges ${String(e['providerHostBridge'])} and ${String(e['clientHostBridge'])}`;
    case 'early_no_common_switch':
      return 'no common upstream bridge: this kernel allows P2P only below one PCIe switch (-1)';
    case 'cpu_allows_host_bridge':
      return `the CPU (${String(e['vendor'])} family 0x${Number(e['family']).toString(16)}) is AMD Zen or later: cpu_supports_p2pdma() opens the host-bridge route`;
    case 'root_complex_allowlisted':
      return `both root complexes are AMD Zen (1022:1450) and no IOMMU is present: root_complex_whitelist() accepts the pair at distance 0x1000 + d (${String(e['ruleSet'])})`;
    case 'host_bridge_not_allowlisted': {
      const ids = e['ids'] as [number, number] | null;
      return `host bridge device ${String(e['device'])}${ids ? ` [${hex4(ids[0])}:${hex4(ids[1])}]` : ''} of ${String(e['hostBridge'])} is not in the ${String(e['ruleSet'])} P2PDMA allowlist`;
    }
    case 'host_bridge_allowlisted': {
      const ids = e['ids'] as [number, number] | null;
      return `host bridge device ${String(e['device'])}${ids ? ` [${hex4(ids[0])}:${hex4(ids[1])}]` : ''} of ${String(e['hostBridge'])} is in the ${String(e['ruleSet'])} P2PDMA allowlist${e['entry'] ? ` (${String(e['entry'])})` : ''}: the host-bridge route is open`;
    }
    case 'host_bridge_requires_same':
      return `host bridge device ${String(e['device'])} is allowlisted only for traffic within one host bridge (REQ_SAME_HOST_BRIDGE), and the pair spans two`;
    case 'no_host_bridge_device':
      return `${String(e['hostBridge'])} has no usable host bridge device (first device on the root bus is neither 00.0 nor a root port): the allowlist cannot match`;
    case 'fact_unknown':
      return `undecided: missing ${FACT_TEXT[e['fact'] as MissingFact['fact']]}${i.path.length ? ` for ${list(i.path)}` : ''}`;
    case 'cmdline':
      return `the what-if command line changed ACS redirect on ${list(i.path)}`;
  }
}

export function hintText(i: Issue): string | null {
  if (i.hint === null) return null;
  if (i.code === 'acs_redirect' || i.code === 'early_acs_refused')
    return `add the kernel parameter: ${i.hint}`;
  return i.hint;
}
