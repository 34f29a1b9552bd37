/**
 * `lspci -t[v][nn]` parser. pciutils (ls-tree.c) prints the tree recursively: a bus with several
 * devices puts `+-`/`\-` in one column on successive lines, and later lines repeat the columns to
 * the left as `|` or spaces. So the parser keeps, per column, the bus (or list of buses) that a
 * branch in that column belongs to, and reads each line left to right in one pass.
 */
import { PeerdmaError } from '../../errors/index.js';
import { type BdfParts, formatBdf } from '../../pci/bdf.js';
import { hexOrNull, trailingIds } from './fields.js';

export interface TreeEntry {
  readonly addr: BdfParts;
  readonly file: string;
  readonly parent: TreeEntry | null;
  readonly line: number;
  /** Bus range of a bridge (`-[01-05]-`). */
  buses: { secondary: number; subordinate: number } | null;
  vendor?: number;
  device?: number;
  description?: string;
}

type Ctx =
  | {
      readonly kind: 'bus';
      readonly domain: number;
      readonly bus: number;
      readonly parent: TreeEntry | null;
    }
  | { readonly kind: 'buses'; readonly parent: TreeEntry | null };

/** One tree (one `lspci -t` output): feed it lines, then read `entries` and `rootBuses`. */
export class TreeSection {
  readonly entries: TreeEntry[] = [];
  readonly rootBuses: { domain: number; bus: number }[] = [];
  readonly #cols = new Map<number, Ctx>();
  readonly #seen = new Map<string, number>();
  #s = '';
  #line = 0;

  constructor(readonly file: string) {}

  /** Parse one tree line (the first starts with `-`, later ones with `|`/space/`+-`/`\-`). */
  add(text: string, line: number): void {
    this.#s = text;
    this.#line = line;
    let i = 0;
    while (i < text.length && (text[i] === ' ' || text[i] === '|')) i++;
    if (i === 0 && text[0] === '-') {
      this.#bridgeBody(0, null);
      return;
    }
    const c = text[i];
    if ((c !== '+' && c !== '\\') || text[i + 1] !== '-') return; // -tvv region lines: nothing for us
    const ctx = this.#cols.get(i);
    if (!ctx) this.#fail(i, 'tree branch with no bus above it');
    if (ctx.kind === 'bus') this.#device(i + 2, ctx);
    else this.#label(i + 2, ctx.parent);
  }

  /** True when `text` may continue a tree: it starts with the `|`/space columns of earlier lines. */
  static isContinuation(text: string): boolean {
    return text[0] === ' ' || text[0] === '|';
  }

  /** True when `text` starts a tree: `-[0000:00]-…`, `-+-[0000:00]-…`, `-\-[…`. */
  static isStart(text: string): boolean {
    return text.startsWith('-[') || text.startsWith('-+-[') || text.startsWith('-\\-[');
  }

