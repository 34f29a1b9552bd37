/**
 * The kernel command line as the kernel reads it for `pci=`: `next_arg()` tokenisation (spaces,
 * double quotes, `--` ends kernel parameters), then `pci_setup()`: the value is split on `,`
 * BEFORE options are recognised, so `pci=disable_acs_redir=A,B` sets the list to `A` and reports
 * `B` as an unknown option. A later `disable_acs_redir=` replaces an earlier one.
 */
import type { RuleSet } from './rulesets.js';

export interface PciParams {
  readonly disableAcsRedir: string | null;
  readonly configAcs: string | null;
  /** Boot log lines (`PCI: Unknown option ...`). */
  readonly log: readonly string[];
}

/** `next_arg()`: [param, value|null] pairs. */
export function kernelArgs(cmdline: string): [string, string | null][] {
  const out: [string, string | null][] = [];
  let s = cmdline.replace(/^\s+/, '');
  while (s.length > 0) {
    let quoted = false;
    let inQuote = false;
    if (s[0] === '"') {
      s = s.slice(1);
      inQuote = true;
      quoted = true;
    }
    let i = 0;
    let equals = 0;
    for (; i < s.length; i++) {
      if (/\s/.test(s[i]!) && !inQuote) break;
      if (equals === 0 && s[i] === '=') equals = i;
      if (s[i] === '"') inQuote = !inQuote;
    }
    let arg = s.slice(0, i);
    const rest = s.slice(i);
    if (quoted && arg.endsWith('"')) arg = arg.slice(0, -1);
    let param = arg;
    let val: string | null = null;
    if (equals > 0) {
      param = arg.slice(0, equals);
      val = arg.slice(equals + 1);
      if (val.startsWith('"')) {
        val = val.slice(1);
        if (val.endsWith('"')) val = val.slice(0, -1);
      }
    }
    if (param === '--' && val === null) break;
    out.push([param, val]);
    s = rest.replace(/^\s+/, '');
  }
  return out;
}

/** Options x86 `pcibios_setup()` and generic `pci_setup()` accept (exact, or a `name=` prefix). */
const KNOWN_EXACT = new Set([
  'off',
  'bios',
  'nobios',
  'biosirq',
  'conf1',
  'conf2',
  'nommconf',
  'check_enable_amd_mmconf',
  'noacpi',
  'noearly',
  'usepirqmask',
  'assign-busses',
  'use_crs',
  'nocrs',
  'use_e820',
  'no_e820',
  'routeirq',
  'skip_isa_align',
  'noioapicquirk',
  'ioapicreroute',
  'noioapicreroute',
  'norom',
  'nobar',
  'big_root_window',
  'bfsort',
  'nobfsort',
  'rom',
  'nomsi',
  'noaer',
  'earlydump',
  'realloc',
  'nodomains',
  'noari',
  'noats',
  'pcie_bus_tune_off',
  'pcie_bus_safe',
  'pcie_bus_perf',
  'pcie_bus_peer2peer',
  'pcie_scan_all',
]);
const KNOWN_PREFIX = [
  'irqmask=',
  'pirqaddr=',
  'lastbus=',
  'realloc=',
  'resource_alignment=',
  'ecrc=',
  'hpiosize=',
  'hpmmiosize=',
  'hpmmioprefsize=',
  'hpmemsize=',
  'hpbussize=',
  'cbiosize=',
  'cbmemsize=',
];

/** Every `pci=` on the line through `pci_setup()`. */
export function pciParams(cmdline: string, rules: RuleSet): PciParams {
  let disableAcsRedir: string | null = null;
  let configAcs: string | null = null;
  const log: string[] = [];
  for (const [param, val] of kernelArgs(cmdline)) {
    if (param !== 'pci' || val === null) continue;
    for (const opt of val.split(',')) {
      if (opt.length === 0) continue;
      if (opt.startsWith('disable_acs_redir='))
        disableAcsRedir = opt.slice('disable_acs_redir='.length);
      else if (rules.acsParams === 'config-acs' && opt.startsWith('config_acs='))
        configAcs = opt.slice('config_acs='.length);
      else if (KNOWN_EXACT.has(opt) || KNOWN_PREFIX.some((p) => opt.startsWith(p))) continue;
      else log.push(`PCI: Unknown option \`${opt}'`);
    }
  }
  return { disableAcsRedir, configAcs, log };
}
