import { type KResult, unwrap } from '../core/errno.js';
import { fenceLine } from '../dmabuf/bufinfo.js';
import type { DmaBuf } from '../dmabuf/objects.js';
import { SZ_2M } from '../drivers/accel/allocator.js';
import type { AccelDevice } from '../drivers/accel/device.js';
import { accelExportSink } from '../drivers/accel/exporter.js';
import { HL_MEM_OP, O_CLOEXEC, O_RDWR } from '../drivers/accel/uapi.js';
import type { DriverFinding } from '../drivers/env.js';
import { type DmabufMrMode, regDmabufMr } from '../drivers/rdma/dmabuf-mr.js';
import { IBV_ACCESS } from '../drivers/rdma/verbs.js';
import { DMA_RESV_USAGE, MAX_SCHEDULE_TIMEOUT } from '../fence/types.js';
import type { Fabric } from '../pci/fabric.js';
import { renderRoute, routeOf } from './route.js';
import {
  iommuModeAssumed,
  makeWorld,
  type PairCandidate,
  pickPair,
  type ScenarioOptions,
  type ScenarioWorld,
  settle,
} from './world.js';

/**
 * The founding scenario (spec §0.3, §6.8.1): an accelerator exports device memory as a dma-buf,
 * the fd travels to another process, an RDMA NIC registers it (attach → map), the NIC writes bytes
 * into it, the accelerator reads them back from its HBM, and everything is torn down to a pristine
 * Kernel. Every step records its route, map type, mapping cost so far and the buffer's fences.
 */
export interface FoundingOptions extends ScenarioOptions {
  readonly mode?: DmabufMrMode;
  readonly message?: string;
  /** Bytes exported (default 4 MiB = two 2 MiB device pages). */
  readonly size?: bigint;
}

export interface DemoStep {
  readonly n: number;
  readonly name: string;
  readonly detail: string;
  readonly ok: boolean;
  readonly errno?: string;
  /** Where the importer's DMA goes at this step (`none: …` before the map and after teardown). */
  readonly route: string;
  /** The pair's P2PDMA map type (the verdict the attach and the map act on). */
  readonly mapType: string;
  /** DMA-API calls made by the drivers so far, and their estimated CPU cost (ns). */
  readonly dmaCalls: number;
  readonly cpuNs: number;
  readonly fences: readonly string[];
}

export interface DemoPair {
  readonly accel: string;
  readonly nic: string;
  readonly accelBdf: string;
  readonly nicBdf: string;
  readonly mapType: string;
  readonly distance: number | null;
  readonly issues: readonly string[];
}

export interface DemoResult {
  readonly schemaVersion: 1;
  readonly machine: string;
  readonly ruleSet: string;
  /** The P2PDMA rule set the verdicts used (the newest not newer than `ruleSet`). */
  readonly p2pRuleSet: string;
  readonly iommu: string;
  /** The capture did not say whether DMA remapping is on; `iommu` is an assumption. */
  readonly iommuAssumed: boolean;
  readonly strategy: string;
  readonly mrMode: DmabufMrMode;
  readonly pair: DemoPair | null;
  /** Why no pair was usable (candidates with their verdicts), when `pair` is null. */
  readonly noPair: { readonly reason: string; readonly candidates: readonly DemoPair[] } | null;
  readonly steps: readonly DemoStep[];
  readonly verified: boolean;
  readonly findings: readonly DriverFinding[];
  readonly kernelLog: readonly string[];
  /** WARN-class violations recorded during the run (`KIND rule: message`); empty when clean. */
  readonly violations: readonly string[];
  readonly pristine: readonly string[];
}

const pairOf = (c: PairCandidate): DemoPair => ({
  accel: c.accel.name ?? c.accel.bdf,
  nic: c.nic.name ?? c.nic.bdf,
  accelBdf: c.accel.bdf,
  nicBdf: c.nic.bdf,
  mapType: c.mapType,
  distance: c.distance,
  issues: c.issues,
});

