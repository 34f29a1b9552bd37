/** Test-only: a random machine's matrix, with or without a what-if command line. */
import { randomFabric } from '../../p2pdma/testing/gen.js';
import type { Fabric } from '../../pci/fabric.js';
import { buildMatrix, GroupRows, type MatrixView } from '../matrix.js';

export interface RandomMatrix {
  readonly fabric: Fabric;
  readonly cmdline: string | undefined;
  readonly view: MatrixView;
}

/**
 * Every non-bridge function of `randomFabric(seed)` under `rules`; `withCmdline` disables ACS
 * redirect on the first two bridges with `pci=disable_acs_redir=`.
 */
export function randomMatrix(
  seed: number,
  rules: string,
  unknowns: boolean,
  withCmdline: boolean,
): RandomMatrix {
  const fabric = randomFabric(seed, { unknowns });
  const bridges = fabric.functions.filter((x) => fabric.isBridge(x)).map((x) => x.bdf);
  const cmdline = withCmdline
    ? `pci=disable_acs_redir=${bridges.slice(0, 2).join(';')}`
    : undefined;
  return { fabric, cmdline, view: buildMatrix(fabric, rules, cmdline, { all: true }) };
}

/** Group rows from whole G×G tables of classes and finding lists, row-major. */
export function groupRowsFromTables(
  groups: number,
  cls: Int8Array,
  lists: Int16Array | Int32Array,
): GroupRows {
  const t = new GroupRows(groups);
  for (let g = 0; g < groups; g++) {
    for (let h = 0; h < groups; h++) t.extend(h + 1, cls[g * groups + h]!, lists[g * groups + h]!);
    t.endRow();
  }
  return t;
}
