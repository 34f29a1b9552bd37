/**
 * Everything the p2pdma decision reads, for one fabric + rule set + what-if command line:
 * effective ACS per device, the CPU rule, host-bridge devices. Facts the input lacks answer 'unknown'.
 */
import type { Bdf } from '../pci/bdf.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import {
  type AcsOverlay,
  acsOverlay,
  baseAcs,
  changedByCmdline,
  type EffAcs,
  redirectOf,
} from './acs.js';
import { cpuSupportsP2pdma } from './cpu.js';
import type { RuleSet } from './rulesets.js';

export class P2pEnv {
  readonly fabric: Fabric;
  readonly rules: RuleSet;
  readonly overlay: AcsOverlay;
  readonly cpu: boolean | 'unknown';

  constructor(fabric: Fabric, rules: RuleSet, cmdline?: string) {
    this.fabric = fabric;
    this.rules = rules;
    this.overlay = acsOverlay(fabric, rules, cmdline);
    this.cpu = cpuSupportsP2pdma(fabric.machine.cpu, rules);
  }

  #changed: ReadonlySet<string> | null = null;

  /** Devices whose redirect state the what-if command line changed (computed once). */
  get changedByCmdline(): ReadonlySet<string> {
    this.#changed ??= new Set(changedByCmdline(this.fabric, this.overlay));
    return this.#changed;
  }

  acs(f: PciFunction): EffAcs {
    return this.overlay.byBdf.get(f.bdf) ?? baseAcs(f);
  }

  /** `pci_bridge_has_acs_redir()` on the effective control value. */
  redirect(f: PciFunction): boolean | 'unknown' {
    return redirectOf(this.acs(f));
  }

  up(f: PciFunction): PciFunction | null {
    return this.fabric.upstreamBridge(f);
  }

  /** `dev_driver_string(dev) + ' ' + dev_name(dev)`: the prefix of pci_warn()/pci_info() lines. */
  devName(f: PciFunction): string {
    const drv = f.driver === null ? 'pci' : isKnown(f.driver) ? f.driver : '<driver?>';
    return `${drv} ${f.bdf}`;
  }

  get(bdf: Bdf | string): PciFunction {
    return this.fabric.require(bdf);
  }
}
