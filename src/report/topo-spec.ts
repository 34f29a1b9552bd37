/**
 * `peerdma topo --spec`: the machine as a YAML spec. Apart from `report/topo.ts` so that the tree
 * and the JSON document load neither the YAML library nor the spec writer.
 */
import { fabricToSpec, specToYaml } from '../ingest/spec/write.js';
import type { Fabric } from '../pci/fabric.js';

/** The machine as a YAML spec (docs/spec-format.md), to edit and load again with --from. */
export function topoSpec(fabric: Fabric): string {
  return specToYaml(fabricToSpec(fabric));
}

/** The same spec as plain data (JSON-safe: 64-bit values are hex strings), for `peerdma serve`. */
export function topoSpecValue(fabric: Fabric): object {
  return fabricToSpec(fabric);
}
