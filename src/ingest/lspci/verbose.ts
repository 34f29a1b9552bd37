/**
 * `lspci -v[v[v]][nn][D]` parser: one block per function, a header line then indented fields.
 * A capability's own lines are those indented deeper than its `Capabilities:` line (tabs count as
 * 8 columns), so the parser also reads outputs whose tabs were turned into spaces.
 */
import { PeerdmaError } from '../../errors/index.js';
import { type BdfParts, formatBdf, tryParseBdf } from '../../pci/bdf.js';
import type { Bar, BridgeWindow, Link, Maybe, PciePortType } from '../../pci/types.js';
import {
  decOrNull,
  type Header,
  numberAfter,
  parseAcsBits,
  parseBusLine,
  parseCapHeader,
  parseExpressType,
  parseHeader,
  parseLink,
  parseRegion,
  parseWindow,
  trailingIds,
} from './fields.js';

export interface VerboseFn {
  readonly addr: BdfParts;
  readonly file: string;
  readonly line: number;
  readonly header: Header;
  subsystem?: { readonly vendor: number; readonly device: number };
  /** `Status: Cap-`: no capability list at all (conventional PCI). */
  noCapList: boolean;
  /** Some readable capability was printed (so a missing Express capability means conventional PCI). */
  capsPrinted: boolean;
  accessDenied: boolean;
  /** PCIe port type; 'other' for `Express … Unknown type N`. */
  express: PciePortType | 'other' | null;
  extCaps: boolean;
  acsListed: boolean;
  acsCap?: number;
  acsCtl?: number;
  linkCap?: Maybe<Link>;
  linkSta?: Maybe<Link>;
  /** DevCtl: `MaxPayload 256 bytes, MaxReadReq 512 bytes` (negotiated, not DevCap's maximum). */
  mps?: number;
  mrrs?: number;
  sriov?: { enabled?: boolean; numVfs?: number; offset?: number; stride?: number };
  readonly bars: Bar[];
  readonly windows: BridgeWindow[];
  buses?: { readonly secondary: number; readonly subordinate: number };
  numaNode?: number;
  iommuGroup?: number;
  driver?: string;
}

/** What the whole verbose input shows lspci was able to print (decides absent vs unknown). */
export interface VerboseFacts {
  driverInfo: boolean;
  iommuGroups: boolean;
  numa: boolean;
  extCaps: boolean;
  missingIds: boolean;
}

type CapKind = 'express' | 'acs' | 'sriov' | 'other';

const indentOf = (s: string): number => {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\t') w = (w >> 3) * 8 + 8;
    else if (c === ' ') w++;
    else break;
  }
  return w;
};

/** Collects verbose blocks across all inputs; duplicate BDFs are an E_TOPOLOGY error. */
export class VerboseParser {
  readonly fns: VerboseFn[] = [];
  readonly facts: VerboseFacts = {
    driverInfo: false,
    iommuGroups: false,
    numa: false,
    extCaps: false,
    missingIds: false,
  };
  readonly #byBdf = new Map<string, VerboseFn>();
  #cur: VerboseFn | null = null;
  #cap: CapKind | null = null;
  #capIndent = 0;
  #file = '';
  #line = 0;

  static isHeader(text: string): boolean {
    const sp = text.indexOf(' ');
    if (sp < 7 || sp > 64) return false;
    const slot = text.slice(0, sp);
    const slash = slot.lastIndexOf('/');
    return tryParseBdf(slash >= 0 ? slot.slice(slash + 1) : slot) !== null && slot.includes(':');
  }

