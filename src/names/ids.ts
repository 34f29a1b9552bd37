/**
 * The PCI ID database (`pci.ids`, as /usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids ships it)
 * and the built-in class names. `parsePciIds` reads the file's syntax exactly:
 *
 *   vvvv  Vendor name
 *   <TAB>dddd  Device name
 *   <TAB><TAB>ssvv ssdd  Subsystem name
 *   C cc  Class name
 *   <TAB>ss  Subclass name
 *   <TAB><TAB>pp  Prog-if name
 *
 * Comments (`#`) and blank lines are skipped; other top-level sections (a letter, a space, an id)
 * are skipped with their indented lines. A line that fits none of these is E_PARSE naming the line.
 */
import { PeerdmaError } from '../errors/index.js';
import { CLASS_TABLE } from './class-table.js';

export interface PciIdsSource {
  /** Shown in messages: a path, `built-in`, `snapshot peerdma/pci.ids`. */
  readonly name: string;
  readonly text: string;
}

const VENDOR_RE = /^([0-9a-fA-F]{4})\s+(.*)$/;
const DEVICE_RE = /^\t([0-9a-fA-F]{4})\s+(.*)$/;
const SUBSYS_RE = /^\t\t([0-9a-fA-F]{4}) ([0-9a-fA-F]{4})\s+(.*)$/;
const CLASS_RE = /^C ([0-9a-fA-F]{2})\s+(.*)$/;
const SUBCLASS_RE = /^\t([0-9a-fA-F]{2})\s+(.*)$/;
const PROGIF_RE = /^\t\t([0-9a-fA-F]{2})\s+(.*)$/;
const OTHER_SECTION_RE = /^[A-Z] /;
const BLANK_RE = /^\s*$/;
const TAB = 0x09;
const CR = 0x0d;
const HASH = 0x23;

const hx = (s: string) => Number.parseInt(s, 16);

/** Names by id. Keys: vendor `v`, device `v<<16|d`, subsystem `v:d:sv:sd`, class `c`, subclass `c<<8|s`, prog-if `c<<16|s<<8|p`. */
export class PciIds {
  readonly vendors = new Map<number, string>();
  readonly devices = new Map<number, string>();
  readonly subsystems = new Map<string, string>();
  readonly classes = new Map<number, string>();
  readonly subclasses = new Map<number, string>();
  readonly progIfs = new Map<number, string>();
  /** Where the vendor and device names came from (`built-in` when only the class table). */
  readonly sources: string[] = [];

  /** The built-in class table only. */
  static builtIn(): PciIds {
    const db = new PciIds();
    for (const [base, spec] of Object.entries(CLASS_TABLE)) {
      const c = Number(base);
      const [name, ...subs] = spec.split('|');
      db.classes.set(c, name!);
      for (const s of subs) {
        const sp = s.indexOf(' ');
        const key = s.slice(0, sp);
        const text = s.slice(sp + 1);
        if (key.includes('/')) {
          const [sc, pi] = key.split('/') as [string, string];
          db.progIfs.set((c << 16) | (hx(sc) << 8) | hx(pi), text);
        } else db.subclasses.set((c << 8) | hx(key), text);
      }
    }
    return db;
  }

  /**
   * The built-in classes overlaid with each file in order (later files win). With `vendors`, only
   * those vendors' entries are kept (a machine uses a few dozen of pci.ids' thousands).
   */
  static from(files: readonly PciIdsSource[], vendors?: ReadonlySet<number>): PciIds {
    const db = PciIds.builtIn();
    for (const f of files) db.merge(f, vendors);
    return db;
  }

  get hasVendorNames(): boolean {
    return this.vendors.size > 0;
  }

  /**
   * Adds one pci.ids file's entries (E_PARSE naming file and line on a malformed line). The text is
   * walked line by line without splitting it; the indented lines of a vendor or section that is
   * skipped are passed over by looking only at their first character (a machine uses a few dozen of
   * the file's thousands of vendors).
   */
  merge(file: PciIdsSource, vendors?: ReadonlySet<number>): void {
    const text = file.text;
    const end = text.length;
    let vendor = -1;
    let device = -1;
    let cls = -1;
    let sub = -1;
    let skipping = false;
    const fail = (i: number, why: string) =>
      new PeerdmaError('E_PARSE', `pci.ids: ${why}`, { file: file.name, line: i + 1 });
    let i = -1; // line index
    let next = 0; // where the next line starts
    while (next <= end) {
      const start = next;
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = end;
      next = nl + 1;
      i++;
      const first = text.charCodeAt(start);
      if (first === TAB && skipping) continue;
      const line = text.slice(start, text.charCodeAt(nl - 1) === CR && nl > start ? nl - 1 : nl);
      if (first === HASH || BLANK_RE.test(line)) continue;
      if (first !== TAB) {
        vendor = device = cls = sub = -1;
        skipping = false;
        const c = CLASS_RE.exec(line);
        const v = c ? null : VENDOR_RE.exec(line);
        if (c) {
          cls = hx(c[1]!);
          this.classes.set(cls, c[2]!.trim());
        } else if (v) {
          vendor = hx(v[1]!);
          if (vendors !== undefined && !vendors.has(vendor)) {
            vendor = -1;
            skipping = true;
          } else this.vendors.set(vendor, v[2]!.trim());
        } else if (OTHER_SECTION_RE.test(line)) skipping = true;
        else
          throw fail(i, `expected 'vvvv  vendor name' or 'C cc  class name', got '${clip(line)}'`);
        continue;
      }
      if (vendor >= 0) {
        const ss = SUBSYS_RE.exec(line);
        const d = ss ? null : DEVICE_RE.exec(line);
        if (ss) {
          if (device < 0) throw fail(i, 'a subsystem line before any device line');
          this.subsystems.set(subKey(vendor, device, hx(ss[1]!), hx(ss[2]!)), ss[3]!.trim());
        } else if (d) {
          device = hx(d[1]!);
          this.devices.set((vendor << 16) | device, d[2]!.trim());
        } else
          throw fail(
            i,
            `expected '\\tdddd  device' or '\\t\\tssvv ssdd  subsystem', got '${clip(line)}'`,
          );
      } else if (cls >= 0) {
        const p = PROGIF_RE.exec(line);
        const sc = p ? null : SUBCLASS_RE.exec(line);
        if (p) {
          if (sub < 0) throw fail(i, 'a prog-if line before any subclass line');
          this.progIfs.set((cls << 16) | (sub << 8) | hx(p[1]!), p[2]!.trim());
        } else if (sc) {
          sub = hx(sc[1]!);
          this.subclasses.set((cls << 8) | sub, sc[2]!.trim());
        } else
          throw fail(i, `expected '\\tss  subclass' or '\\t\\tpp  prog-if', got '${clip(line)}'`);
      } else throw fail(i, 'an indented line before any vendor or class line');
    }
    this.sources.push(file.name);
  }
}

export const subKey = (v: number, d: number, sv: number, sd: number) =>
  `${v.toString(16)}:${d.toString(16)}:${sv.toString(16)}:${sd.toString(16)}`;

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s).replace(/\t/g, '\\t');
