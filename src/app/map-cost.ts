/**
 * `map-cost`: the mapping strategies' cost ledgers for one provider/client pair of a machine. Picks
 * the pair, the IOMMU mode and the importer's segment limit (each with where it came from), runs the
 * closed-form ledgers of src/dma over the export, the founding cases and a size sweep, and draws
 * the conclusions as findings.
 */
import {
  type Calibration,
  type CalibrationKey,
  type CaseCost,
  type CompareEnv,
  costCase,
  DEFAULT_CALIBRATION,
  DEFAULT_MAX_SEG_SIZE,
  DRIVER_MAX_SEG_SIZE,
  formatSegLimit,
  type MapType,
  parseCalibrationText,
  parseChunkSpec,
  parseSize,
  STRATEGY_NAMES,
  type StrategyName,
  sweepSizes,
  type WinnerRun,
  winnerRuns,
} from '../dma/index.js';
import { PeerdmaError } from '../errors/index.js';
import { machineIommuMode } from '../iommu/machine-mode.js';
import type { IommuMode } from '../iommu/types.js';
import { P2pdma } from '../p2pdma/index.js';
import { categoryOf } from '../pci/classes.js';
import type { Fabric } from '../pci/fabric.js';
import { isKnown, type PciFunction } from '../pci/types.js';
import { maxBig } from '../util/bigint.js';
import { type AppContext, loadMachine, need, type SourceRequest } from './context.js';
import type { Finding, MapCostCode } from './findings.js';
import { mapCostFindings } from './map-cost-findings.js';
import { iommuMode } from './options.js';

export interface MapCostOptions {
  readonly provider?: string;
  readonly client?: string;
  /** Export size (default 64 GiB). */
  readonly size?: bigint;
  /** `--chunk` spec (default 2MiB). */
  readonly chunk?: string;
  /** Default: from the machine's IOMMU facts. */
  readonly iommu?: IommuMode;
  readonly strategies?: readonly StrategyName[];
  /** Importer's max segment size; default from its driver (mlx5 2 GiB) or the kernel's 64 KiB. */
  readonly maxSegSize?: bigint;
  readonly calibration?: Calibration;
  readonly calibrationFile?: string;
  readonly overridden?: readonly CalibrationKey[];
}

export interface MapCostReport {
  readonly machine: string;
  readonly provider: PciFunction;
  readonly client: PciFunction;
  readonly mapType: MapType;
  readonly mapTypeNote: string;
  readonly mode: IommuMode;
  readonly modeSource: string;
  readonly maxSegSize: bigint;
  readonly maxSegSource: string;
  readonly main: CaseCost;
  readonly founding: readonly CaseCost[];
  readonly sweep: readonly CaseCost[];
  /** The sweep cut into runs of the same cheapest strategy; each boundary is a crossover. */
  readonly runs: readonly WinnerRun[];
  /** The conclusions drawn from the numbers, in reading order (worded by src/report/findings.ts). */
  readonly conclusion: readonly Finding<MapCostCode>[];
  readonly calibrationFile: string | null;
  readonly overridden: readonly CalibrationKey[];
}

const label = (f: PciFunction) => (f.name ? `${f.name} (${f.bdf})` : f.bdf);
const endpoint = (f: PciFunction) => f.kind === 'endpoint' || f.kind === 'rc-integrated-endpoint';
const largestBar = (f: PciFunction) =>
  f.bars.filter((b) => b.space === 'mem').reduce((a, b) => maxBig(a, b.size), 0n);

/** Default pair: the first accelerator (else GPU, NVMe) with a BAR, and the NIC closest to it. */
export function pickPair(
  fabric: Fabric,
  provider?: string,
  client?: string,
): [PciFunction, PciFunction] {
  const byCat = (cats: string[]) =>
    cats.flatMap((c) =>
      fabric.functions.filter((f) => endpoint(f) && categoryOf(f) === c && largestBar(f) > 0n),
    );
  const p = provider !== undefined ? fabric.resolve(provider) : byCat(['accel', 'gpu', 'nvme'])[0];
  if (p === undefined)
    throw new PeerdmaError(
      'E_NOT_FOUND',
      'no accelerator, GPU or NVMe device with a memory BAR; name one with --provider',
    );
  if (largestBar(p) === 0n)
    throw new PeerdmaError('E_USAGE', `--provider ${label(p)} has no memory BAR to export`);
  if (client !== undefined) return [p, fabric.resolve(client)];
  const nics = fabric.functions.filter((f) => endpoint(f) && categoryOf(f) === 'nic' && f !== p);
  const others = fabric.functions.filter(
    (f) => endpoint(f) && f !== p && categoryOf(f) !== 'bridge',
  );
  const pool = nics.length > 0 ? nics : others;
  const c = [...pool].sort((a, b) => fabric.path(p, a).length - fabric.path(p, b).length)[0];
  if (c === undefined)
    throw new PeerdmaError('E_NOT_FOUND', 'no client device; name one with --client');
  return [p, c];
}

/** The IOMMU mode the machine runs, and where that came from. */
export function machineMode(fabric: Fabric): [IommuMode, string] {
  const m = machineIommuMode(fabric);
  return [m.mode, m.source];
}

