import { unwrap } from '../core/errno.js';
import { SZ_2M } from '../drivers/accel/allocator.js';
import type { AccelDevice } from '../drivers/accel/device.js';
import { accelExportSink } from '../drivers/accel/exporter.js';
import { HL_MEM_OP, O_CLOEXEC, O_RDWR } from '../drivers/accel/uapi.js';
import { type DmabufMrMode, regDmabufMr } from '../drivers/rdma/dmabuf-mr.js';
import { IBV_ACCESS } from '../drivers/rdma/verbs.js';
import { DMA_RESV_USAGE, MAX_SCHEDULE_TIMEOUT } from '../fence/types.js';
import type { Fabric } from '../pci/fabric.js';
import { hex } from '../util/hex.js';
import { type DemoResult, type DemoStep, pairOf, Steps } from './demo-steps.js';
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
  // The export in the form this kernel's uAPI has (handle form on v5.16 – v6.1; none before).
  const ex = accel.memIoctl(accel.exportArgs(handle, va, size, O_RDWR | O_CLOEXEC), sink);
  const what =
    accel.exportForm === 'handle' ? `handle ${handle} (whole allocation)` : `va ${hex(va)}`;
  const fd = ex.ok ? ex.value.fd! : -1;
  if (ex.ok) s.buf = unwrap(env.core.get(trainer, fd));
  let computeDone = 0n;
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
    computeDone = k.clock.now + 50_000n;
    f.signalAt(computeDone);
    f.put();
    env.core.put(s.buf);
  }
  const exported = s.add(
    'export',
    ex.ok
      ? {
          ok: true,
          value: `HL_MEM_OP_EXPORT_DMABUF_FD ${what} → ${trainer.name}[${trainer.pid}] fd ${fd} (dma-buf ino ${s.buf?.ino}, exporter habanalabs); a compute job still writing holds a WRITE fence`,
        }
      : {
          ...ex,
          message: `${ex.message}${accel.exportForm === 'none' ? ` (habanalabs has no dma-buf export before linux-5.16; rules ${k.ruleSet})` : ''}`,
        },
  );
  // 2. pass the fd to another process. A failed step skips to the teardown.
  let appFd = -1;
  if (exported) {
    const pfd = k.procs.passFd(trainer, fd, app);
    const passed = s.add(
      'pass-fd',
      pfd.ok
        ? {
            ok: true,
            value: `SCM_RIGHTS ${trainer.name}[${trainer.pid}] fd ${fd} → ${app.name}[${app.pid}] fd ${pfd.value}`,
          }
        : pfd,
    );
    if (passed && pfd.ok) appFd = pfd.value;
  }
  // 3. RDMA import: ibv_reg_dmabuf_mr attaches (dynamic importer ops, peer2peer from the verdict)
  // and maps the attachment for the NIC in the same call; shown as two steps.
  const pd = nic.allocPd();
  const access = IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE | IBV_ACCESS.REMOTE_READ;
  const costsBefore = env.mapper.costs.length;
  const reg =
    appFd >= 0
      ? regDmabufMr(
          env,
          nic,
          pair.nic,
          app,
          pd,
          { offset: 0n, length: size, iova: 0n, fd: appFd, access },
          mode,
        )
      : null;
  const sgt = reg?.ok ? reg.value.umem.sgt : null;
  const busAddr = sgt?.dma[0]?.busAddr ?? false;
  const translated = k.iommuUnit.translating(pair.nic);
  const segs = sgt?.dma.length ?? 0;
  const attach = reg?.ok ? reg.value.umem.attach : null;
  if (reg) {
    s.add(
      'import',
      reg.ok
        ? {
            ok: true,
            value: `${app.name}: ibv_reg_dmabuf_mr(fd ${appFd}, ${mode}) on ${nic.name} → dma_buf_${attach?.importerOps ? 'dynamic_' : ''}attach, peer2peer=${attach?.peer2peer ?? false}, lkey ${hex(reg.value.mr.lkey)}`,
          }
        : reg,
      costsBefore,
    );
  }
  if (reg?.ok) {
    s.route = renderRoute(routeOf(w, pair.nic, pair.accel, busAddr));
    const first = sgt?.dma[0];
    s.add('map', {
      ok: true,
      value: `dma_buf_map_attachment → ${segs} DMA segment(s) (${busAddr ? 'bus addresses' : translated ? 'IOVAs' : 'CPU physical addresses'}${first ? `, first ${hex(first.dmaAddr)}+${hex(first.len)}` : ''}) via ${env.mapper.strategy}`,
    });
  }
  let verified = false;
  if (reg?.ok) {
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
            value: `${msg.length} bytes at MR offset ${hex(at)}: DMA ${hop ? hex(hop.dmaAddr) : '?'} → phys ${hop ? hex(hop.phys) : '?'} (${hop?.target})`,
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
  // 6. teardown mirrors setup. The compute job finishes whether or not the import got to wait for
  // it (a failed import never did), so its fence signals before the kernel is checked.
  if (k.clock.now < computeDone) k.clock.advance(computeDone - k.clock.now);
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
          value: `${reg?.ok ? 'MR deregistered, ' : ''}${fd >= 0 ? 'fds closed, ' : ''}memory unmapped and freed: kernel pristine`,
        }
      : { ok: false, errno: 'EBUSY', code: -16, message: left.join('; ') },
  );
  return verified;
}