export function runFounding(fabric: Fabric, opts: FoundingOptions = {}): DemoResult {
  const w = makeWorld(fabric, opts);
  const mode = opts.mode ?? 'dynamic';
  const base = {
    schemaVersion: 1 as const,
    machine: fabric.machine.name ?? fabric.machine.source,
    ruleSet: w.k.ruleSet,
    p2pRuleSet: w.k.p2pdma.ruleSet.name,
    iommu: w.k.iommu.mode,
    iommuAssumed: opts.iommu === undefined && iommuModeAssumed(fabric),
    strategy: w.env.mapper.strategy,
    mrMode: mode,
  };
  const choice = pickPair(w);
  if (!choice.ok) {
    return {
      ...base,
      pair: null,
      noPair: { reason: choice.reason, candidates: choice.candidates.map(pairOf) },
      steps: [],
      verified: false,
      findings: [
        {
          code: 'no_p2p_pair',
          path: [],
          evidence: { reason: choice.reason, candidates: choice.candidates.length },
          hint: choice.candidates.length ? "see `peerdma check` for each pair's verdict" : null,
        },
      ],
      kernelLog: [],
      violations: [],
      pristine: w.k.checkPristine(),
    };
  }
  const steps: DemoStep[] = [];
  const run = new Steps(w, steps, choice.pair.mapType);
  const verified = foundingSteps(w, run, choice.pair, opts, mode);
  return {
    ...base,
    pair: pairOf(choice.pair),
    noPair: null,
    steps,
    verified,
    findings: w.env.findings,
    kernelLog: w.k.log.map((l) => `${l.level}: ${l.text}`),
    violations: w.k.violations.all.map((v) => `${v.kind} ${v.rule}: ${v.message}`),
    pristine: w.k.checkPristine(),
  };
}

class Steps {
  buf: DmaBuf | null = null;
  /** Where the importer's DMA goes (set once the buffer is mapped for it). */
  route = 'none: not mapped for the importer yet';
  constructor(
    readonly w: ScenarioWorld,
    readonly out: DemoStep[],
    readonly mapType: string,
  ) {}

  /** Record a step; `costs` limits the cost tally to the first n map/unmap operations. */
  add(name: string, r: KResult<string>, costs?: number): boolean {
    const all = this.w.env.mapper.costs;
    const done = costs === undefined ? all : all.slice(0, costs);
    const dmaCalls = done.reduce(
      (s, c) => s + Object.values(c.calls).reduce((a, b) => a + b, 0),
      0,
    );
    const cpuNs = Math.round(done.reduce((s, c) => s + c.cpuNs, 0));
    const b = this.buf;
    const fences = b && !b.released ? this.w.k.dmabuf.withLock(b, () => describeFences(b)) : [];
    this.out.push({
      n: this.out.length + 1,
      name,
      detail: r.ok ? r.value : r.message,
      ok: r.ok,
      ...(r.ok ? {} : { errno: r.errno }),
      route: this.route,
      mapType: this.mapType,
      dmaCalls,
      cpuNs,
      fences,
    });
    return r.ok;
  }
}

/** The buffer's fences as debugfs bufinfo prints them (caller holds the reservation lock). */
const describeFences = (b: DmaBuf): string[] => b.resv.describe().map(fenceLine);

