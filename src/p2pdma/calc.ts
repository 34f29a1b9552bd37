/**
 * The reference engine: `calc_map_type_and_dist()` / `upstream_bridge_distance()` walked exactly as
 * the kernel walks them, one pair at a time, over a P2pEnv. Facts come through `ask` so unknown
 * ones can be explored (explore.ts).
 *
 * Worked answers (kernel comment above calc_map_type_and_dist, spec §3.5.1):
 *   same function → BUS_ADDR, 0;   two functions of one device → BUS_ADDR, 2;
 *   two devices on two downstream ports of one switch → BUS_ADDR, 4;
 *   ACS redirect on a checked port → THRU_HOST_BRIDGE (if the CPU rule or allowlist allows) else
 *   NOT_SUPPORTED, -1;   no common upstream device → dist_a + dist_b over full chains, same route.
 */
import type { Bdf } from '../pci/bdf.js';
import type { PciFunction } from '../pci/types.js';
import { hexDigits } from '../util/hex.js';
import { allowlistLookup } from './allowlist.js';
import type { P2pEnv } from './env.js';
import type { Ask } from './explore.js';
import type { MapType } from './types.js';

export interface HostBridgeCheck {
  readonly hostBridge: string;
  readonly device: Bdf | null;
  readonly ids: readonly [number, number] | null;
  readonly same: boolean;
  readonly answer: 'allowed' | 'requires-same-host-bridge' | 'not-listed' | 'no-device';
  /** The allowlist entry that matched (its name), when one did. */
  readonly entry?: string;
}

export interface CalcTrace {
  readonly mapType: MapType;
  /** `*dist` as calc writes it (also on refusal); early rules: the distance before -1/-2. */
  readonly dist: number;
  /** The value the per-client distance function returns (-1/-2 early; -1 not supported). */
  readonly ret: number;
  readonly log: readonly string[];
  readonly common: Bdf | null;
  readonly acsList: readonly Bdf[];
  readonly cpu: boolean | null;
  readonly hostChecks: readonly HostBridgeCheck[];
  /** v5.2 – v5.3: accepted by root_complex_whitelist() (both AMD Zen 1022:1450, no IOMMU). */
  readonly rootComplex?: boolean;
}

/** What v5.2 – v5.3 added to the distance of a pair accepted through an allowlisted root complex. */
export const ROOT_COMPLEX_DISTANCE = 0x1000;

/** The v5.2 – v5.3 root complexes `root_complex_whitelist()` accepts (device 00.0 of the host bridge). */
const ROOT_COMPLEXES: readonly (readonly [number, number])[] = [[0x1022, 0x1450]];

/**
 * `root_complex_whitelist(provider) && root_complex_whitelist(client)` (v5.2 – v5.3): false when an
 * IOMMU is present (`iommu_present()`), else whether device 00.0 of each one's host bridge is an
 * AMD Zen root complex. Unknown facts are asked.
 */
function rootComplexAllowlist(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  ask: Ask,
): boolean {
  const one = (f: PciFunction): boolean => {
    const dev = env.fabric.hostBridgeDevice(f.hostBridge);
    if (dev === null || dev.addr.device !== 0 || dev.addr.fn !== 0) return false;
    if (typeof dev.vendor !== 'number' || typeof dev.device !== 'number')
      return ask(
        { key: `rc:${f.hostBridge}`, fact: 'host-bridge-device-id', devices: [dev.bdf] },
        'unknown',
      );
    return ROOT_COMPLEXES.some(([v, d]) => v === dev.vendor && d === dev.device);
  };
  if (!one(provider) || !one(client)) return false;
  const iommu = env.fabric.machine.iommu.enabled;
  return !ask(
    { key: 'iommu', fact: 'iommu-present', devices: [] },
    typeof iommu === 'boolean' ? iommu : 'unknown',
  );
}

/** The ACS list as `seq_buf` prints it into its buffer, final `;` dropped (or truncated). */
export function acsListText(bdfs: readonly string[], buffer: number | null): string {
  const list = bdfs.join(';'); // the full text without its final `;`
  if (buffer !== null && list.length + 1 >= buffer) return `${list};`.slice(0, buffer - 1);
  return list;
}

