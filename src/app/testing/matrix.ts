/** Test-only: a random machine's matrix, with or without a what-if command line. */
import { randomFabric } from '../../p2pdma/testing/gen.js';
import type { Fabric } from '../../pci/fabric.js';
import { buildMatrix, type MatrixView } from '../matrix.js';

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
