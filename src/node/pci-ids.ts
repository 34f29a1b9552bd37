/** Finding and reading pci.ids: `--pci-ids FILE`, else the system's copy where distributions put it. */
import { readFileSync } from 'node:fs';
import { PeerdmaError } from '../errors/index.js';
import type { PciIdsSource } from '../names/index.js';

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
      return { name: p, text: readFileSync(p, 'utf8') };
    } catch {
      // absent or unreadable: try the next place
    }
  }
  return undefined;
}

/** A pci.ids the user named: it must be readable. */
export function readPciIds(path: string): PciIdsSource {
  try {
    return { name: path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    throw new PeerdmaError(
      'E_IO',
      `cannot read pci.ids: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { file: path },
    );
  }
}
