import type { LoadWarning, SourceLocation } from '../../errors/index.js';

/** Load warnings in order; per-function ACS gaps are grouped into one warning per reason. */
export class Warnings {
  readonly #list: LoadWarning[] = [];
  readonly #acs = new Map<string, string[]>();

  add(code: string, message: string, location?: SourceLocation): void {
    this.#list.push(location ? { code, message, location } : { code, message });
  }

  acsUnknown(reason: string, bdf: string): void {
    const l = this.#acs.get(reason);
    if (l) l.push(bdf);
    else this.#acs.set(reason, [bdf]);
  }

  list(): LoadWarning[] {
    const out = [...this.#list];
    for (const [reason, bdfs] of this.#acs) {
      const shown = bdfs.slice(0, 8).join(', ') + (bdfs.length > 8 ? ', …' : '');
      out.push({
        code: 'lspci_acs_unknown',
        message: `ACS unknown for ${bdfs.length} function(s): ${reason}: ${shown}`,
      });
    }
    return out;
  }
}
