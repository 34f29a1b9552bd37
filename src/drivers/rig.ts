import type { PciFunction } from '../pci/types.js';
import { AccelDevice as Accel, type AccelDevice, type AccelOptions } from './accel/device.js';
import { hlExportAlignmentFor, hlExportFormFor } from './accel/uapi.js';
import { DmaPort } from './dma-port.js';
import type { DriverEnv } from './env.js';
import { GpuDevice } from './gpu/bo.js';
import { NvmeController } from './nvme/controller.js';
import { RdmaNic } from './rdma/nic.js';

/**
 * The devices of one scenario on one DriverEnv: each claims its BARs in the physical map and gets
 * a DMA port through its IOMMU translation. `leftovers()` lists driver state that teardown must
 * have returned (allocations, exports, MRs, BOs, pages), for the pristine check.
 */
export class DriverRig {
  readonly env: DriverEnv;
  readonly accels: AccelDevice[] = [];
  readonly nics: { readonly fn: PciFunction; readonly nic: RdmaNic }[] = [];
  readonly nvmes: { readonly fn: PciFunction; readonly ctrl: NvmeController }[] = [];
  readonly gpus: GpuDevice[] = [];

  constructor(env: DriverEnv) {
    this.env = env;
  }

  port(fn: PciFunction): DmaPort {
    return new DmaPort(fn.name ?? fn.bdf, this.env.bus, this.env.translation(fn));
  }

  /** An accelerator whose EXPORT_DMABUF_FD is the one of the Kernel's rule set (unless given). */
  addAccel(fn: PciFunction, opts: AccelOptions = {}): AccelDevice {
    const a = new Accel(fn, {
      exportForm: hlExportFormFor(this.env.version),
      exportAlignment: hlExportAlignmentFor(this.env.version),
      ...opts,
    });
    a.attachToBus(this.env.bus);
    this.accels.push(a);
    return a;
  }

  addNic(fn: PciFunction, opts: { odp?: boolean } = {}): RdmaNic {
    const nic = new RdmaNic(fn.name ?? fn.bdf, this.port(fn), opts);
    this.nics.push({ fn, nic });
    return nic;
  }

  addNvme(fn: PciFunction): NvmeController {
    const ctrl = new NvmeController(fn.name ?? fn.bdf, this.port(fn));
    ctrl.addNamespace(1, 4096, 1n << 20n);
    this.nvmes.push({ fn, ctrl });
    return ctrl;
  }

  addGpu(fn: PciFunction): GpuDevice {
    const g = new GpuDevice(fn, this.env.ram);
    g.attachToBus(this.env.bus);
    this.gpus.push(g);
    return g;
  }

  leftovers(): string[] {
    const out: string[] = [];
    for (const a of this.accels) {
      if (a.liveAllocations) out.push(`${a.name}: ${a.liveAllocations} device-memory allocations`);
      if (a.vm.size) out.push(`${a.name}: ${a.vm.size} device-VA mappings`);
      if (a.dmabufExportCnt) out.push(`${a.name}: dmabuf_export_cnt ${a.dmabufExportCnt}`);
    }
    for (const { nic } of this.nics) if (nic.liveMrs) out.push(`${nic.name}: ${nic.liveMrs} MRs`);
    for (const g of this.gpus) if (g.liveBos) out.push(`${g.name}: ${g.liveBos} buffer objects`);
    if (this.env.ram.usedPages) out.push(`system RAM: ${this.env.ram.usedPages} pages allocated`);
    return out;
  }
}
