import type { PeerdmaError } from '../../errors/index.js';
import {
  ACS_PORT_CAP,
  type AcsState,
  acsShorthand,
  BRIDGE_KINDS,
  type FunctionKind,
  type Link,
  type Maybe,
  type PcieInfo,
  type PciePortType,
  UNKNOWN,
} from '../../pci/types.js';
import type { DeviceSpec, LinkSpecDoc } from './schema.js';
import { GEN_SPEEDS, parseAcsBits, parseClass } from './units.js';
import type { Path } from './yaml.js';

/** Builds the error for a path (the caller knows the file and the YAML ranges). */
export type Fail = (message: string, path: Path, key?: boolean) => PeerdmaError;

export const MODE_DOMAIN: Readonly<Record<string, string>> = {
  passthrough: 'identity',
  strict: 'DMA',
  lazy: 'DMA-FQ',
};

/** PCIe port type and link of a function, from `portType` and `link` (defaults from the kind). */
export function pcieOf(
  d: DeviceSpec,
  kind: FunctionKind,
  path: Path,
  fail: Fail,
): Maybe<PcieInfo> | null {
  const pt = d.portType ?? defaultPortType(kind);
  if (pt === 'none' || pt === 'unknown') {
    for (const k of ['link', 'mps', 'mrrs'] as const)
      if (d[k] !== undefined)
        throw fail(`${k} needs a PCIe function (portType is ${pt})`, [...path, k], true);
    return pt === 'none' ? null : UNKNOWN;
  }
  const link = linkFacts(d, pt, kind, path, fail);
  return {
    ...link,
    ...(d.mps !== undefined ? { mps: d.mps } : {}),
    ...(d.mrrs !== undefined ? { mrrs: d.mrrs } : {}),
  };
}

function linkFacts(
  d: DeviceSpec,
  pt: PciePortType,
  kind: FunctionKind,
  path: Path,
  fail: Fail,
): PcieInfo {
  const noLink = kind === 'rc-integrated-endpoint' || kind === 'host-bridge';
  const l = d.link;
  if (l === undefined)
    return {
      portType: pt,
      linkCap: noLink ? null : UNKNOWN,
      linkStatus: noLink ? null : UNKNOWN,
    };
  if (l === 'none') return { portType: pt, linkCap: null, linkStatus: null };
  if (l === 'unknown') return { portType: pt, linkCap: UNKNOWN, linkStatus: UNKNOWN };
  const cap = l.width === undefined ? UNKNOWN : linkOf(l, [...path, 'link'], fail);
  const t = l.trained;
  const status =
    t === undefined
      ? cap
      : t === 'none'
        ? null
        : t === 'unknown'
          ? UNKNOWN
          : linkOf(t, [...path, 'link', 'trained'], fail);
  return { portType: pt, linkCap: cap, linkStatus: status };
}

function linkOf(
  l: Exclude<LinkSpecDoc, string> | { gen?: number; speed?: number; width: number },
  path: Path,
  fail: Fail,
): Link {
  if (l.gen !== undefined && l.speed !== undefined && GEN_SPEEDS[l.gen - 1] !== l.speed) {
    throw fail(`gen ${l.gen} runs at ${GEN_SPEEDS[l.gen - 1]} GT/s, not ${l.speed}`, [
      ...path,
      'speed',
    ]);
  }
  const speedGTs = l.speed ?? (l.gen !== undefined ? GEN_SPEEDS[l.gen - 1] : undefined);
  if (speedGTs === undefined) throw fail('a link needs gen or speed', path);
  return { speedGTs, width: l.width! };
}

/** ACS state from `acs` or the `acsRedirect` shorthand; omitted means no ACS capability. */
export function acsOf(d: DeviceSpec, path: Path, fail: Fail): AcsState {
  if (d.acs !== undefined && d.acsRedirect !== undefined)
    throw fail('give either acs or acsRedirect, not both', [...path, 'acsRedirect'], true);
  if (d.acsRedirect !== undefined) return acsShorthand(d.acsRedirect);
  const a = d.acs;
  if (a === undefined || a === 'absent') return { state: 'absent' };
  if (a === 'unknown') return { state: 'unknown', reason: 'the spec says unknown' };
  // One word for the two states people write down: capability present, redirect on or off.
  if (a === 'off') return { state: 'present', cap: ACS_PORT_CAP, ctrl: 0 };
  if (a === 'on') return acsShorthand(true);
  if ('unknown' in a) return { state: 'unknown', reason: a.unknown };
  return {
    state: 'present',
    cap: parseAcsBits(a.cap as never),
    ctrl: parseAcsBits(a.ctrl as never),
  };
}

/** A spec value that may be omitted (`fallback`) or `unknown`. */
export function fact<T>(
  v: T | 'unknown' | undefined,
  parse: (x: T) => number,
  fallback: () => Maybe<number>,
): Maybe<number> {
  return v === undefined ? fallback() : v === 'unknown' ? UNKNOWN : parse(v as T);
}

export function resolveKind(
  d: DeviceSpec,
  parent: { readonly kind: FunctionKind } | null,
  hasKids: boolean,
): FunctionKind {
  if (d.kind === 'switch') return 'switch-upstream';
  if (d.kind !== undefined) return d.kind;
  if (parent === null) {
    if (hasKids) return 'root-port';
    const cls = d.class === undefined || d.class === 'unknown' ? -1 : parseClass(d.class);
    return cls >> 8 === 0x0600 ? 'host-bridge' : 'rc-integrated-endpoint';
  }
  if (parent.kind === 'switch-upstream') return 'switch-downstream';
  return hasKids ? 'switch-upstream' : 'endpoint';
}

export function defaultClass(kind: FunctionKind): number | undefined {
  if (kind === 'host-bridge') return 0x060000;
  return BRIDGE_KINDS.has(kind) ? 0x060400 : undefined;
}

function defaultPortType(kind: FunctionKind): PciePortType | 'none' {
  switch (kind) {
    case 'host-bridge':
      return 'rc-integrated-endpoint';
    case 'pci-bridge':
      return 'none';
    default:
      return kind;
  }
}
