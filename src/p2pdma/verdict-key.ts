/**
 * The verdict of a pair factored by upstream structure. `pairAnswer` (verdict.ts) walks both
 * upstream chains; what it reads there, and so everything it can say about the pair apart from the
 * pair's own two names, is:
 *   - the common upstream device (or none),
 *   - with one: the devices whose ACS redirect is on or unknown on the provider's side up to and
 *     including it and on the client's side below it, in the kernel's checking order (they make the
 *     ACS list, the missing facts, and whether the host-bridge rule is asked at all);
 *   - with none: the two host bridges (the allowlist, root-complex and CPU rules read only those
 *     and machine-wide facts; ACS is not consulted);
 *   - the devices on the route that the what-if command line changed (the `cmdline` finding).
 * `VerdictKeys.key` spells exactly that as a short string (a character per device, numbered as
 * met; an opaque map key, not for display), from chains built once per device, in O(chain length). Two pairs with one key get the same map type and the same findings once the
 * pair's own names are left out of `no_common_upstream` / `early_no_common_switch` (the distance
 * can differ: the chain lengths are not part of the key). The differential test
 * (verdict-key.test.ts) holds this against the per-pair walk on random fabrics.
 */
import type { Bdf } from '../pci/bdf.js';
import type { PciFunction } from '../pci/types.js';
import type { P2pEnv } from './env.js';
import type { IssueCode } from './types.js';

/** Finding codes whose subject is the pair itself (`[provider, client]`): the key leaves it out. */
export const PAIR_NAMED_CODES: ReadonlySet<IssueCode> = new Set([
  'no_common_upstream',
  'early_no_common_switch',
]);

export class VerdictKeys {
  readonly #env: P2pEnv;
  /** `[f, up(f), …, root-bus device]` per function, shared by reference with the parent's. */
  readonly #chains = new Map<PciFunction, readonly PciFunction[]>();
  /** `env.redirect(f)` per function, once asked. */
  readonly #redirects = new Map<PciFunction, boolean | 'unknown'>();
  /** A number per function met in a key (`#code`), from 0. */
  readonly #ids = new Map<PciFunction, number>();
  readonly #changed: ReadonlySet<string>;
  /** Host bridge → index (a number in the key of a pair sharing no upstream device). */
  readonly #hbIndex = new Map<string, number>();
  /** The character codes of the key being built (reused). */
  readonly #chars: number[] = [];
  // The last pair asked, its chains and where they met (indexes into each; -1: they do not).
  #a: PciFunction | null = null;
  #b: PciFunction | null = null;
  #ca: readonly PciFunction[] = [];
  #cb: readonly PciFunction[] = [];
  #mi = -1;
  #mj = -1;
  // The route of the last pair (#span): #ca[0, #left) up the provider's side, #cb[0, #right) on
  // the client's side (the whole chains when they do not meet).
  #left = 0;
  #right = 0;

  constructor(env: P2pEnv) {
    this.#env = env;
    this.#changed = env.changedByCmdline;
  }

  /** `fabric.upstreamChain(f)`, computed once per function. */
  chain(f: PciFunction): readonly PciFunction[] {
    let c = this.#chains.get(f);
    if (c === undefined) {
      const up = this.#env.up(f);
      c = up === null ? [f] : [f, ...this.chain(up)];
      this.#chains.set(f, c);
    }
    return c;
  }