export function calc(
  env: P2pEnv,
  provider: PciFunction,
  client: PciFunction,
  verbose: boolean,
  ask: Ask,
): CalcTrace {
  const log: string[] = [];
  const acsList: Bdf[] = [];
  const checkAcs = (f: PciFunction) => {
    const r = ask(
      { key: `acs:${f.bdf}`, fact: env.acs(f).fact ?? 'acs-control', devices: [f.bdf] },
      env.redirect(f),
    );
    if (r) acsList.push(f.bdf);
  };
  // Walk the provider's ancestry; for each, walk the client's. ACS on the provider side is read
  // up to and including the common device (deferred: it has no effect unless one is found).
  let a: PciFunction | null = provider;
  let distA = 0;
  let distB = 0;
  let common: PciFunction | null = null;
  const providerSide: PciFunction[] = [];
  outer: while (a !== null) {
    distB = 0;
    providerSide.push(a);
    let bb: PciFunction | null = client;
    while (bb !== null) {
      if (bb === a) {
        common = a;
        break outer;
      }
      bb = env.up(bb);
      distB++;
    }
    a = env.up(a);
    distA++;
  }
  const dist = distA + distB;
  const cl = env.devName(client);
  const early = env.rules.semantics !== 'host-bridge';
  let acsRedirects = false;
  if (common !== null) {
    for (const f of providerSide) checkAcs(f);
    for (let bb: PciFunction | null = client; bb !== null && bb !== common; bb = env.up(bb))
      checkAcs(bb);
    const base = { dist, common: common.bdf, acsList, cpu: null, hostChecks: [] };
    if (acsList.length === 0) return { ...base, mapType: 'BUS_ADDR', ret: dist, log };
    const list = acsListText(acsList, env.rules.acsListBuffer);
    if (early) {
      if (verbose) {
        log.push(
          `${cl}: cannot be used for peer-to-peer DMA as ACS redirect is set between the client and provider (${provider.bdf})`,
        );
        log.push(
          `${cl}: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=${list}`,
        );
      }
      return { ...base, mapType: 'NOT_SUPPORTED', ret: -2, log };
    }
    if (verbose) {
      log.push(`${cl}: ACS redirect is set between the client and provider (${provider.bdf})`);
      log.push(
        `${cl}: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=${list}`,
      );
    }
    acsRedirects = true;
  } else if (early) {
    if (
      env.rules.semantics === 'root-complex' &&
      rootComplexAllowlist(env, provider, client, ask)
    ) {
      // v5.2 – v5.3: accepted with an arbitrary large distance; the mapping uses bus addresses,
      // which is the CPU physical address here (no IOMMU by precondition): through the root complex.
      const d = ROOT_COMPLEX_DISTANCE + dist;
      return {
        mapType: 'THRU_HOST_BRIDGE',
        dist: d,
        ret: d,
        log,
        common: null,
        acsList,
        cpu: null,
        hostChecks: [],
        rootComplex: true,
      };
    }
    if (verbose) {
      log.push(
        `${cl}: cannot be used for peer-to-peer DMA as the client and provider (${provider.bdf}) do not share an upstream bridge`,
      );
    }
    return {
      mapType: 'NOT_SUPPORTED',
      dist,
      ret: -1,
      log,
      common: null,
      acsList,
      cpu: null,
      hostChecks: [],
    };
  }
  // map_through_host_bridge:
  const cpu = ask({ key: 'cpu', fact: 'cpu-vendor-family', devices: [] }, env.cpu);
  const hostChecks: HostBridgeCheck[] = [];
  let allowed = cpu;
  if (!cpu)
    allowed = hostBridgeAllowlist(env, provider, client, acsRedirects, ask, log, hostChecks);
  const base = { dist, common: common?.bdf ?? null, acsList, cpu, hostChecks };
  if (!allowed) {
    if (verbose) {
      log.push(
        `${cl}: cannot be used for peer-to-peer DMA as the client and provider (${provider.bdf}) do not share an upstream bridge or whitelisted host bridge`,
      );
    }
    return { ...base, mapType: 'NOT_SUPPORTED', ret: -1, log };
  }
  return { ...base, mapType: 'THRU_HOST_BRIDGE', ret: dist, log };
}

/** `host_bridge_whitelist(a, b, warn)`; `warn` is the acs_redirects flag, not verbose. */
function hostBridgeAllowlist(
  env: P2pEnv,
  a: PciFunction,
  b: PciFunction,
  warn: boolean,
  ask: Ask,
  log: string[],
  checks: HostBridgeCheck[],
): boolean {
  const one = (hb: string, same: boolean): boolean => {
    let dev = env.fabric.hostBridgeDevice(hb);
    // v5.4 – v5.18 look only at a device at 00.0; v5.19+ also accept a Root Port first on the bus.
    const rootPortToo = env.rules.hostBridgeDevice === 'devfn0-or-root-port';
    if (!rootPortToo && dev !== null && (dev.addr.device !== 0 || dev.addr.fn !== 0)) dev = null;
    const maybe = dev === null && rootPortToo ? env.fabric.hostBridgeDeviceUnsure(hb) : null;
    // Not at 00.0 and its port type not in the input: it is the host bridge device only if it is
    // a Root Port, so that is a deciding fact.
    const fact = {
      key: `hbport:${hb}`,
      fact: 'host-bridge-device-port-type',
      devices: [],
    } as const;
    if (maybe !== null && ask({ ...fact, devices: [maybe.bdf] }, 'unknown')) dev = maybe;
    if (dev === null) {
      checks.push({ hostBridge: hb, device: null, ids: null, same, answer: 'no-device' });
      return false;
    }
    if (typeof dev.vendor !== 'number' || typeof dev.device !== 'number') {
      const ok = ask(
        { key: `hb:${hb}:${same}`, fact: 'host-bridge-device-id', devices: [dev.bdf] },
        'unknown',
      );
      checks.push({
        hostBridge: hb,
        device: dev.bdf,
        ids: null,
        same,
        answer: ok ? 'allowed' : 'not-listed',
      });
      if (!ok && warn && env.rules.hostBridgeWarning)
        log.push(`${env.devName(dev)}: Host bridge not in P2PDMA whitelist: ????:????`);
      return ok;
    }
    const r = allowlistLookup(env.rules.allowlist, dev.vendor, dev.device, same);
    checks.push({
      hostBridge: hb,
      device: dev.bdf,
      ids: [dev.vendor, dev.device],
      same,
      answer: r.kind,
      ...(r.kind === 'not-listed' ? {} : { entry: r.entry.name }),
    });
    if (r.kind === 'not-listed' && warn && env.rules.hostBridgeWarning) {
      log.push(
        `${env.devName(dev)}: Host bridge not in P2PDMA whitelist: ${hexDigits(dev.vendor, 4)}:${hexDigits(dev.device, 4)}`,
      );
    }
    return r.kind === 'allowed';
  };
  if (a.hostBridge === b.hostBridge) return one(a.hostBridge, true);
  return one(a.hostBridge, false) && one(b.hostBridge, false);
}
