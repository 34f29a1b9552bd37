/**
 * Finding the PCI functions of a sysfs tree: `sys/bus/pci/devices/*` links resolved into
 * `sys/devices/…/pci<domain>:<bus>/<bdf>/<bdf>…`. A function's parent is the function directory
 * above it; one directly under `pciDDDD:BB` sits on that host bridge's root bus.
 */
import { PeerdmaError } from '../../errors/index.js';
import { type Bdf, type BdfParts, canonicalBdf, hexRun } from '../../pci/bdf.js';
import type { VirtualFs } from '../types.js';
import { canonicalPath, followTarget, joinPath, splitPath } from './paths.js';
import type { WarningSink } from './warnings.js';

export const HOST_BRIDGE_RE = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/;
const FULL_BDF_RE = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export interface FoundFunction {
  readonly bdf: Bdf;
  readonly addr: BdfParts;
  /** Canonical directory of the function inside the tree. */
  readonly path: string;
  /** `pciDDDD:BB` of the host bridge the function sits below. */
  readonly hostBridge: string;
  readonly parent: Bdf | null;
  readonly depth: number;
}

/** Where the sysfs root is: `` when `sys/` is at the top, else the one folder holding it. */
export function findRoot(vfs: VirtualFs, sink: WarningSink): string {
  if (vfs.kind('sys') === 'dir') return '';
  const top = (vfs.list('') ?? []).filter((n) => vfs.kind(joinPath(n, 'sys')) === 'dir');
  const first = top[0];
  if (first === undefined) {
    throw new PeerdmaError(
      'E_FORMAT_UNKNOWN',
      'not a sysfs capture: no sys/ directory at the top or one folder down',
      { file: vfs.label },
    );
  }
  if (top.length > 1) {
    sink.add(
      'sysfs-several-roots',
      `several machines in one tree (${top.join(', ')}); reading ${first}`,
    );
  }
  return first;
}

/**
 * Parse a function path (any spelling); null when it is not under a `pciDDDD:BB` directory. The
 * components are read in place (HOST_BRIDGE_RE and FULL_BDF_RE by character): one path per
 * function of a big tree, no array or string per component.
 */
export function placeFunction(path: string): FoundFunction | null {
  const p = canonicalPath(path);
  const n = p.length;
  // The last host bridge component.
  let hb = -1;
  let hbEnd = -1;
  for (let a = 0; a < n; ) {
    let e = p.indexOf('/', a);
    if (e < 0) e = n;
    if (isHostBridgeAt(p, a, e)) {
      hb = a;
      hbEnd = e;
    }
    a = e + 1;
  }
  if (hb < 0) return null;
  // The BDF components below it: how many, the last (the function) and the one before (its parent).
  let depth = 0;
  let last = -1;
  let lastEnd = -1;
  let prev = -1;
  let prevEnd = -1;
  let tail = -1; // start of the last component
  for (let a = hbEnd + 1; a < n; ) {
    let e = p.indexOf('/', a);
    if (e < 0) e = n;
    if (isBdfAt(p, a, e)) {
      depth++;
      prev = last;
      prevEnd = lastEnd;
      last = a;
      lastEnd = e;
    }
    tail = a;
    a = e + 1;
  }
  if (tail < 0 || last !== tail) return null;
  const self = canonicalBdf(p.slice(last, lastEnd));
  if (self === null) return null;
  const up = depth >= 2 ? canonicalBdf(p.slice(prev, prevEnd)) : null;
  return {
    bdf: self.bdf,
    addr: self.addr,
    path: p,
    hostBridge: p.slice(hb, hbEnd),
    parent: up === null ? null : up.bdf,
    depth,
  };
}

/** `s[a..e)` is lower-case hex digits only (at most 8 of them here, so the value is exact). */
const hexRunAt = (s: string, a: number, e: number): boolean => hexRun(s, a, e - a) >= 0;

/** `s[a..e)` matches HOST_BRIDGE_RE: `pci`, 4 to 8 hex digits, `:`, 2 hex digits. */
function isHostBridgeAt(s: string, a: number, e: number): boolean {
  const len = e - a;
  if (len < 10 || len > 14) return false;
  if (s.charCodeAt(a) !== 0x70 || s.charCodeAt(a + 1) !== 0x63 || s.charCodeAt(a + 2) !== 0x69)
    return false;
  return s.charCodeAt(e - 3) === 0x3a && hexRunAt(s, a + 3, e - 3) && hexRunAt(s, e - 2, e);
}

