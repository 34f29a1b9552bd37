/**
 * Effective ACS control per device: the fabric's captured value with the what-if `pci=` ACS
 * parameters applied the way the kernel applies them at enumeration (`pci_disable_acs_redir()` in
 * ≤ v6.10, `__pci_config_acs()` from v6.11 with the v6.14 fix), plus the boot log they produce.
 * Bits the input cannot tell are tracked in `unknownBits`, never guessed.
 */
import type { Bdf } from '../pci/bdf.js';
import type { Fabric } from '../pci/fabric.js';
import { ACS, ACS_REDIRECT_MASK, type PciFunction } from '../pci/types.js';
import { pciParams } from './cmdline.js';
import { devStrMatch } from './devmatch.js';
import type { RuleSet } from './rulesets.js';
import type { FactKind } from './types.js';

export interface EffAcs {
  /** 'absent': no ACS capability; 'unknown': presence itself unknown. */
  readonly cap: 'present' | 'absent' | 'unknown';
  readonly ctrl: number;
  readonly unknownBits: number;
  /** Which missing fact makes bits unknown. */
  readonly fact?: FactKind;
}

export function redirectOf(a: EffAcs): boolean | 'unknown' {
  if (a.cap === 'absent') return false;
  if (a.cap === 'unknown') return 'unknown';
  if ((a.ctrl & ACS_REDIRECT_MASK & ~a.unknownBits) !== 0) return true;
  return (a.unknownBits & ACS_REDIRECT_MASK) !== 0 ? 'unknown' : false;
}

export function baseAcs(f: PciFunction): EffAcs {
  switch (f.acs.state) {
    case 'absent':
      return { cap: 'absent', ctrl: 0, unknownBits: 0 };
    case 'present':
      return { cap: 'present', ctrl: f.acs.ctrl, unknownBits: 0 };
    case 'unknown':
      return { cap: 'unknown', ctrl: 0, unknownBits: 0x7f, fact: 'acs-control' };
  }
}

export interface AcsOverlay {
  readonly byBdf: ReadonlyMap<Bdf, EffAcs>;
  readonly bootLog: readonly string[];
  readonly disableAcsRedir: string | null;
  readonly configAcs: string | null;
}

/** printf `%#06x`: the `0x` prefix counts in the width, and C prints no prefix for zero. */
const hex4 = (v: number) => (v === 0 ? '000000' : `0x${v.toString(16).padStart(4, '0')}`);

/** Apply the command line's ACS parameters to every function of the fabric. */
export function acsOverlay(
  fabric: Fabric,
  rules: RuleSet,
  cmdline: string | undefined,
): AcsOverlay {
  const params = pciParams(cmdline ?? '', rules);
  const log: string[] = [...params.log];
  const byBdf = new Map<Bdf, EffAcs>();
  const once = new Set<string>();
  const logOnce = (line: string) => {
    if (!once.has(line)) {
      once.add(line);
      log.push(line);
    }
  };
  const iommuOff = fabric.machine.iommu.enabled === false;
  for (const f of fabric.functions) {
    let acs = baseAcs(f);
    const tag = `pci ${f.bdf}:`;
    if (params.disableAcsRedir !== null) {
      const m = scan(fabric, f, params.disableAcsRedir, null, rules, tag, log, logOnce);
      if (rules.acsParams === 'legacy') acs = legacyDisable(acs, m, tag, log);
      else if (acs.cap !== 'absent' && m.kind !== 'error') {
        acs = rebuild(acs, m, ACS_REDIRECT_MASK, 0, iommuOff, tag, log);
      }
    }
    if (params.configAcs !== null && rules.acsParams === 'config-acs' && acs.cap !== 'absent') {
      const m = scan(fabric, f, params.configAcs, 'flags', rules, tag, log, logOnce);
      if (m.kind !== 'error')
        acs = rebuild(acs, m, m.mask, m.flags, iommuOff, tag, log, baseAcs(f));
    }
    byBdf.set(f.bdf, acs);
  }
  return {
    byBdf,
    bootLog: log,
    disableAcsRedir: params.disableAcsRedir,
    configAcs: params.configAcs,
  };
}

type Scan = { kind: 'match' | 'maybe' | 'none'; mask: number; flags: number } | { kind: 'error' };

