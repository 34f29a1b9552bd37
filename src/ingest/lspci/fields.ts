/**
 * Parsers for single lspci fields. Each takes the text of one line (already trimmed of its
 * indentation) and returns a value, or null when the text is not what it should be; the caller
 * turns null into an E_PARSE naming the line. No regex here can backtrack beyond a fixed window.
 */
import { className } from '../../pci/classes.js';
import {
  ACS,
  type Bar,
  type BridgeWindow,
  type Link,
  type Maybe,
  type PciePortType,
  UNKNOWN,
} from '../../pci/types.js';
import { parseBytes } from '../../util/size.js';

const HEX = /^[0-9a-fA-F]+$/;
const DEC = /^[0-9]+$/;

export const hexOrNull = (s: string): number | null =>
  s.length > 0 && s.length <= 8 && HEX.test(s) ? Number.parseInt(s, 16) : null;
export const decOrNull = (s: string): number | null =>
  s.length > 0 && s.length <= 9 && DEC.test(s) ? Number.parseInt(s, 10) : null;
const bigHexOrNull = (s: string): bigint | null =>
  s.length > 0 && s.length <= 16 && HEX.test(s) ? BigInt(`0x${s}`) : null;

/** pciutils class names (as `lspci` without -nn prints them) → 16-bit class code. */
const CLASS_BY_NAME: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let code = 0; code < 0x1300; code++) {
    const name = className(code << 8);
    if (!name.startsWith('Class ')) m.set(name, code);
  }
  return m;
})();

/** `[vvvv:dddd]` at the end of `s` (after a space) → ids and the text before it. */
export function trailingIds(s: string): { a: number; b: number; rest: string } | null {
  const n = s.length;
  if (n < 11 || s[n - 1] !== ']' || s[n - 11] !== '[' || s[n - 6] !== ':') return null;
  const a = hexOrNull(s.slice(n - 10, n - 6));
  const b = hexOrNull(s.slice(n - 5, n - 1));
  if (a === null || b === null) return null;
  return { a, b, rest: s.slice(0, n - 11).trimEnd() };
}

export interface Header {
  readonly slot: string;
  readonly classCode: Maybe<number>;
  readonly vendor: Maybe<number>;
  readonly device: Maybe<number>;
  readonly revision: number;
  readonly description: string;
  readonly hasIds: boolean;
}

/**
 * `0000:00:04.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCIe Root port [1b36:000c] (rev 01)
 * (prog-if 00 [Normal decode])`, with or without domain, ids and class code. The slot is returned
 * as text (the caller parses it); null when there is no `class: name` part.
 */
export function parseHeader(line: string): Header | null {
  const sp = line.indexOf(' ');
  if (sp < 0) return null;
  let slot = line.slice(0, sp);
  const slash = slot.lastIndexOf('/'); // lspci -P prints the path to the device
  if (slash >= 0) slot = slot.slice(slash + 1);
  const rest = line.slice(sp + 1);
  const colon = rest.indexOf(': ');
  if (colon < 0) return null;
  const classText = rest.slice(0, colon);
  let name = rest.slice(colon + 2).trimEnd();
  let progIf = 0;
  const pi = name.lastIndexOf(' (prog-if ');
  if (pi >= 0 && name.endsWith(')')) {
    const v = hexOrNull(name.slice(pi + 10, pi + 12));
    if (v === null) return null;
    progIf = v;
    name = name.slice(0, pi);
  }
  let revision = 0; // lspci prints `(rev xx)` whenever the revision is not zero
  const ri = name.lastIndexOf(' (rev ');
  if (ri >= 0 && name.endsWith(')') && name.length === ri + 9) {
    const v = hexOrNull(name.slice(ri + 6, ri + 8));
    if (v === null) return null;
    revision = v;
    name = name.slice(0, ri);
  }
  const ids = trailingIds(name);
  let classCode: Maybe<number> = UNKNOWN;
  const cn = classText.length;
  if (cn >= 7 && classText[cn - 1] === ']' && classText[cn - 6] === '[') {
    const c = hexOrNull(classText.slice(cn - 5, cn - 1));
    if (c !== null) classCode = (c << 8) | progIf;
  } else {
    const c = CLASS_BY_NAME.get(classText);
    if (c !== undefined) classCode = (c << 8) | progIf;
  }
  return {
    slot,
    classCode,
    vendor: ids ? ids.a : UNKNOWN,
    device: ids ? ids.b : UNKNOWN,
    revision,
    description: ids ? ids.rest : name,
    hasIds: ids !== null,
  };
}

