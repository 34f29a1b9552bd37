/**
 * Test-only: a field-by-field diff of two Fabrics loaded from different formats of one machine.
 * Differences a format cannot express are declared as named skips (with a reason); every other
 * difference is returned, and `formatDiffs` renders them readably.
 */
import type { Fabric } from '../../pci/fabric.js';
import { isKnown, type Maybe, type PciFunction, UNKNOWN } from '../../pci/types.js';

/** Per-function fields, plus `present` (the BDF exists on one side only). */
export const FUNCTION_FIELDS = [
  'present',
  'kind',
  'parent',
  'upstream',
  'hostBridge',
  'vendor',
  'device',
  'classCode',
  'revision',
  'portType',
  'acs',
  'linkCap',
  'linkStatus',
  'numaNode',
  'iommuGroup',
  'driver',
  'physfn',
  'bars',
] as const;

/** Whole-fabric fields: host bridges and machine facts. */
export const FABRIC_FIELDS = [
  'hostBridge.present',
  'hostBridge.numaNode',
  'machine.cpu.vendor',
  'machine.cpu.family',
  'machine.cpu.model',
  'machine.iommu.enabled',
  'machine.numaNodes',
] as const;

export type Field = (typeof FUNCTION_FIELDS)[number] | (typeof FABRIC_FIELDS)[number];
/** A per-function fact compared between two functions at one BDF. */
export type FunctionField = Exclude<(typeof FUNCTION_FIELDS)[number], 'present'>;

export interface Difference {
  /** A BDF, a host bridge id, or `machine`. */
  readonly at: string;
  readonly field: Field;
  readonly a: unknown;
  readonly b: unknown;
}

/** A difference that is expected because one format cannot carry the fact. */
export interface Skip {
  /** Stable name, shown in reports and used to detect stale entries. */
  readonly name: string;
  readonly fields: readonly Field[];
  readonly reason: string;
  /** Only when this side's value is `unknown`/absent (the format did not carry it). Default: any value. */
  readonly unknownOn?: 'a' | 'b';
  /** Only differences at these BDFs / host bridge ids. Default: everywhere. */
  readonly at?: readonly string[];
  /** Only differences this predicate accepts (say why in `reason`). */
  readonly when?: (d: Difference) => boolean;
  /** Set when the difference is a loader bug (to be routed), not a format limit. */
  readonly knownBug?: string;
}

export interface Comparison {
  readonly diffs: readonly Difference[];
  /** How many differences each skip absorbed, by skip name (0 = the skip is stale). */
  readonly used: ReadonlyMap<string, number>;
}

/** Compare `a` with `b`; differences matching a skip are counted in `used`, the rest returned. */
export function compareFabrics(a: Fabric, b: Fabric, skips: readonly Skip[] = []): Comparison {
  const raw = [...functionDiffs(a, b), ...fabricDiffs(a, b)];
  const used = new Map<string, number>(skips.map((s) => [s.name, 0]));
  const diffs: Difference[] = [];
  for (const d of raw) {
    const skip = skips.find((s) => matches(s, d));
    if (skip) used.set(skip.name, (used.get(skip.name) ?? 0) + 1);
    else diffs.push(d);
  }
  return { diffs, used };
}

function matches(s: Skip, d: Difference): boolean {
  if (!s.fields.includes(d.field)) return false;
  if (s.at !== undefined && !s.at.includes(d.at)) return false;
  if (s.unknownOn !== undefined && !isMissing(s.unknownOn === 'a' ? d.a : d.b)) return false;
  return s.when === undefined || s.when(d);
}

const isMissing = (v: unknown): boolean =>
  v === UNKNOWN ||
  v === undefined ||
  (typeof v === 'object' && v !== null && 'state' in v && v.state === 'unknown');

