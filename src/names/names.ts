/**
 * Names of one function as `lspci` would look them up (pciutils lib/names.c), kept raw (null = not
 * in the database) so every renderer can print them with or without numbers exactly as lspci does.
 */
import { Fabric } from '../pci/fabric.js';
import { type FunctionNames, isKnown, type PciFunction } from '../pci/types.js';
import { hexDigits } from '../util/hex.js';
import { type PciIds, subKey } from './ids.js';

export type { FunctionNames };

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** `pci_lookup_name` for every id the function carries. */
export function lookupNames(db: PciIds, f: PciFunction): FunctionNames {
  const v = num(f.vendor);
  const d = num(f.device);
  const c = num(f.classCode);
  const sv = num(f.subsystemVendor);
  const sd = num(f.subsystemDevice);
  let subsystem: string | null = null;
  if (sv !== null && sd !== null) {
    // id_lookup_subsys: per-device entry, else the device itself when the subsystem is the device.
    if (v !== null && d !== null && db.subsystems.size > 0)
      subsystem = db.subsystems.get(subKey(v, d, sv, sd)) ?? null;
    if (subsystem === null && v === sv && d === sd)
      subsystem = db.devices.get((v << 16) | d) ?? null;
  }
  return {
    vendor: v === null ? null : (db.vendors.get(v) ?? null),
    device: v === null || d === null ? null : (db.devices.get((v << 16) | d) ?? null),
    baseClass: c === null ? null : (db.classes.get(c >> 16) ?? null),
    subclass: c === null ? null : (db.subclasses.get(c >> 8) ?? null),
    progIf: c === null ? null : (db.progIfs.get(c) ?? null),
    subsystemVendor: sv === null ? null : (db.vendors.get(sv) ?? null),
    subsystem,
  };
}

/** Vendor ids a fabric's functions name (vendor and subsystem vendor): what pci.ids must hold. */
export function vendorsOf(fabric: { readonly functions: readonly PciFunction[] }): Set<number> {
  const out = new Set<number>();
  const fns = fabric.functions;
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i]!;
    if (typeof f.vendor === 'number') out.add(f.vendor);
    if (typeof f.subsystemVendor === 'number') out.add(f.subsystemVendor);
  }
  return out;
}

/** The fabric with `names` on every function (a new Fabric; the input is untouched). */
export function nameFabric(fabric: Fabric, db: PciIds): Fabric {
  return new Fabric(
    fabric.machine,
    fabric.hostBridges,
    fabric.functions.map((f) => ({ ...f, names: lookupNames(db, f) })),
    fabric.iommuGroups,
  );
}

/** lspci's class text: `Ethernet controller` / `-nn`: `Ethernet controller [0200]`. */
export function classText(f: PciFunction, nn: boolean): string {
  if (!isKnown(f.classCode)) return 'class unknown';
  const n = f.names;
  const id = hexDigits(f.classCode >> 8, 4);
  if (n?.subclass) return nn ? `${n.subclass} [${id}]` : n.subclass;
  // Only the base class known: lspci always adds the number then.
  if (n?.baseClass) return `${n.baseClass} [${id}]`;
  return nn ? `Class [${id}]` : `Class ${id}`;
}

/** format_name_pair: `Vendor Device`, `Vendor Device dddd`, `Device vvvv:dddd` (and `-nn` forms). */
function pair(v: string | null, d: string | null, iv: number, id: number, nn: boolean): string {
  const ids = `${hexDigits(iv, 4)}:${hexDigits(id, 4)}`;
  if (nn) return v && d ? `${v} ${d} [${ids}]` : v ? `${v} Device [${ids}]` : `Device [${ids}]`;
  return v && d ? `${v} ${d}` : v ? `${v} Device ${hexDigits(id, 4)}` : `Device ${ids}`;
}

/** lspci's vendor+device text; null when the ids are unknown. */
export function deviceText(f: PciFunction, nn: boolean): string | null {
  if (!isKnown(f.vendor) || !isKnown(f.device)) return null;
  return pair(f.names?.vendor ?? null, f.names?.device ?? null, f.vendor, f.device, nn);
}

/** lspci -v's `Subsystem:` text; null when there is none or it is unknown. */
export function subsystemText(f: PciFunction, nn: boolean): string | null {
  const sv = num(f.subsystemVendor);
  const sd = num(f.subsystemDevice);
  if (sv === null || sd === null) return null;
  return pair(f.names?.subsystemVendor ?? null, f.names?.subsystem ?? null, sv, sd, nn);
}

/** One lspci line after the BDF: `Ethernet controller [0200]: Mellanox … [15b3:1021] (rev 01)`. */
export function lspciText(f: PciFunction, nn = true): string {
  const dev = deviceText(f, nn) ?? 'Device unknown';
  const rev = isKnown(f.revision) && f.revision !== 0 ? ` (rev ${hexDigits(f.revision, 2)})` : '';
  return `${classText(f, nn)}: ${dev}${rev}`;
}