function foundingSteps(
  w: ScenarioWorld,
  s: Steps,
  pair: PairCandidate,
  opts: FoundingOptions,
  mode: DmabufMrMode,
): boolean {
  const { k, env, rig } = w;
  const size = opts.size ?? 2n * SZ_2M;
  const accel: AccelDevice = rig.addAccel(pair.accel);
  const nic = rig.addNic(pair.nic);
  const trainer = k.spawn('trainer');
  const app = k.spawn('rdma-app');
  const sink = accelExportSink(env, trainer);
  const aName = accel.name;
  // 1. allocate + map device memory, export it as a dma-buf fd.
  const h = accel.memIoctl({ op: HL_MEM_OP.ALLOC, size, flags: 0 }, sink);
  if (
    !s.add(
      'alloc',
      h.ok
        ? { ok: true, value: `${aName}: HL_MEM_OP_ALLOC ${size} bytes → handle ${h.value.handle}` }
        : h,
    )
  )
    return false;
  const handle = h.ok ? h.value.handle! : 0n;
  const va = unwrap(accel.memIoctl({ op: HL_MEM_OP.MAP, handle, flags: 0 }, sink)).deviceVirtAddr!;
  const ex = accel.memIoctl(
    {
      op: HL_MEM_OP.EXPORT_DMABUF_FD,
      addr: va,
      memSize: size,
      offset: 0n,
      flags: O_RDWR | O_CLOEXEC,
    },
    sink,
  );
  const fd = ex.ok ? ex.value.fd! : -1;
  if (ex.ok) s.buf = unwrap(env.core.get(trainer, fd));
  if (s.buf) {
    // Scenario assumption (not habanalabs behaviour: its exporter adds no fences): a compute job
    // still initialising the buffer holds a WRITE fence in its reservation object, signalled 50 µs
    // later, so the importer's implicit-sync wait has something to wait for.
    const f = k.fences.createFence(
      { driverName: 'habanalabs', timelineName: `${aName}-cs` },
      k.fenceContextAlloc(1),
      1n,
    );
    k.dmabuf.withLock(s.buf, () => {
      unwrap(s.buf!.resv.reserveFences(1));
      s.buf!.resv.addFence(f, DMA_RESV_USAGE.WRITE);
    });
    f.signalAt(k.clock.now + 50_000n);
    f.put();
    env.core.put(s.buf);
  }
  if (
    !s.add(
      'export',
      ex.ok
        ? {
            ok: true,
            value: `HL_MEM_OP_EXPORT_DMABUF_FD va 0x${va.toString(16)} → ${trainer.name}[${trainer.pid}] fd ${fd} (dma-buf ino ${s.buf?.ino}, exporter habanalabs); a compute job still writing holds a WRITE fence`,
          }
        : ex,
    )
  )
    return false;
  // 2. pass the fd to another process.
  const pfd = k.procs.passFd(trainer, fd, app);
  if (
    !s.add(
      'pass-fd',
      pfd.ok
        ? {
            ok: true,
            value: `SCM_RIGHTS ${trainer.name}[${trainer.pid}] fd ${fd} → ${app.name}[${app.pid}] fd ${pfd.value}`,
          }
        : pfd,
    )
  )
    return false;
  const appFd = pfd.ok ? pfd.value : -1;
  // 3. RDMA import: ibv_reg_dmabuf_mr attaches (dynamic importer ops, peer2peer from the verdict)
  // and maps the attachment for the NIC in the same call; shown as two steps.
  const pd = nic.allocPd();
  const access = IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE | IBV_ACCESS.REMOTE_READ;
  const costsBefore = env.mapper.costs.length;
  const reg = regDmabufMr(
    env,
    nic,
    pair.nic,
    app,
    pd,
    { offset: 0n, length: size, iova: 0n, fd: appFd, access },
    mode,
  );
  const sgt = reg.ok ? reg.value.umem.sgt : null;
  const busAddr = sgt?.dma[0]?.busAddr ?? false;
  const translated = k.iommuUnit.translating(pair.nic);
  const segs = sgt?.dma.length ?? 0;
  const attach = reg.ok ? reg.value.umem.attach : null;
  s.add(
    'import',
    reg.ok
      ? {
          ok: true,
          value: `${app.name}: ibv_reg_dmabuf_mr(fd ${appFd}, ${mode}) on ${nic.name} → dma_buf_${attach?.importerOps ? 'dynamic_' : ''}attach, peer2peer=${attach?.peer2peer ?? false}, lkey 0x${reg.value.mr.lkey.toString(16)}`,
        }
      : reg,
    costsBefore,
  );
  if (reg.ok) {
    s.route = renderRoute(routeOf(w, pair.nic, pair.accel, busAddr));
    const first = sgt?.dma[0];
    s.add('map', {
      ok: true,
      value: `dma_buf_map_attachment → ${segs} DMA segment(s) (${busAddr ? 'bus addresses' : translated ? 'IOVAs' : 'CPU physical addresses'}${first ? `, first 0x${first.dmaAddr.toString(16)}+0x${first.len.toString(16)}` : ''}) via ${env.mapper.strategy}`,
    });
  }
  let verified = false;
  if (reg.ok) {
    // 4. the importer honours implicit sync: wait for the exporter's writers, then write.
    const wr = s.buf!.resv.waitTimeout(DMA_RESV_USAGE.WRITE, false, MAX_SCHEDULE_TIMEOUT);
    s.add(
      'wait-fences',
      wr.ok
        ? { ok: true, value: `dma_resv_wait_timeout(WRITE) returned at t=${k.clock.now} ns` }
        : wr,
    );
    const msg = new TextEncoder().encode(opts.message ?? 'hello from the NIC, straight into HBM');
    const at = SZ_2M - 16n; // straddles the two device pages
    const hopsBefore = nic.port.hops.length;
    const wres = nic.mrWrite(reg.value.mr, at, msg);
    const hop = nic.port.hops[hopsBefore];
    s.add(
      'rdma-write',
      wres.ok
        ? {
            ok: true,
            value: `${msg.length} bytes at MR offset 0x${at.toString(16)}: DMA 0x${hop?.dmaAddr.toString(16)} → phys 0x${hop?.phys.toString(16)} (${hop?.target})`,
          }
        : wres,
    );
    // 5. verify from the accelerator side (its own HBM, no PCIe).
    const pack = accel.alloc.get(handle)!;
    const got = new Uint8Array(msg.length);
    for (let i = 0; i < msg.length; i++) {
      const pos = at + BigInt(i);
      const dev = pack.pages[Number(pos / pack.pageSize)]! + (pos % pack.pageSize);
      got[i] = accel.hbm.read(accel.hbmOffset(dev), 1)[0]!;
    }
    // …and from the NIC side: an RDMA READ through the same mapping returns them too.
    const back = nic.mrRead(reg.value.mr, at, msg.length);
    const nicSees = back.ok && back.value.every((b, i) => b === msg[i]);
    verified = got.every((b, i) => b === msg[i]) && nicSees;
    s.add(
      'verify',
      verified
        ? {
            ok: true,
            value: `${aName} reads the same ${msg.length} bytes from its HBM; ${nic.name} RDMA READ returns them too`,
          }
        : {
            ok: false,
            errno: 'EIO',
            code: -5,
            message: `bytes differ (HBM: ${got.every((b, i) => b === msg[i]) ? 'same' : 'different'}, RDMA READ: ${back.ok ? (nicSees ? 'same' : 'different') : back.message})`,
          },
    );
    nic.deregMr(reg.value.mr);
  }
  // 6. teardown mirrors setup.
  unwrap(nic.deallocPd(pd));
  if (appFd >= 0) unwrap(app.close(appFd));
  if (fd >= 0) unwrap(trainer.close(fd));
  unwrap(accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
  unwrap(accel.memIoctl({ op: HL_MEM_OP.FREE, handle }, sink));
  const left = settle(w);
  s.route = 'none: unmapped';
  s.add(
    'teardown',
    left.length === 0
      ? {
          ok: true,
          value: 'MR deregistered, fds closed, memory unmapped and freed: kernel pristine',
        }
      : { ok: false, errno: 'EBUSY', code: -16, message: left.join('; ') },
  );
  return verified;
}