  #fail(msg: string, text: string): never {
    throw new PeerdmaError('E_PARSE', `lspci: ${msg}: '${text.trim().slice(0, 120)}'`, {
      file: this.#file,
      line: this.#line,
    });
  }

  header(text: string, file: string, line: number): void {
    this.#file = file;
    this.#line = line;
    this.#cap = null;
    const h = parseHeader(text);
    const addr = h ? tryParseBdf(h.slot) : null;
    if (!h || !addr) this.#fail('not a device header (slot class: name)', text);
    if (!h.hasIds) this.facts.missingIds = true;
    const key = formatBdf(addr);
    const before = this.#byBdf.get(key);
    if (before) {
      throw new PeerdmaError(
        'E_TOPOLOGY',
        `lspci lists ${key} twice (${before.file}:${before.line} and ${file}:${line})`,
        { file, line },
      );
    }
    const f: VerboseFn = {
      addr,
      file,
      line,
      header: h,
      noCapList: false,
      capsPrinted: false,
      accessDenied: false,
      express: null,
      extCaps: false,
      acsListed: false,
      bars: [],
      windows: [],
    };
    this.#byBdf.set(key, f);
    this.fns.push(f);
    this.#cur = f;
  }

  /** A blank line ends the block. */
  end(): void {
    this.#cur = null;
    this.#cap = null;
  }

  get inBlock(): boolean {
    return this.#cur !== null;
  }

  /** The block being read (none after a blank line). */
  get current(): VerboseFn | null {
    return this.#cur;
  }

  field(text: string, file: string, line: number): void {
    this.#file = file;
    this.#line = line;
    const f = this.#cur;
    if (!f) this.#fail('indented line outside a device block', text);
    const indent = indentOf(text);
    const t = text.trim();
    if (this.#cap !== null && indent > this.#capIndent) {
      this.#capLine(f, this.#cap, t);
      return;
    }
    this.#cap = null;
    const colon = t.indexOf(':');
    if (colon < 0) return;
    const key = t.slice(0, colon);
    const value = t.slice(colon + 1).trim();
    switch (key) {
      case 'Capabilities':
        this.#capHeader(f, value, indent, t);
        return;
      case 'Status':
        if (value.startsWith('Cap-')) f.noCapList = true;
        return;
      case 'Subsystem': {
        const ids = trailingIds(value);
        if (ids) f.subsystem = { vendor: ids.a, device: ids.b };
        return;
      }
      case 'Bus': {
        const b = parseBusLine(value);
        if (!b) this.#fail('bad Bus: line', t);
        f.buses = b;
        return;
      }
      case 'I/O behind bridge':
        this.#window(f, 'io', value, t);
        return;
      case 'Memory behind bridge':
        this.#window(f, 'mem', value, t);
        return;
      case 'Prefetchable memory behind bridge':
        this.#window(f, 'prefetch', value, t);
        return;
      case 'IOMMU group': {
        const g = decOrNull(value);
        if (g === null) this.#fail('bad IOMMU group', t);
        f.iommuGroup = g;
        this.facts.iommuGroups = true;
        return;
      }
      case 'NUMA node': {
        const n = value.startsWith('-') ? decOrNull(value.slice(1)) : decOrNull(value);
        if (n === null) this.#fail('bad NUMA node', t);
        f.numaNode = value.startsWith('-') ? -n : n;
        this.facts.numa = true;
        return;
      }
      case 'Kernel driver in use':
        if (value.length === 0) this.#fail('empty driver name', t);
        f.driver = value;
        this.facts.driverInfo = true;
        return;
      case 'Kernel modules':
        this.facts.driverInfo = true;
        return;
      default:
        if (key.startsWith('Region ')) {
          const bar = parseRegion(t);
          if (bar === null) this.#fail('bad Region line', t);
          if (bar) f.bars.push(bar);
        }
    }
  }

  #window(f: VerboseFn, space: BridgeWindow['space'], value: string, t: string): void {
    const w = parseWindow(space, value);
    if (w === null) this.#fail('bad bridge window', t);
    if (w) f.windows.push(w);
  }

  #capHeader(f: VerboseFn, value: string, indent: number, t: string): void {
    const c = parseCapHeader(value);
    if (c === null) this.#fail('bad Capabilities line', t);
    if (c === 'denied') {
      f.accessDenied = true;
      return;
    }
    f.capsPrinted = true;
    this.#capIndent = indent;
    if (c.offset >= 0x100) {
      f.extCaps = true;
      this.facts.extCaps = true;
    }
    if (c.name.startsWith('Express')) {
      f.express = parseExpressType(c.name) ?? 'other';
      this.#cap = 'express';
    } else if (c.name.startsWith('Access Control Services')) {
      f.acsListed = true;
      this.#cap = 'acs';
    } else if (c.name.startsWith('Single Root I/O Virtualization')) {
      f.sriov = {};
      this.#cap = 'sriov';
    } else {
      this.#cap = 'other';
    }
  }

  #capLine(f: VerboseFn, cap: CapKind, t: string): void {
    if (cap === 'express') {
      const dc = /^(?:DevCtl:\s*)?MaxPayload (\d+) bytes, MaxReadReq (\d+) bytes/.exec(t);
      if (dc) {
        f.mps = Number(dc[1]);
        f.mrrs = Number(dc[2]);
        return;
      }
      const isCap = t.startsWith('LnkCap:');
      if (!isCap && !t.startsWith('LnkSta:')) return;
      const link = parseLink(t.slice(7));
      if (link === null) this.#fail('bad link speed/width', t);
      if (isCap) f.linkCap = link;
      else f.linkSta = link;
    } else if (cap === 'acs') {
      const isCap = t.startsWith('ACSCap:');
      if (!isCap && !t.startsWith('ACSCtl:')) return;
      const bits = parseAcsBits(t.slice(7));
      if (bits === null) this.#fail('bad ACS flags', t);
      if (isCap) f.acsCap = bits;
      else f.acsCtl = bits;
    } else if (cap === 'sriov' && f.sriov) {
      if (t.startsWith('IOVCtl:')) f.sriov.enabled = t.includes('Enable+');
      else if (t.startsWith('Initial VFs:')) {
        const n = numberAfter(t, 'Number of VFs:');
        if (n === null) this.#fail('bad SR-IOV VF counts', t);
        f.sriov.numVfs = n;
      } else if (t.startsWith('VF offset:')) {
        const offset = numberAfter(t, 'VF offset:');
        const stride = numberAfter(t, 'stride:');
        if (offset === null || stride === null) this.#fail('bad SR-IOV offset/stride', t);
        f.sriov.offset = offset;
        f.sriov.stride = stride;
      }
    }
  }
}