/** `Speed 8GT/s (downgraded), Width x4 (ok)` in LnkCap/LnkSta → a Link, unknown for `Speed unknown`. */
export function parseLink(text: string): Maybe<Link> | null {
  const s = text.indexOf('Speed ');
  const w = text.indexOf('Width x');
  if (s < 0 || w < 0) return null;
  let e = s + 6;
  while (e < text.length && text[e] !== ',' && text[e] !== ' ') e++;
  const speedText = text.slice(s + 6, e);
  let we = w + 7;
  while (we < text.length && text.charCodeAt(we) >= 48 && text.charCodeAt(we) <= 57) we++;
  const width = decOrNull(text.slice(w + 7, we));
  if (width === null) return null;
  if (speedText === 'unknown' || speedText.startsWith('unknown')) return UNKNOWN;
  const g = speedText.indexOf('G');
  if (g <= 0) return null;
  const unit = speedText.slice(g);
  if (unit !== 'GT/s' && unit !== 'Gb/s') return null;
  const num = speedText.slice(0, g);
  if (!/^[0-9]{1,3}(\.[0-9]{1,3})?$/.test(num)) return null;
  return { speedGTs: Number(num), width };
}

const ACS_FLAGS: Readonly<Record<string, number>> = {
  SrcValid: ACS.SV,
  TransBlk: ACS.TB,
  ReqRedir: ACS.RR,
  CmpltRedir: ACS.CR,
  UpstreamFwd: ACS.UF,
  EgressCtrl: ACS.EC,
  DirectTrans: ACS.DT,
};

/** `SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+` → bits. */
export function parseAcsBits(text: string): number | null {
  let bits = 0;
  let seen = 0;
  for (const tok of text.split(/[\s,]+/)) {
    if (tok.length < 2) continue;
    const flag = ACS_FLAGS[tok.slice(0, -1)];
    const sign = tok[tok.length - 1];
    if (flag === undefined || (sign !== '+' && sign !== '-')) continue; // newer pciutils may add more
    seen |= flag;
    if (sign === '+') bits |= flag;
  }
  return seen === 0x7f ? bits : null;
}

/** `[size=32G]` anywhere in the text → bytes; undefined when absent, null when malformed. */
export function parseSize(text: string): bigint | null | undefined {
  const i = text.indexOf('[size=');
  if (i < 0) return undefined;
  const j = text.indexOf(']', i);
  if (j < 0) return null;
  const body = text.slice(i + 6, j);
  // lspci spells sizes as decimal digits with at most a bare binary letter (pciutils' size
  // formatting); util/size holds the one unit rule for what the letter means.
  return LSPCI_SIZE.test(body) ? parseBytes(body) : null;
}
const LSPCI_SIZE = /^[0-9]{1,9}[KMGT]?$/;

/**
 * `Region 0: Memory at 3800000000 (64-bit, prefetchable) [size=32G]` or `Region 2: I/O ports at
 * c000 [size=32]`, possibly with `[virtual]`, `[enhanced]`, `[disabled]`. Unassigned regions and
 * regions without a size → undefined (nothing to record); malformed → null.
 */
export function parseRegion(text: string): Bar | null | undefined {
  const colon = text.indexOf(':');
  const index = decOrNull(text.slice(7, colon));
  if (!text.startsWith('Region ') || colon < 0 || index === null || index > 5) return null;
  const body = text.slice(colon + 1);
  const mem = body.indexOf('Memory at ');
  const io = body.indexOf('I/O ports at ');
  if (mem < 0 && io < 0) return null;
  const at = mem >= 0 ? mem + 10 : io + 13;
  let e = at;
  while (e < body.length && body[e] !== ' ') e++;
  const addrText = body.slice(at, e);
  if (addrText.startsWith('<')) return undefined; // <unassigned>, <ignored>, <invalid-64bit-slot>
  const start = bigHexOrNull(addrText);
  const size = parseSize(body);
  if (start === null || size === null) return null;
  if (size === undefined) return undefined;
  if (mem < 0) return { index, space: 'io', start, size, is64: false, prefetchable: false };
  return {
    index,
    space: 'mem',
    start,
    size,
    is64: body.includes('(64-bit'),
    prefetchable: body.includes(', prefetchable)'),
  };
}