  #fail(col: number, msg: string): never {
    throw new PeerdmaError('E_PARSE', `lspci tree: ${msg}: '${this.#s.slice(0, 120)}'`, {
      file: this.file,
      line: this.#line,
      column: col + 1,
    });
  }

  /** After a bridge (or at the top): `-` then a bus label, a list of buses, or the one bus. */
  #bridgeBody(p: number, owner: TreeEntry | null): void {
    const s = this.#s;
    if (s[p] !== '-') this.#fail(p, "expected '-'");
    p++;
    const c = s[p];
    if ((c === '+' || c === '\\') && s[p + 1] === '-' && s[p + 2] === '[') {
      this.#cols.set(p, { kind: 'buses', parent: owner });
      this.#label(p + 2, owner);
      return;
    }
    if (owner === null) {
      if (c !== '[') this.#fail(p, 'expected a [domain:bus] label');
      this.#label(p, null);
      return;
    }
    if (!owner.buses) this.#fail(p, 'bridge without a bus range');
    this.#bus(p, {
      kind: 'bus',
      domain: owner.addr.domain,
      bus: owner.buses.secondary,
      parent: owner,
    });
  }

  /** `[dddd:bb]-` then the bus's devices. */
  #label(p: number, owner: TreeEntry | null): void {
    const s = this.#s;
    const close = s.indexOf(']', p);
    const colon = s.indexOf(':', p);
    if (s[p] !== '[' || close < 0 || colon < 0 || colon > close) this.#fail(p, 'bad bus label');
    const domain = hexOrNull(s.slice(p + 1, colon));
    const bus = hexOrNull(s.slice(colon + 1, close));
    if (domain === null || bus === null || bus > 0xff || close - colon !== 3) {
      this.#fail(p, 'bad bus label');
    }
    if (s[close + 1] !== '-') this.#fail(close + 1, "expected '-' after the bus label");
    if (owner === null) this.rootBuses.push({ domain, bus });
    this.#bus(close + 2, { kind: 'bus', domain, bus, parent: owner });
  }

  /** A bus: nothing (empty), `--dev` (one device) or `+-dev` (first of several). */
  #bus(p: number, ctx: Ctx & { kind: 'bus' }): void {
    const s = this.#s;
    if (p >= s.length) return;
    if (s[p] === '-' && s[p + 1] === '-') {
      this.#device(p + 2, ctx);
      return;
    }
    if ((s[p] === '+' || s[p] === '\\') && s[p + 1] === '-') {
      this.#cols.set(p, ctx);
      this.#device(p + 2, ctx);
      return;
    }
    this.#fail(p, 'expected a device');
  }

  /** `dd.f`, then either `-[ss-uu]-` and the bridge's subtree, or `  name [vvvv:dddd]`. */
  #device(p: number, ctx: Ctx & { kind: 'bus' }): void {
    const s = this.#s;
    const dev = hexOrNull(s.slice(p, p + 2));
    const fn = s.charCodeAt(p + 3) - 48;
    if (dev === null || dev > 0x1f || s[p + 2] !== '.' || fn < 0 || fn > 7) {
      this.#fail(p, 'expected a device.function');
    }
    const addr = { domain: ctx.domain, bus: ctx.bus, device: dev, fn };
    const key = formatBdf(addr);
    const before = this.#seen.get(key);
    if (before !== undefined) {
      throw new PeerdmaError(
        'E_TOPOLOGY',
        `lspci tree lists ${key} twice (lines ${before} and ${this.#line})`,
        { file: this.file, line: this.#line },
      );
    }
    this.#seen.set(key, this.#line);
    const entry: TreeEntry = {
      addr,
      file: this.file,
      parent: ctx.parent,
      line: this.#line,
      buses: null,
    };
    this.entries.push(entry);
    const q = p + 4;
    if (s[q] === '-' && s[q + 1] === '[') {
      const close = s.indexOf(']', q);
      if (close < 0) this.#fail(q, 'unclosed bus range');
      const range = s.slice(q + 2, close);
      const dash = range.indexOf('-');
      const secondary = hexOrNull(dash < 0 ? range : range.slice(0, dash));
      const subordinate = dash < 0 ? secondary : hexOrNull(range.slice(dash + 1));
      if (secondary === null || subordinate === null || secondary > 0xff || subordinate > 0xff) {
        this.#fail(q, 'bad bus range');
      }
      if (s[close + 1] !== '-') this.#fail(close + 1, "expected '-' after the bus range");
      entry.buses = { secondary, subordinate };
      this.#bridgeBody(close + 2, entry);
      return;
    }
    if (q >= s.length) return;
    if (s[q] !== ' ') this.#fail(q, 'unexpected text after the device');
    const name = s.slice(q).trim();
    const ids = trailingIds(name);
    if (ids) {
      entry.vendor = ids.a;
      entry.device = ids.b;
    }
    const description = ids ? ids.rest : name;
    if (description.length > 0) entry.description = description;
  }
}
