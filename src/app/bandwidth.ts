/**
 * `bandwidth`: predicted bandwidth and latency from the PCIe model (src/perf) — one pair (P2P as
 * the kernel allows it, and the bounce through host memory, each alone and optionally both
 * directions at once), a set of concurrent flows solved by max-min fair sharing, or the all-pairs
 * matrices laid out like p2pBandwidthLatencyTest. Also the bandwidth section of `report`.
 */
import { PeerdmaError } from '../errors/index.js';
import { matrixDevices } from '../p2pdma/matrix.js';
import { getRuleSet } from '../p2pdma/rulesets.js';
import type { DeviceCategory } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import type { PciFunction } from '../pci/types.js';
import { type FlowPair, parseFlows, parsePattern, patternFlows } from '../perf/flows.js';
import { type BandwidthMatrices, bandwidthMatrices } from '../perf/matrix.js';
import { type FlowMode, type FlowResult, type FlowSpec, PerfModel } from '../perf/model.js';
import type { P2pRequest } from './check.js';
import { type AppContext, loadMachine } from './context.js';
import { MATRIX_CLASSES } from './options.js';

export interface BandwidthRequest extends P2pRequest {
  readonly src?: string | undefined;
  readonly dst?: string | undefined;
  readonly bidir?: boolean | undefined;
  readonly flows?: string | undefined;
  readonly pattern?: string | undefined;
  readonly mode?: string | undefined;
  readonly op?: string | undefined;
  readonly all?: boolean | undefined;
  readonly classes?: string | undefined;
}

/** One pair: P2P (as the kernel allows) and bounce, each alone; with `bidir` both directions at once. */
export interface PairReport {
  readonly src: PciFunction;
  readonly dst: PciFunction;
  readonly p2p: FlowResult;
  readonly bounce: FlowResult;
  readonly bidir: {
    readonly p2p: readonly FlowResult[];
    readonly bounce: readonly FlowResult[];
  } | null;
}

export type BandwidthRecord =
  | { readonly kind: 'pair'; readonly model: PerfModel; readonly pair: PairReport }
  | { readonly kind: 'flows'; readonly model: PerfModel; readonly flows: readonly FlowResult[] }
  | { readonly kind: 'matrices'; readonly model: PerfModel; readonly matrices: BandwidthMatrices };

export function pairReport(
  model: PerfModel,
  src: PciFunction,
  dst: PciFunction,
  bidir: boolean,
): PairReport {
  const both = (mode: FlowMode): FlowSpec[] => [
    { src, dst, mode },
    { src: dst, dst: src, mode },
  ];
  return {
    src,
    dst,
    p2p: model.solve([{ src, dst, mode: 'p2p' }])[0]!,
    bounce: model.solve([{ src, dst, mode: 'bounce' }])[0]!,
    bidir: bidir ? { p2p: model.solve(both('p2p')), bounce: model.solve(both('bounce')) } : null,
  };
}

/** The matrices of `report`: the default device selection, posted writes, default rules. */
export function buildBandwidthMatrices(fabric: Fabric): BandwidthRecord {
  const model = new PerfModel(fabric);
  return { kind: 'matrices', model, matrices: bandwidthMatrices(model, matrixDevices(fabric)) };
}

interface Checked {
  readonly op: 'write' | 'read';
  readonly mode: FlowMode;
  readonly classes: DeviceCategory[] | undefined;
}

/** Option checks that need no machine (E_USAGE before loading anything). */
function check(req: BandwidthRequest): Checked {
  getRuleSet(req.rules);
  const op = req.op ?? 'write';
  if (op !== 'write' && op !== 'read')
    throw new PeerdmaError('E_USAGE', `unknown --op '${op}' (write or read)`);
  const mode = req.mode ?? 'p2p';
  if (mode !== 'p2p' && mode !== 'bounce' && mode !== 'p2p-hw')
    throw new PeerdmaError('E_USAGE', `unknown --mode '${mode}' (p2p, bounce or p2p-hw)`);
  if (req.flows !== undefined && req.pattern !== undefined)
    throw new PeerdmaError('E_USAGE', 'give --flows or --pattern, not both');
  if ((req.src === undefined) !== (req.dst === undefined))
    throw new PeerdmaError('E_USAGE', 'give both SRC and DST, or neither for the matrices');
  if (req.pattern !== undefined) parsePattern(req.pattern);
  const classes = req.classes
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  const bad = classes?.find((c) => !(MATRIX_CLASSES as readonly string[]).includes(c));
  if (bad !== undefined)
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --class '${bad}' (one of ${MATRIX_CLASSES.join(', ')})`,
    );
  return { op, mode, classes: classes as DeviceCategory[] | undefined };
}

/** Everything after loading, synchronous (tests and benches call it with a fabric). */
export function buildBandwidth(fabric: Fabric, req: BandwidthRequest): BandwidthRecord {
  const c = check(req);
  const model = new PerfModel(fabric, {
    ...(req.rules ? { ruleSet: req.rules } : {}),
    ...(req.kernelCmdline ? { cmdline: req.kernelCmdline } : {}),
    op: c.op,
  });
  const select = () =>
    matrixDevices(fabric, {
      ...(req.all ? { all: true } : {}),
      ...(c.classes ? { classes: c.classes } : {}),
    });
  if (req.flows !== undefined || req.pattern !== undefined) {
    const pairs: FlowPair[] =
      req.flows !== undefined
        ? parseFlows(fabric, req.flows)
        : patternFlows(parsePattern(req.pattern!), select());
    return {
      kind: 'flows',
      model,
      flows: model.solve(pairs.map(([src, dst]) => ({ src, dst, mode: c.mode }))),
    };
  }
  if (req.src !== undefined && req.dst !== undefined) {
    const src = fabric.resolve(req.src);
    const dst = fabric.resolve(req.dst);
    if (src === dst) throw new PeerdmaError('E_USAGE', 'SRC and DST are the same device');
    return { kind: 'pair', model, pair: pairReport(model, src, dst, req.bidir === true) };
  }
  const devices = select();
  if (devices.length < 2)
    throw new PeerdmaError(
      'E_USAGE',
      `need at least 2 devices for the matrices, found ${devices.length} (try --all or --class)`,
    );
  return { kind: 'matrices', model, matrices: bandwidthMatrices(model, devices) };
}

export async function bandwidth(req: BandwidthRequest, ctx: AppContext): Promise<BandwidthRecord> {
  check(req);
  const { fabric } = await loadMachine(ctx, req);
  return buildBandwidth(fabric, req);
}