/** The comparable value of each per-function field. Bigints become hex text. */
export function functionFacts(fabric: Fabric, f: PciFunction): Record<FunctionField, unknown> {
  const pcie = isKnown(f.pcie) && f.pcie !== null ? f.pcie : null;
  const fromPcie = <T>(pick: (p: NonNullable<typeof pcie>) => T): T | Maybe<never> | null =>
    pcie === null ? (f.pcie === null ? null : UNKNOWN) : pick(pcie);
  const acs = f.acs.state === 'unknown' ? { state: 'unknown' } : f.acs;
  return {
    kind: f.kind,
    parent: f.parent,
    upstream: upstreamOf(fabric, f),
    hostBridge: f.hostBridge,
    vendor: hex(f.vendor, 4),
    device: hex(f.device, 4),
    classCode: hex(f.classCode, 6),
    revision: hex(f.revision, 2),
    portType: fromPcie((p) => p.portType),
    acs,
    linkCap: fromPcie((p) => p.linkCap),
    linkStatus: fromPcie((p) => p.linkStatus),
    numaNode: f.numaNode,
    iommuGroup: f.iommuGroup,
    driver: f.driver,
    physfn: f.physfn,
    bars: f.bars.map(
      (b) => `${b.index}:${b.space}${b.prefetchable ? ',pf' : ''}:0x${b.size.toString(16)}`,
    ),
  };
}

const hex = (v: Maybe<number>, width: number): string =>
  isKnown(v) ? `0x${v.toString(16).padStart(width, '0')}` : v;

function upstreamOf(fabric: Fabric, f: PciFunction): string | null {
  try {
    return fabric.upstreamBridge(f)?.bdf ?? null;
  } catch {
    return `<dangling ${f.physfn ?? f.parent}>`;
  }
}

function functionDiffs(a: Fabric, b: Fabric): Difference[] {
  const out: Difference[] = [];
  const bdfs = [...new Set([...a.functions, ...b.functions].map((f) => f.bdf))].sort();
  for (const bdf of bdfs) {
    const fa = a.get(bdf);
    const fb = b.get(bdf);
    if (!fa || !fb) {
      out.push({ at: bdf, field: 'present', a: fa !== undefined, b: fb !== undefined });
      continue;
    }
    const va = functionFacts(a, fa);
    const vb = functionFacts(b, fb);
    for (const field of FUNCTION_FIELDS) {
      if (field === 'present') continue;
      if (!same(va[field], vb[field])) out.push({ at: bdf, field, a: va[field], b: vb[field] });
    }
  }
  return out;
}

function fabricDiffs(a: Fabric, b: Fabric): Difference[] {
  const out: Difference[] = [];
  const ids = [...new Set([...a.hostBridges, ...b.hostBridges].map((h) => h.id))].sort();
  for (const id of ids) {
    const ha = a.hostBridges.find((h) => h.id === id);
    const hb = b.hostBridges.find((h) => h.id === id);
    if (!ha || !hb)
      out.push({ at: id, field: 'hostBridge.present', a: ha !== undefined, b: hb !== undefined });
    else if (ha.numaNode !== hb.numaNode) {
      out.push({ at: id, field: 'hostBridge.numaNode', a: ha.numaNode, b: hb.numaNode });
    }
  }
  const ma = a.machine;
  const mb = b.machine;
  const machine: [Field, unknown, unknown][] = [
    ['machine.cpu.vendor', ma.cpu.vendor, mb.cpu.vendor],
    ['machine.cpu.family', ma.cpu.family, mb.cpu.family],
    ['machine.cpu.model', ma.cpu.model, mb.cpu.model],
    ['machine.iommu.enabled', ma.iommu.enabled, mb.iommu.enabled],
    ['machine.numaNodes', ma.numaNodes, mb.numaNodes],
  ];
  for (const [field, va, vb] of machine) {
    if (!same(va, vb)) out.push({ at: 'machine', field, a: va, b: vb });
  }
  return out;
}

function same(x: unknown, y: unknown): boolean {
  return show(x) === show(y);
}

/** Stable text of a value (object keys sorted, bigints as hex). */
export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `0x${x.toString(16)}`;
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x).sort(([p], [q]) => p.localeCompare(q)));
    }
    return x;
  });
}

/** One line per difference: `0000:01:00.0  vendor  sysfs="0x8086"  lspci="unknown"`. */
export function formatDiffs(
  diffs: readonly Difference[],
  names: readonly [string, string] = ['a', 'b'],
): string {
  return diffs
    .map(
      (d) =>
        `  ${d.at.padEnd(14)} ${d.field.padEnd(20)} ${names[0]}=${show(d.a)}  ${names[1]}=${show(d.b)}`,
    )
    .join('\n');
}
