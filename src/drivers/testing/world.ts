/**
 * A driver test world over the dma-buf core with hand-made Kernel parts: the fence system, identity DMA mapping with call counters, and a P2P distance from a callback. Test-only;
 * the real wiring is `fromKernel()`.
 */

import { SimClock } from '../../core/clock.js';
import { ViolationLog } from '../../core/violations.js';
import { DmaBufCore } from '../../dmabuf/core.js';
import { dmabufRulesFor } from '../../dmabuf/rules.js';
import { type DmaDevice, pciDevice } from '../../dmabuf/types.js';
import { FenceSystem } from '../../fence/system.js';
import type { Fabric } from '../../pci/fabric.js';
import type { PciFunction } from '../../pci/types.js';
import { FileTable } from '../../proc/files.js';
import { ProcessTable } from '../../proc/procs.js';
import { PhysAddressSpace } from '../bus.js';
import { identityTranslation } from '../dma-port.js';
import type { DriverEnv } from '../env.js';
import { HostRam } from '../host-ram.js';
import { identityMapper } from '../mappers.js';

export interface StubWorld {
  readonly env: DriverEnv;
  readonly procs: ProcessTable;
  readonly files: FileTable;
  readonly violations: ViolationLog;
}

export function stubWorld(
  _fabric: Fabric,
  opts: { distance?: (p: PciFunction, c: PciFunction) => number; moveNotify?: boolean } = {},
): StubWorld {
  const violations = new ViolationLog();
  const files = new FileTable(violations);
  const procs = new ProcessTable(files, 4096);
  const core = new DmaBufCore({
    rules: dmabufRulesFor('linux-6.19', [6, 19]),
    config: {
      moveNotify: opts.moveNotify ?? false,
      dmabufDebug: false,
      dmaApiDebug: false,
      checks: true,
    },
    violations,
    files,
    fences: new FenceSystem({ clock: new SimClock(), log: violations }),
    pageSize: 4096,
    printk: () => {},
  });
  const bus = new PhysAddressSpace();
  const ram = new HostRam(0x1_0000_0000n, 256n * 1024n * 1024n);
  ram.attachToBus(bus);
  const mapper = identityMapper();
  const env: DriverEnv = {
    core,
    bus,
    ram,
    mapper,
    p2pDistance: (p, c) => opts.distance?.(p, c) ?? 0,
    translation: () => identityTranslation,
    dmaDevice: (fn): DmaDevice => pciDevice(fn, { maxSegSize: 1n << 31n }),
    moveNotify: opts.moveNotify ?? false,
    findings: [],
  };
  return { env, procs, files, violations };
}
