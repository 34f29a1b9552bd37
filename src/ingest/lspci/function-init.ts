/** One function's FunctionInit from its verbose block or its tree entry. */
import type { FunctionInit } from '../../pci/builder.js';
import type { AcsState, FunctionKind, Maybe, PcieInfo } from '../../pci/types.js';
import { UNKNOWN } from '../../pci/types.js';
import { keyOf } from './topology.js';
import type { TreeEntry } from './tree.js';
import type { VerboseFacts, VerboseFn } from './verbose.js';
import type { Warnings } from './warnings.js';

export function fromTree(t: TreeEntry, kind: FunctionKind | undefined, w: Warnings): FunctionInit {
  w.acsUnknown('the lspci tree carries no capabilities', keyOf(t.addr));
  return {
    bdf: keyOf(t.addr),
    ...(kind !== undefined ? { kind } : {}),
    vendor: t.vendor ?? UNKNOWN,
    device: t.device ?? UNKNOWN,
    ...(t.description !== undefined ? { description: t.description } : {}),
    ...(t.buses ? { buses: t.buses } : {}),
    pcie: UNKNOWN,
    acs: { state: 'unknown', reason: 'the lspci tree carries no capabilities' },
    source: { file: t.file, line: t.line },
  };
}

function pcieOf(f: VerboseFn): Maybe<PcieInfo> | null {
  if (f.accessDenied || f.express === 'other') return UNKNOWN;
  if (f.express !== null) {
    const noLink = f.express === 'rc-integrated-endpoint' || f.express === 'rc-event-collector';
    return {
      portType: f.express,
      linkCap: f.linkCap ?? (noLink ? null : UNKNOWN),
      linkStatus: f.linkSta ?? (noLink ? null : UNKNOWN),
      ...(f.mps !== undefined ? { mps: f.mps } : {}),
      ...(f.mrrs !== undefined ? { mrrs: f.mrrs } : {}),
    };
  }
  return f.noCapList || f.capsPrinted ? null : UNKNOWN;
}

function acsOf(f: VerboseFn, pcie: Maybe<PcieInfo> | null, facts: VerboseFacts): AcsState {
  if (pcie === null) return { state: 'absent' };
  if (f.accessDenied) {
    return { state: 'unknown', reason: 'lspci could not read the capabilities (run it as root)' };
  }
  if (pcie === UNKNOWN) {
    return {
      state: 'unknown',
      reason: 'no capabilities in the lspci output (use lspci -vvv as root)',
    };
  }
  if (f.acsListed) {
    if (f.acsCap !== undefined && f.acsCtl !== undefined) {
      return { state: 'present', cap: f.acsCap, ctrl: f.acsCtl };
    }
    return {
      state: 'unknown',
      reason: 'ACS listed without its ACSCap/ACSCtl lines (use lspci -vv)',
    };
  }
  // No ACS among the printed capabilities. Without any extended capability in the whole input,
  // lspci probably could not read extended config space (not root), so ACS may be hidden.
  if (f.extCaps || facts.extCaps) return { state: 'absent' };
  return {
    state: 'unknown',
    reason: 'no extended capabilities printed (lspci needs root to read them)',
  };
}

export function fromVerbose(f: VerboseFn, facts: VerboseFacts, w: Warnings): FunctionInit {
  const h = f.header;
  const pcie = pcieOf(f);
  const acs = acsOf(f, pcie, facts);
  if (acs.state === 'unknown') w.acsUnknown(acs.reason, keyOf(f.addr));
  return {
    bdf: keyOf(f.addr),
    vendor: h.vendor,
    device: h.device,
    ...(f.subsystem
      ? { subsystemVendor: f.subsystem.vendor, subsystemDevice: f.subsystem.device }
      : {}),
    classCode: h.classCode,
    revision: h.revision,
    ...(h.description.length > 0 ? { description: h.description } : {}),
    bars: f.bars,
    windows: f.windows,
    buses: f.buses ?? null,
    pcie,
    acs,
    numaNode: f.numaNode ?? (facts.numa ? -1 : UNKNOWN),
    iommuGroup: f.iommuGroup ?? (facts.iommuGroups ? null : UNKNOWN),
    driver: f.driver ?? (facts.driverInfo ? null : UNKNOWN),
    source: { file: f.file, line: f.line },
  };
}