/** `s[a..e)` matches FULL_BDF_RE: 4 to 8 hex digits, `:`, 2, `:`, 2, `.`, a digit 0–7. */
function isBdfAt(s: string, a: number, e: number): boolean {
  const len = e - a;
  if (len < 12 || len > 16) return false;
  const fn = s.charCodeAt(e - 1);
  if (fn < 0x30 || fn > 0x37 || s.charCodeAt(e - 2) !== 0x2e) return false;
  if (s.charCodeAt(e - 5) !== 0x3a || s.charCodeAt(e - 8) !== 0x3a) return false;
  return hexRunAt(s, a, e - 8) && hexRunAt(s, e - 7, e - 5) && hexRunAt(s, e - 4, e - 2);
}

/**
 * Every PCI function of the tree, parents before children. Function directories found above a
 * listed function but missing from `bus/pci/devices` are added (with one warning).
 */
export function discoverFunctions(
  vfs: VirtualFs,
  root: string,
  sink: WarningSink,
): FoundFunction[] {
  const found = new Map<Bdf, FoundFunction>();
  const add = (f: FoundFunction, via: string) => {
    const had = found.get(f.bdf);
    if (had === undefined) found.set(f.bdf, f);
    else if (had.path !== f.path) {
      sink.add(
        'sysfs-duplicate-bdf',
        `${f.bdf} appears at ${had.path} and ${f.path}; keeping the first`,
        via,
      );
    }
  };
  const listDir = joinPath(root, 'sys/bus/pci/devices');
  const names = vfs.list(listDir);
  if (names === undefined) {
    sink.add('sysfs-no-bus-list', 'missing: walking sys/devices for PCI functions', listDir);
    walk(vfs, joinPath(root, 'sys/devices'), 0, (p) => {
      const f = placeFunction(p);
      if (f) add(f, p);
    });
  } else {
    // Every link read first, then every target looked at: lookups in one directory in a row.
    const links = names.map((name) => joinPath(listDir, name));
    const targets = links.map((link) => vfs.readlink(link));
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      const real = followTarget(vfs, link, targets[i]);
      if (real === undefined) {
        sink.count(
          'sysfs-dangling',
          'bus-link',
          'bus/pci/devices link leads nowhere; function skipped',
          link,
        );
        continue;
      }
      const f = placeFunction(real);
      if (f === null) {
        sink.count(
          'sysfs-unplaced',
          'bus-link',
          'function not below a pciDDDD:BB directory; skipped',
          real,
        );
        continue;
      }
      add(f, link);
    }
  }
  // Ancestors that the bus list left out.
  const listed = [...found.values()];
  for (let i = 0; i < listed.length; i++) {
    const f = listed[i]!;
    let p = f.path;
    let cur: FoundFunction | null = f;
    while (cur?.parent != null && !found.has(cur.parent)) {
      p = ancestorPath(p, cur.parent);
      const up = placeFunction(p);
      if (up === null) break;
      sink.count(
        'sysfs-unlisted-function',
        'ancestor',
        'function directory above a listed function is missing from sys/bus/pci/devices; read from its directory',
        p,
      );
      found.set(up.bdf, up);
      cur = up;
    }
  }
  return byDepthThenBdf(found);
}

/**
 * Shallowest first, then by BDF (BDFs are unique, so the order is total): a bucket per depth, each
 * sorted by BDF (often already in order: the bus list's, when every link is named for its function).
 */
function byDepthThenBdf(fns: ReadonlyMap<Bdf, FoundFunction>): FoundFunction[] {
  const buckets: FoundFunction[][] = [];
  fns.forEach((f) => {
    const b = buckets[f.depth];
    if (b === undefined) buckets[f.depth] = [f];
    else b.push(f);
  });
  const out: FoundFunction[] = [];
  for (const b of buckets) {
    if (b === undefined) continue;
    b.sort((x, y) => (x.bdf < y.bdf ? -1 : 1));
    for (let i = 0; i < b.length; i++) out.push(b[i]!);
  }
  return out;
}

function ancestorPath(path: string, bdf: string): string {
  const comps = splitPath(path);
  const i = comps.lastIndexOf(bdf);
  return comps.slice(0, i + 1).join('/');
}

/** Depth-first walk over host-bridge and function directories below `dir`. */
function walk(vfs: VirtualFs, dir: string, depth: number, visit: (p: string) => void): void {
  if (depth > 64) return;
  for (const n of vfs.list(dir) ?? []) {
    const p = joinPath(dir, n);
    if (vfs.kind(p) !== 'dir') continue;
    if (FULL_BDF_RE.test(n)) visit(p);
    if (FULL_BDF_RE.test(n) || HOST_BRIDGE_RE.test(n)) walk(vfs, p, depth + 1, visit);
  }
}

/** Host bridge directories directly under sys/devices (also those with no functions below). */
export function listHostBridges(vfs: VirtualFs, root: string): string[] {
  return (vfs.list(joinPath(root, 'sys/devices')) ?? []).filter((n) => HOST_BRIDGE_RE.test(n));
}