function pairMapType(fabric: Fabric, p: PciFunction, c: PciFunction): [MapType, string] {
  const p2p = new P2pdma(fabric);
  p2p.addProvider(p);
  const v = p2p.verdict(p, c);
  if (v.mapType !== 'uncertain') return [v.mapType, `p2pdma (${v.ruleSet ?? 'default rules'})`];
  return ['UNKNOWN', `undecided: one of ${v.possible.join(', ')} (missing: ${v.missing.fact})`];
}

/** The cost comparison for a loaded machine. */
export function buildMapCost(fabric: Fabric, opts: MapCostOptions = {}): MapCostReport {
  const [provider, client] = pickPair(fabric, opts.provider, opts.client);
  const [mapType, mapTypeNote] = pairMapType(fabric, provider, client);
  const [mode, modeSource] =
    opts.iommu !== undefined ? [opts.iommu, '--iommu'] : machineMode(fabric);
  const drv = client.driver !== null && isKnown(client.driver) ? client.driver : null;
  const known = drv !== null ? DRIVER_MAX_SEG_SIZE[drv] : undefined;
  const [maxSegSize, maxSegSource] =
    opts.maxSegSize !== undefined
      ? [opts.maxSegSize, '--max-seg']
      : known !== undefined
        ? [known, `${drv} sets ${formatSegLimit(known)}`]
        : [DEFAULT_MAX_SEG_SIZE, `kernel default (driver ${drv ?? 'unknown'} sets none known)`];
  const env: CompareEnv = {
    mode,
    mapType,
    maxSegSize,
    calibration: opts.calibration ?? DEFAULT_CALIBRATION,
  };
  const strategies = opts.strategies ?? STRATEGY_NAMES;
  const size = opts.size ?? 64n << 30n;
  const chunk = opts.chunk ?? '2MiB';
  const main = costCase(strategies, size, chunk, env);
  const founding = [
    costCase(strategies, size, '2MiB', env),
    costCase(strategies, 4096n, '4KiB', env),
  ];
  const sweep = sweepSizes(chunk, size).map((s) => costCase(strategies, s, chunk, env));
  return {
    machine: fabric.machine.name ?? fabric.machine.source,
    provider,
    client,
    mapType,
    mapTypeNote,
    mode,
    modeSource,
    maxSegSize,
    maxSegSource,
    main,
    founding,
    sweep,
    runs: winnerRuns(sweep),
    conclusion: mapCostFindings(main, sweep, founding, env),
    calibrationFile: opts.calibrationFile ?? null,
    overridden: opts.overridden ?? [],
  };
}

/** `map-cost` as a shell asks for it: every option as text, checked before the machine loads. */
export interface MapCostRequest extends SourceRequest {
  readonly size?: string | undefined;
  readonly chunk?: string | undefined;
  readonly iommu?: string | undefined;
  /** `all` or a comma list of strategy names. */
  readonly strategy?: string | undefined;
  readonly provider?: string | undefined;
  readonly client?: string | undefined;
  readonly maxSeg?: string | undefined;
  /** A JSON/YAML file overriding calibration rows. */
  readonly calibration?: string | undefined;
}

function parseStrategies(s: string | undefined): StrategyName[] | undefined {
  if (s === undefined || s === 'all') return undefined;
  const list = s.split(',').map((x) => x.trim());
  const bad = list.find((x) => !(STRATEGY_NAMES as readonly string[]).includes(x));
  if (bad !== undefined) {
    throw new PeerdmaError(
      'E_USAGE',
      `unknown --strategy '${bad}' (all, or a list of ${STRATEGY_NAMES.join(', ')})`,
    );
  }
  return list as StrategyName[];
}

/** Check the options (E_USAGE naming the bad one), load the machine, compare the strategies. */
export async function mapCost(req: MapCostRequest, ctx: AppContext): Promise<MapCostReport> {
  const mode = iommuMode(req.iommu);
  const size = req.size === undefined ? undefined : parseSize(req.size, '--size');
  if (size !== undefined && size <= 0n)
    throw new PeerdmaError('E_USAGE', '--size must be positive');
  const chunk = req.chunk ?? '2MiB';
  parseChunkSpec(chunk, size ?? 64n << 30n); // validate early, before loading
  const maxSeg = req.maxSeg === undefined ? undefined : parseSize(req.maxSeg, '--max-seg');
  if (maxSeg !== undefined && maxSeg < 4096n) {
    throw new PeerdmaError(
      'E_USAGE',
      '--max-seg must be at least 4KiB (habanalabs refuses smaller with -EINVAL)',
    );
  }
  const file = req.calibration;
  const cal =
    file === undefined
      ? undefined
      : parseCalibrationText(await need(ctx, 'readText')(file, 'calibration file'), file);
  const strategies = parseStrategies(req.strategy);
  const { fabric } = await loadMachine(ctx, req);
  return buildMapCost(fabric, {
    ...(req.provider !== undefined ? { provider: req.provider } : {}),
    ...(req.client !== undefined ? { client: req.client } : {}),
    ...(size !== undefined ? { size } : {}),
    chunk,
    ...(mode !== undefined ? { iommu: mode } : {}),
    ...(strategies !== undefined ? { strategies } : {}),
    ...(maxSeg !== undefined ? { maxSegSize: maxSeg } : {}),
    ...(cal !== undefined && file !== undefined
      ? { calibration: cal.calibration, calibrationFile: file, overridden: cal.overridden }
      : {}),
  });
}
