/** Shared test setup: a Kernel on the switch fabric with a process and two importer devices. */

import { switchFabric } from '../../pci/testing/fabrics.js';
import { Kernel, type KernelOptions } from '../kernel.js';

export function testKernel(opts: KernelOptions = {}) {
  const k = new Kernel({ fabric: switchFabric(), ...opts });
  const proc = k.spawn('app');
  const nic = k.pciDevice('nic0');
  const gpu = k.pciDevice('gpu0');
  return { k, proc, nic, gpu };
}

/** Rules that appear in the violation log, in order. */
export const rules = (k: Kernel): string[] => k.violations.all.map((v) => v.rule);
