/**
 * Flow sets for `peerdma bandwidth`: an explicit list (`gpu0>gpu1,gpu2>nic0`) or a pattern over the
 * selected devices. Bad input is a typed error naming the offending entry.
 */
import { PeerdmaError } from '../errors/index.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';

export type Pattern = 'pairs' | 'all-to-all' | 'ring' | 'one-to-all';
export const PATTERNS: readonly Pattern[] = ['pairs', 'all-to-all', 'ring', 'one-to-all'];

export type FlowPair = readonly [PciFunction, PciFunction];

/** `A>B,C>D`: each entry a source and a destination (BDF, BDF suffix or spec name). */
export function parseFlows(fabric: Fabric, text: string): FlowPair[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.length === 0 || entries.every((e) => e === ''))
    throw new PeerdmaError('E_USAGE', '--flows: empty list (expected SRC>DST[,SRC>DST…])');
  return entries.map((e, i) => {
    const m = /^([^<>\s]+)\s*>\s*([^<>\s]+)$/.exec(e);
    if (!m)
      throw new PeerdmaError(
        'E_USAGE',
        `--flows: entry ${i + 1} '${e}' is not SRC>DST (e.g. gpu0>gpu1)`,
      );
    const resolve = (q: string) => {
      try {
        return fabric.resolve(q);
      } catch (err) {
        if (err instanceof PeerdmaError)
          throw new PeerdmaError(err.code, `--flows: entry ${i + 1}: ${err.message}`);
        throw err;
      }
    };
    const src = resolve(m[1]!);
    const dst = resolve(m[2]!);
    if (src === dst)
      throw new PeerdmaError(
        'E_USAGE',
        `--flows: entry ${i + 1} '${e}' has the same source and destination`,
      );
    return [src, dst] as const;
  });
}

export function parsePattern(name: string): Pattern {
  if (!(PATTERNS as readonly string[]).includes(name))
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --pattern '${name}' (one of ${PATTERNS.join(', ')})`,
    );
  return name as Pattern;
}

/** The flows of a pattern over devices in order; at least two devices are needed. */
export function patternFlows(pattern: Pattern, devices: readonly PciFunction[]): FlowPair[] {
  if (devices.length < 2)
    throw new PeerdmaError(
      'E_USAGE',
      `--pattern ${pattern}: needs at least 2 eligible devices, found ${devices.length} (try --class or --all)`,
    );
  const d = devices;
  switch (pattern) {
    case 'pairs': {
      const out: FlowPair[] = [];
      for (let i = 0; i + 1 < d.length; i += 2) out.push([d[i]!, d[i + 1]!]);
      return out;
    }
    case 'ring':
      return d.map((x, i) => [x, d[(i + 1) % d.length]!] as const);
    case 'one-to-all':
      return d.slice(1).map((x) => [d[0]!, x] as const);
    case 'all-to-all':
      return d.flatMap((x) => d.filter((y) => y !== x).map((y) => [x, y] as const));
  }
}
