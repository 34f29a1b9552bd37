/** Finding and reading pci.ids: `--pci-ids FILE`, else the system's copy where distributions put it. */
import type { PciIdsSource } from '../names/index.js';
import { readInputText } from './files.js';

/** pci.ids is about 1.5 MB; a file over this is not one. */
const PCI_IDS_MAX = 64 * 1024 * 1024;

export const SYSTEM_PCI_IDS: readonly string[] = [
  '/usr/share/misc/pci.ids',
  '/usr/share/hwdata/pci.ids',
];

/** The first system pci.ids that exists, or undefined (then only the built-in class names). */
export function systemPciIds(
  candidates: readonly string[] = SYSTEM_PCI_IDS,
): PciIdsSource | undefined {
  for (const p of candidates) {
    try {
      return { name: p, text: readInputText(p, { maxBytes: PCI_IDS_MAX, what: 'pci.ids' }) };
    } catch {
      // absent or unreadable: try the next place
    }
  }
  return undefined;
}

/** A pci.ids the user named: it must be readable. */
export function readPciIds(path: string): PciIdsSource {
  return { name: path, text: readInputText(path, { maxBytes: PCI_IDS_MAX, what: 'pci.ids' }) };
}