/** The per-device loop over `;`-separated entries (`pci_disable_acs_redir` / `__pci_config_acs`). */
function scan(
  fabric: Fabric,
  f: PciFunction,
  param: string,
  withFlags: 'flags' | null,
  rules: RuleSet,
  tag: string,
  log: string[],
  logOnce: (l: string) => void,
): Scan {
  let p = 0;
  let maybe = false;
  let mask = 0;
  let flags = 0;
  const legacy = rules.acsParams === 'legacy';
  // In v6.11+ a device without an ACS capability never reaches the loop (pci_enable_acs returns).
  if (!legacy && f.acs.state === 'absent') return { kind: 'none', mask, flags };
  while (p < param.length) {
    if (withFlags) {
      const at = param.indexOf('@', p);
      if (at < 0) {
        log.push(`${tag} ACS Flags missing`);
        return { kind: 'error' };
      }
      mask = 0;
      flags = 0;
      let shift = 0;
      for (let end = at - 1; end >= p; end--, shift++) {
        const c = param[end];
        if (c === '0') mask |= 1 << shift;
        else if (c === '1') {
          mask |= 1 << shift;
          flags |= 1 << shift;
        } else if (c !== 'x' && c !== 'X') {
          log.push(`${tag} Invalid ACS flags... Ignoring`);
          return { kind: 'error' };
        }
      }
      mask &= 0xffff;
      flags &= 0xffff;
      p = at + 1;
      if (mask & ~0x7f) {
        log.push(`${tag} Invalid ACS flags specified`);
        return { kind: 'error' };
      }
    }
    const [ret, end] = devStrMatch(fabric, f, param, p);
    p = end;
    if (ret === -22) {
      logOnce(
        legacy
          ? `PCI: Can't parse disable_acs_redir parameter: ${param}`
          : "PCI: Can't parse ACS command line parameter",
      );
      break;
    }
    if (ret === 1) return { kind: 'match', mask, flags };
    if (ret === 'unknown') maybe = true;
    if (param[p] !== ';' && param[p] !== ',') break;
    p++;
  }
  return { kind: maybe ? 'maybe' : 'none', mask, flags };
}

function legacyDisable(acs: EffAcs, m: Scan, tag: string, log: string[]): EffAcs {
  if (m.kind === 'none' || m.kind === 'error') return acs;
  const cleared: EffAcs =
    acs.cap === 'present'
      ? {
          ...acs,
          ctrl: acs.ctrl & ~ACS_REDIRECT_MASK,
          unknownBits: acs.unknownBits & ~ACS_REDIRECT_MASK,
        }
      : acs.cap === 'unknown'
        ? { ...acs, unknownBits: acs.unknownBits & ~ACS_REDIRECT_MASK, ctrl: 0 }
        : acs;
  if (m.kind === 'maybe') {
    // Either untouched or cleared: unknown unless both agree.
    return redirectOf(acs) === false
      ? acs
      : {
          ...acs,
          unknownBits: acs.unknownBits | (acs.ctrl & ACS_REDIRECT_MASK) | ACS_REDIRECT_MASK,
          fact: 'acs-cmdline-match',
        };
  }
  if (acs.cap === 'absent') {
    log.push(
      `${tag} cannot disable ACS redirect for this hardware as it does not have ACS capabilities`,
    );
  } else if (acs.cap === 'present') log.push(`${tag} disabled ACS redirect`);
  return acs.cap === 'unknown'
    ? { cap: 'unknown', ctrl: 0, unknownBits: 0x7f & ~ACS_REDIRECT_MASK, fact: 'acs-control' }
    : cleared;
}

/**
 * v6.11+: ctrl = (fw_ctrl & ~mask) | (flags & mask). The firmware value is the captured value where
 * the kernel cannot have changed a bit (IOMMU off, bit clear, or a bit it never sets: EC, DT).
 */
function rebuild(
  acs: EffAcs,
  m: Scan,
  mask: number,
  flags: number,
  iommuOff: boolean,
  tag: string,
  log: string[],
  captured: EffAcs = acs,
): EffAcs {
  if (m.kind === 'none' || m.kind === 'error') return acs;
  let fwUnknown = captured.unknownBits;
  if (!iommuOff) fwUnknown |= captured.ctrl & (ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF);
  const known = captured.cap === 'present';
  const ctrl = ((captured.ctrl & ~mask) | (flags & mask)) & 0x7f;
  const unknownBits = (known ? fwUnknown : 0x7f) & ~mask;
  const next: EffAcs = {
    cap: captured.cap,
    ctrl,
    unknownBits,
    ...(unknownBits & ACS_REDIRECT_MASK
      ? { fact: known ? 'acs-firmware-value' : 'acs-control' }
      : {}),
  };
  if (m.kind === 'maybe') {
    return redirectOf(next) === redirectOf(acs) && redirectOf(acs) !== 'unknown'
      ? acs
      : { ...acs, unknownBits: acs.unknownBits | ACS_REDIRECT_MASK, fact: 'acs-cmdline-match' };
  }
  if (known) log.push(`${tag} Configured ACS to ${unknownBits ? '0x????' : hex4(ctrl)}`);
  return next;
}

/** The devices (BDF order) whose redirect state the command line changed. */
export function changedByCmdline(fabric: Fabric, overlay: AcsOverlay): Bdf[] {
  return fabric.functions
    .filter((f) => {
      const e = overlay.byBdf.get(f.bdf);
      return e !== undefined && redirectOf(e) !== redirectOf(baseAcs(f));
    })
    .map((f) => f.bdf);
}
