/**
 * The names a capture holds, written back as a pci.ids subset (the same syntax, only the entries its
 * functions use), so a snapshot reads the same on a machine with another pci.ids or none.
 */
import type { Fabric } from '../pci/fabric.js';
import { hexDigits } from '../util/hex.js';

export function namesToPciIds(fabric: Fabric, header: string): string {
  const vendors = new Map<number, string>();
  const devices = new Map<number, Map<number, string>>();
  const subs = new Map<string, string>();
  const classes = new Map<number, string>();
  const subclasses = new Map<number, Map<number, string>>();
  const progIfs = new Map<string, string>();
  const dev = (v: number, d: number, name: string) => {
    const m = devices.get(v) ?? new Map<number, string>();
    m.set(d, name);
    devices.set(v, m);
  };
  for (const f of fabric.functions) {
    const n = f.names;
    if (!n) continue;
    const { vendor: v, device: d, classCode: c, subsystemVendor: sv, subsystemDevice: sd } = f;
    if (typeof v === 'number' && n.vendor !== null) vendors.set(v, n.vendor);
    if (typeof v === 'number' && typeof d === 'number' && n.device !== null) dev(v, d, n.device);
    if (typeof sv === 'number' && n.subsystemVendor !== null) vendors.set(sv, n.subsystemVendor);
    // pci.ids holds a subsystem name under its device (only written when both have names).
    if (
      typeof v === 'number' &&
      typeof d === 'number' &&
      typeof sv === 'number' &&
      typeof sd === 'number' &&
      n.device !== null &&
      n.subsystem !== null
    )
      subs.set(
        `${hexDigits(v, 4)} ${hexDigits(d, 4)} ${hexDigits(sv, 4)} ${hexDigits(sd, 4)}`,
        n.subsystem,
      );
    if (typeof c === 'number') {
      const base = c >> 16;
      const sub = (c >> 8) & 0xff;
      if (n.baseClass !== null) classes.set(base, n.baseClass);
      if (n.baseClass !== null && n.subclass !== null) {
        const sm = subclasses.get(base) ?? new Map<number, string>();
        sm.set(sub, n.subclass);
        subclasses.set(base, sm);
        if (n.progIf !== null)
          progIfs.set(`${hexDigits(c >> 8, 4)} ${hexDigits(c & 0xff, 2)}`, n.progIf);
      }
    }
  }
  const out = [`# ${header}`, '# Names of the functions in this capture, in pci.ids syntax.', ''];
  for (const v of [...vendors.keys()].sort((a, b) => a - b)) {
    out.push(`${hexDigits(v, 4)}  ${vendors.get(v)}`);
    for (const [d, name] of [...(devices.get(v) ?? [])].sort((a, b) => a[0] - b[0])) {
      out.push(`\t${hexDigits(d, 4)}  ${name}`);
      for (const [k, s] of [...subs].sort()) {
        const [kv, kd, ksv, ksd] = k.split(' ');
        if (kv === hexDigits(v, 4) && kd === hexDigits(d, 4)) out.push(`\t\t${ksv} ${ksd}  ${s}`);
      }
    }
  }
  for (const c of [...classes.keys()].sort((a, b) => a - b)) {
    out.push(`C ${hexDigits(c, 2)}  ${classes.get(c)}`);
    for (const [s, name] of [...(subclasses.get(c) ?? [])].sort((a, b) => a[0] - b[0])) {
      out.push(`\t${hexDigits(s, 2)}  ${name}`);
      for (const [k, p] of [...progIfs].sort()) {
        const [ks, kp] = k.split(' ');
        if (ks === hexDigits((c << 8) | s, 4)) out.push(`\t\t${kp}  ${p}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