  #redirect(f: PciFunction): boolean | 'unknown' {
    let r = this.#redirects.get(f);
    if (r === undefined) {
      r = this.#env.redirect(f);
      this.#redirects.set(f, r);
    }
    return r;
  }

  /** ACS redirect on or unknown (the walk asks about it). */
  #isAsked(f: PciFunction): boolean {
    return this.#redirect(f) !== false;
  }

  /** Set #ca/#cb to the chains of a and b and #mi/#mj to where they meet (once per pair in a row). */
  #meet(a: PciFunction, b: PciFunction): void {
    if (a === this.#a && b === this.#b) return;
    // Pairs come row by row (one provider, many clients): the provider's chain is often the last.
    const ca = a === this.#a ? this.#ca : this.chain(a);
    const cb = b === this.#b ? this.#cb : this.chain(b);
    let i = ca.length - 1;
    let j = cb.length - 1;
    if (ca[i] !== cb[j]) {
      i = -1;
      j = -1;
    } else {
      while (i > 0 && j > 0 && ca[i - 1] === cb[j - 1]) {
        i--;
        j--;
      }
    }
    this.#a = a;
    this.#b = b;
    this.#ca = ca;
    this.#cb = cb;
    this.#mi = i;
    this.#mj = j;
  }

  /** #meet, then #left/#right: the part of each chain on the route of (a, b). */
  #span(a: PciFunction, b: PciFunction): void {
    this.#meet(a, b);
    const mi = this.#mi;
    this.#left = mi < 0 ? this.#ca.length : mi + 1;
    this.#right = mi < 0 ? this.#cb.length : this.#mj;
  }

  /** `fabric.commonUpstream(a, b)` from the cached chains. */
  common(a: PciFunction, b: PciFunction): PciFunction | null {
    this.#meet(a, b);
    return this.#mi < 0 ? null : this.#ca[this.#mi]!;
  }

  /** Whether `fabric.path(a, b)` passes a device the what-if command line changed. */
  touchesChanged(a: PciFunction, b: PciFunction): boolean {
    if (this.#changed.size === 0) return false;
    this.#span(a, b);
    const ca = this.#ca;
    const cb = this.#cb;
    const left = this.#left;
    const right = this.#right;
    for (let p = 0; p < left; p++) if (this.#changed.has(ca[p]!.bdf)) return true;
    for (let q = 0; q < right; q++) if (this.#changed.has(cb[q]!.bdf)) return true;
    return false;
  }

  /**
   * The ACS list the walk of (provider a, client b) builds when every device it asks about is
   * sure (redirect on, not unknown): BDFs in the kernel's checking order (the provider's side up to
   * and including the common device, then the client's side from the client up). null when the two
   * share no upstream device or a device on the route has an unknown ACS state.
   */
  acsRoute(a: PciFunction, b: PciFunction): Bdf[] | null {
    this.#meet(a, b);
    if (this.#mi < 0) return null;
    const out: Bdf[] = [];
    for (let p = 0; p <= this.#mi; p++) {
      const r = this.#redirect(this.#ca[p]!);
      if (r === 'unknown') return null;
      if (r) out.push(this.#ca[p]!.bdf);
    }
    for (let q = 0; q < this.#mj; q++) {
      const r = this.#redirect(this.#cb[q]!);
      if (r === 'unknown') return null;
      if (r) out.push(this.#cb[q]!.bdf);
    }
    return out;
  }

  /** Everything the verdict of (provider a, client b) depends on beyond the pair's own names. */
  key(a: PciFunction, b: PciFunction): string {
    this.#span(a, b);
    const ca = this.#ca;
    const cb = this.#cb;
    const mi = this.#mi;
    const mj = this.#mj;
    // One character per device (#code) and a few separators, made into a string at the end: a
    // key is hashed and compared by the caller's map, so short and flat is fast.
    const k = this.#chars;
    k.length = 0;
    if (mi < 0) {
      k.push(0x4e);
      this.#number(this.#hostBridgeIndex(a.hostBridge));
      this.#number(this.#hostBridgeIndex(b.hostBridge));
    } else {
      k.push(0x43);
      this.#code(ca[mi]!);
      for (let p = 0; p <= mi; p++) if (this.#isAsked(ca[p]!)) this.#code(ca[p]!);
      k.push(0x2f);
      for (let q = 0; q < mj; q++) if (this.#isAsked(cb[q]!)) this.#code(cb[q]!);
    }
    if (this.#changed.size > 0) {
      // In route order: up the provider's side, then down the client's.
      const left = this.#left;
      const right = this.#right;
      k.push(0x7c);
      for (let p = 0; p < left; p++) if (this.#changed.has(ca[p]!.bdf)) this.#code(ca[p]!);
      for (let q = right - 1; q >= 0; q--) if (this.#changed.has(cb[q]!.bdf)) this.#code(cb[q]!);
    }
    return String.fromCharCode.apply(null, k);
  }

  /** Device f into the key being built, by its number (`#number`). */
  #code(f: PciFunction): void {
    let id = this.#ids.get(f);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(f, id);
    }
    this.#number(id);
  }

  /**
   * A number into the key being built: one character from U+0100 up (the separators `N`, `C`,
   * `/`, `|` are below), after a character below U+0020 saying which block of 0xfe00 numbers it is
   * in when beyond the first.
   */
  #number(id: number): void {
    const block = Math.floor(id / 0xfe00);
    if (block > 0) this.#chars.push(block);
    this.#chars.push(0x100 + (id % 0xfe00));
  }

  #hostBridgeIndex(hb: string): number {
    let i = this.#hbIndex.get(hb);
    if (i === undefined) {
      i = this.#hbIndex.size;
      this.#hbIndex.set(hb, i);
    }
    return i;
  }
}
