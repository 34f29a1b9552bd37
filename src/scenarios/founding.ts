import { type KResult, unwrap } from '../core/errno.js';
import type { DmaBuf } from '../dmabuf/objects.js';
import { SZ_2M } from '../drivers/accel/allocator.js';
import type { AccelDevice } from '../drivers/accel/device.js';
import { accelExportSink } from '../drivers/accel/exporter.js';
import { HL_MEM_OP, O_CLOEXEC, O_RDWR } from '../drivers/accel/uapi.js';
import type { DriverFinding } from '../drivers/env.js';
import { kernelIommu, kernelP2pdma } from '../drivers/kernel-env.js';
import { type DmabufMrMode, regDmabufMr } from '../drivers/rdma/dmabuf-mr.js';
import { IBV_ACCESS } from '../drivers/rdma/verbs.js';
import { DMA_RESV_USAGE, MAX_SCHEDULE_TIMEOUT } from '../fence/types.js';
import type { Fabric } from '../pci/fabric.js';
import { renderRoute, routeOf } from './route.js';
import {
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
  readonly route?: string;
  readonly mapType?: string;
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
  readonly strategy: string;
  readonly mrMode: DmabufMrMode;
  readonly pair: DemoPair | null;
  /** Why no pair was usable (candidates with their verdicts), when `pair` is null. */
  readonly noPair: { readonly reason: string; readonly candidates: readonly DemoPair[] } | null;
  readonly steps: readonly DemoStep[];
  readonly verified: boolean;
  readonly findings: readonly DriverFinding[];
  readonly kernelLog: readonly string[];
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
    p2pRuleSet: kernelP2pdma(w.k).ruleSet.name,
    iommu: w.k.iommu.mode,
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
      pristine: w.k.checkPristine(),
    };
  }
  const steps: DemoStep[] = [];
  const run = new Steps(w, steps);
  const verified = foundingSteps(w, run, choice.pair, opts, mode);
  return {
    ...base,
    pair: pairOf(choice.pair),
    noPair: null,
    steps,
    verified,
    findings: w.env.findings,
    kernelLog: w.k.log.map((l) => `${l.level}: ${l.text}`),
    pristine: w.k.checkPristine(),
  };
}

class Steps {
  buf: DmaBuf | null = null;
  constructor(
    readonly w: ScenarioWorld,
    readonly out: DemoStep[],
  ) {}

  add(name: string, r: KResult<string>, extra: { route?: string; mapType?: string } = {}): boolean {
    const costs = this.w.env.mapper.costs;
    const dmaCalls = costs.reduce(
      (s, c) => s + Object.values(c.calls).reduce((a, b) => a + b, 0),
      0,
    );
    const cpuNs = Math.round(costs.reduce((s, c) => s + c.cpuNs, 0));
    const fences = this.buf && !this.buf.released ? describeFences(this.buf) : [];
    this.out.push({
      n: this.out.length + 1,
      name,
      detail: r.ok ? r.value : r.message,
      ok: r.ok,
      ...(r.ok ? {} : { errno: r.errno }),
      ...extra,
      dmaCalls,
      cpuNs,
      fences,
    });
    return r.ok;
  }
}

function describeFences(b: DmaBuf): string[] {
  const usage = ['KERNEL', 'WRITE', 'READ', 'BOOKKEEP'];
  return b.resv
    .describe()
    .map((f) => `${usage[f.usage]} ${f.desc} ${f.signaled ? 'signaled' : 'unsignaled'}`);
}

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
    // The compute job that initialises the buffer publishes a WRITE fence; it completes later.
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
            value: `HL_MEM_OP_EXPORT_DMABUF_FD va 0x${va.toString(16)} → ${trainer.name}[${trainer.pid}] fd ${fd} (dma-buf ino ${s.buf?.ino}, exporter habanalabs)`,
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
  // 3. RDMA import: attach + map.
  const pd = nic.allocPd();
  const access = IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE | IBV_ACCESS.REMOTE_READ;
  const reg = regDmabufMr(
    env,
    nic,
    pair.nic,
    app,
    pd,
    { offset: 0n, length: size, iova: 0n, fd: appFd, access },
    mode,
  );
  const busAddr = reg.ok && (reg.value.umem.sgt?.dma[0]?.busAddr ?? false);
  const route = renderRoute(routeOf(w, pair.nic, pair.accel, busAddr));
  const translated = kernelIommu(k).translating(pair.nic);
  const segs = reg.ok ? (reg.value.umem.sgt?.dma.length ?? 0) : 0;
  const peer2peer = reg.ok ? reg.value.umem.attach.peer2peer : false;
  s.add(
    'import',
    reg.ok
      ? {
          ok: true,
          value: `ibv_reg_dmabuf_mr (${mode}) on ${nic.name}: attach peer2peer=${peer2peer}, map → ${segs} DMA segment(s) (${busAddr ? 'bus addresses' : translated ? 'IOVAs' : 'CPU physical addresses'}), lkey 0x${reg.value.mr.lkey.toString(16)}`,
        }
      : reg,
    { mapType: pair.mapType },
  );
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
      { route, mapType: pair.mapType },
    );
    // 5. verify from the accelerator side (its own HBM, no PCIe).
    const pack = accel.alloc.get(handle)!;
    const got = new Uint8Array(msg.length);
    for (let i = 0; i < msg.length; i++) {
      const pos = at + BigInt(i);
      const dev = pack.pages[Number(pos / pack.pageSize)]! + (pos % pack.pageSize);
      got[i] = accel.hbm.read(accel.hbmOffset(dev), 1)[0]!;
    }
    verified = got.every((b, i) => b === msg[i]);
    s.add(
      'verify',
      verified
        ? { ok: true, value: `${aName} reads the same ${msg.length} bytes from HBM` }
        : { ok: false, errno: 'EIO', code: -5, message: 'bytes differ' },
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