/** `Memory behind bridge: fdc00000-fe1fffff [size=6M] [32-bit]`; `[disabled]`/`None` → undefined. */
export function parseWindow(
  space: BridgeWindow['space'],
  value: string,
): BridgeWindow | null | undefined {
  const v = value.trim();
  if (v.includes('[disabled]') || v.startsWith('None') || v.startsWith('[empty]')) return undefined;
  const dash = v.indexOf('-');
  let end = dash + 1;
  while (end < v.length && v[end] !== ' ') end++;
  const lo = bigHexOrNull(v.slice(0, dash));
  const hi = bigHexOrNull(v.slice(dash + 1, end));
  if (dash < 0 || lo === null || hi === null) return null;
  if (hi < lo) return undefined;
  return { space, start: lo, size: hi - lo + 1n };
}

/** `primary=00, secondary=01, subordinate=05, sec-latency=0` → secondary and subordinate. */
export function parseBusLine(value: string): { secondary: number; subordinate: number } | null {
  const num = (key: string): number | null => {
    const i = value.indexOf(`${key}=`);
    if (i < 0) return null;
    return hexOrNull(value.slice(i + key.length + 1, i + key.length + 3));
  };
  const secondary = num('secondary');
  const subordinate = num('subordinate');
  if (secondary === null || subordinate === null) return null;
  return { secondary, subordinate };
}

const PORT_TYPES: readonly (readonly [string, PciePortType])[] = [
  ['Root Port', 'root-port'],
  ['Upstream Port', 'switch-upstream'],
  ['Downstream Port', 'switch-downstream'],
  ['Legacy Endpoint', 'legacy-endpoint'],
  ['Endpoint', 'endpoint'],
  ['PCI-Express to PCI/PCI-X Bridge', 'pcie-to-pci-bridge'],
  ['PCI/PCI-X to PCI-Express Bridge', 'pci-to-pcie-bridge'],
  ['Root Complex Integrated Endpoint', 'rc-integrated-endpoint'],
  ['Root Complex Event Collector', 'rc-event-collector'],
];

/** `Express (v2) Root Port (Slot+), MSI 00` → port type; null for `Unknown type N`. */
export function parseExpressType(capName: string): PciePortType | null {
  let s = capName.slice('Express'.length).trimStart();
  if (s.startsWith('(v')) s = s.slice(s.indexOf(')') + 1).trimStart();
  for (const [prefix, type] of PORT_TYPES) if (s.startsWith(prefix)) return type;
  return null;
}

/** `[148 v1] Access Control Services` → offset and name; `<access denied>` → 'denied'. */
export function parseCapHeader(value: string): { offset: number; name: string } | 'denied' | null {
  const v = value.trim();
  if (v.startsWith('<access denied>')) return 'denied';
  if (v[0] !== '[') return null;
  const close = v.indexOf(']');
  if (close < 0 || close > 12) return null;
  const inner = v.slice(1, close);
  const space = inner.indexOf(' ');
  const offset = hexOrNull(space < 0 ? inner : inner.slice(0, space));
  if (offset === null) return null;
  return { offset, name: v.slice(close + 1).trim() };
}

/** `Initial VFs: 2, Total VFs: 2, Number of VFs: 2, …` or `VF offset: 1, stride: 1, …` → a value. */
export function numberAfter(text: string, key: string): number | null {
  const i = text.indexOf(key);
  if (i < 0) return null;
  let s = i + key.length;
  while (text[s] === ' ') s++;
  let e = s;
  while (e < text.length && text.charCodeAt(e) >= 48 && text.charCodeAt(e) <= 57) e++;
  return decOrNull(text.slice(s, e));
}
