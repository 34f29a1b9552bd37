import { type KResult, kerr, ok, unwrap } from '../core/errno.js';
import { DMA_FROM_DEVICE } from '../dma/types.js';
import { SZ_2M } from '../drivers/accel/allocator.js';
import { type AccelDevice, DOORBELL_REGS, le } from '../drivers/accel/device.js';
import { accelExportSink } from '../drivers/accel/exporter.js';
import { HL_MEM_OP, O_CLOEXEC, O_RDWR } from '../drivers/accel/uapi.js';
import { regDmabufMr } from '../drivers/rdma/dmabuf-mr.js';
import type { RdmaNic } from '../drivers/rdma/nic.js';
import { IBV_ACCESS } from '../drivers/rdma/verbs.js';
import { RULE_SETS } from '../p2pdma/rulesets.js';
import type { Fabric } from '../pci/fabric.js';
import { type DoorbellTiming, doorbellTiming } from '../perf/doorbell.js';
import { PerfModel } from '../perf/model.js';

const isRuleSet = (name: string) => RULE_SETS.some((r) => r.name === name);

import type { PciFunction } from '../pci/types.js';
import { renderRoute, routeOf, routeToRam } from './route.js';
import { makeWorld, pickPair, type ScenarioOptions, type ScenarioWorld, settle } from './world.js';

/**
 * The founding mail's motivation (spec §0.3.4): a NIC fills a ring that lives in the accelerator's
 * BAR and rings the accelerator's doorbell itself — no CPU step — versus the bounce design where
 * the NIC writes host RAM and the CPU wakes, copies the records into the device and rings it.
 * Both run on a fresh Kernel and end with its pristine check.
 */
export interface RingOptions extends ScenarioOptions {
  readonly records?: number;
  readonly batch?: number;
}

export const RECORD_BYTES = 64;
export const RING_SLOTS = 32;

export interface RingRow {
  readonly design: 'p2p-doorbell' | 'bounce-host';
  readonly records: number;
  readonly consumed: number;
  readonly verified: boolean;
  /** NIC DMA writes landing in the accelerator (ring records + doorbells). */
  readonly nicToAccelWrites: number;
  readonly nicToRamWrites: number;
  readonly doorbellsByNic: number;
  readonly doorbellsByCpu: number;
  readonly cpuWakeups: number;
  readonly cpuCopiedBytes: number;
  /** Times the CPU had to run for data to reach the device. */
  readonly cpuInterventions: number;
  readonly route: string;
  readonly pristine: readonly string[];
}

export interface RingResult {
  readonly accel: string;
  readonly nic: string;
  readonly rows: readonly RingRow[];
  /** Time per item of both designs from the bandwidth/latency model (src/perf). */
  readonly timing: DoorbellTiming;
}

/** Record `seq`: a deterministic 64-byte pattern the consumer checks. */
export function record(seq: number): Uint8Array {
  const r = new Uint8Array(RECORD_BYTES);
  for (let i = 0; i < RECORD_BYTES; i++) r[i] = (seq * 31 + i * 7) & 0xff;
  r[0] = seq & 0xff;
  r[1] = (seq >> 8) & 0xff;
  return r;
}

interface Consumer {
  head: number;
  consumed: number;
  verified: boolean;
}

/** The accelerator side: RING_TAIL writes make it consume slots head..tail from its own HBM. */
function armConsumer(accel: AccelDevice, ringDev: bigint): Consumer {
  const c: Consumer = { head: 0, consumed: 0, verified: true };
  accel.regs?.define({
    name: 'RING_TAIL',
    offset: DOORBELL_REGS.RING_TAIL,
    width: 4,
    onWrite: (tail) => {
      while (c.head < Number(tail)) {
        const slot = BigInt(c.head % RING_SLOTS);
        const got = accel.hbm.read(
          accel.hbmOffset(ringDev) + slot * BigInt(RECORD_BYTES),
          RECORD_BYTES,
        );
        if (got.some((b, i) => b !== record(c.head)[i])) c.verified = false;
        c.head++;
        c.consumed++;
      }
    },
  });
  return c;
}

function ringInHbm(
  w: ScenarioWorld,
  accel: AccelDevice,
  sinkProc: Parameters<typeof accelExportSink>[1],
) {
  const sink = accelExportSink(w.env, sinkProc);
  const handle = unwrap(accel.memIoctl({ op: HL_MEM_OP.ALLOC, size: SZ_2M, flags: 0 }, sink))
    .handle!;
  const va = unwrap(accel.memIoctl({ op: HL_MEM_OP.MAP, handle, flags: 0 }, sink)).deviceVirtAddr!;
  const dev = accel.alloc.get(handle)!.pages[0]!;
  const free = () => {
    unwrap(accel.memIoctl({ op: HL_MEM_OP.UNMAP, deviceVirtAddr: va }, sink));
    unwrap(accel.memIoctl({ op: HL_MEM_OP.FREE, handle }, sink));
  };
  return { sink, handle, va, dev, free };
}

const countHops = (nic: RdmaNic, re: RegExp): number =>
  nic.port.hops.filter((h) => re.test(h.target)).length;

/** One design's inputs: the fabric, the pair, and the options with their defaults applied. */
interface RingRun {
  readonly fabric: Fabric;
  readonly accelFn: PciFunction;
  readonly nicFn: PciFunction;
  readonly o: Required<Pick<RingOptions, 'records' | 'batch'>> & RingOptions;
}

/** Both designs start alike: a world, the accelerator with its doorbell BAR, the NIC, the ring. */
function ringSetup(run: RingRun) {
  const { fabric, accelFn, nicFn, o } = run;
  const w = makeWorld(fabric, o);
  const accel = w.rig.addAccel(accelFn);
  const { regs, mmioBar } = accel;
  if (!regs || !mmioBar) return kerr('ENODEV', `${accel.name}: no register BAR for a doorbell`);
  const nic = w.rig.addNic(nicFn);
  const owner = w.k.spawn('accel-app');
  const ring = ringInHbm(w, accel, owner);
  const consumer = armConsumer(accel, ring.dev);
  return ok({ ...run, w, accel, regs, mmioBar, nic, owner, ring, consumer });
}

function runP2p(run: RingRun): KResult<RingRow> {
  const r = ringSetup(run);
  if (!r.ok) return r;
  const { w, accel, regs, mmioBar, nic, owner, ring, consumer, accelFn, nicFn, o } = r.value;
  const app = w.k.spawn('rdma-app');
  const ex = accel.memIoctl(
    accel.exportArgs(ring.handle, ring.va, SZ_2M, O_RDWR | O_CLOEXEC),
    ring.sink,
  );
  if (!ex.ok) {
    ring.free();
    return ex;
  }
  const fd = ex.value.fd!;
  const pfd = unwrap(w.k.procs.passFd(owner, fd, app));
  const pd = nic.allocPd();
  const reg = regDmabufMr(
    w.env,
    nic,
    nicFn,
    app,
    pd,
    {
      offset: 0n,
      length: SZ_2M,
      iova: 0n,
      fd: pfd,
      access: IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE,
    },
    'dynamic',
  );
  if (!reg.ok) return reg;
  // The doorbell page mapped for the NIC (dma_map_resource of the register BAR page).
  const db = unwrap(
    w.env.mapper.mapChunks(
      accelFn,
      w.env.dmaDevice(nicFn),
      [{ phys: mmioBar.start, len: 4096n }],
      DMA_FROM_DEVICE,
    ),
  );
  const dbDma = db.sgt.dma[0]!.dmaAddr + DOORBELL_REGS.RING_TAIL;
  let tail = 0;
  for (let s = 0; s < o.records; s++) {
    unwrap(nic.mrWrite(reg.value.mr, BigInt((s % RING_SLOTS) * RECORD_BYTES), record(s)));
    tail++;
    if (tail % o.batch === 0 || s === o.records - 1)
      unwrap(nic.port.write(dbDma, le(BigInt(tail), 4)));
  }
  const row = {
    nicToAccelWrites: countHops(nic, /HBM|MMIO/),
    nicToRamWrites: countHops(nic, /RAM/),
    doorbellsByNic: regs.writes('RING_TAIL'),
    consumed: consumer.consumed,
    verified: consumer.verified && consumer.consumed === o.records,
    route: renderRoute(routeOf(w, nicFn, accelFn, reg.value.umem.sgt?.dma[0]?.busAddr ?? false)),
  };
  db.unmap();
  nic.deregMr(reg.value.mr);
  unwrap(nic.deallocPd(pd));
  unwrap(app.close(pfd));
  unwrap(owner.close(fd));
  ring.free();
  return ok({
    design: 'p2p-doorbell',
    records: o.records,
    ...row,
    doorbellsByCpu: 0,
    cpuWakeups: 0,
    cpuCopiedBytes: 0,
    cpuInterventions: 0,
    pristine: settle(w),
  });
}

function runBounce(run: RingRun): KResult<RingRow> {
  const r = ringSetup(run);
  if (!r.ok) return r;
  const { w, accel, regs, nic, ring, consumer, fabric, nicFn, o } = r.value;
  // Host ring: one page of system RAM, DMA-mapped for the NIC, registered as an MR.
  const pages = unwrap(w.env.ram.allocPages(1));
  const nicDev = w.env.dmaDevice(nicFn);
  const hm = unwrap(
    w.env.mapper.mapPages(nicDev, [{ phys: pages[0]!, len: 4096n }], DMA_FROM_DEVICE),
  );
  const pd = nic.allocPd();
  const mr = unwrap(
    nic.regHostMr(
      pd,
      hm.sgt.dma[0]!.dmaAddr,
      4096n,
      IBV_ACCESS.LOCAL_WRITE | IBV_ACCESS.REMOTE_WRITE,
    ),
  );
  const barOf = (dev: bigint) => accel.hbmBar.start + accel.hbmOffset(dev);
  let tail = 0;
  let wakeups = 0;
  let copied = 0;
  let cpuDoorbells = 0;
  let pending: number[] = [];
  for (let s = 0; s < o.records; s++) {
    const slot = (s % RING_SLOTS) * RECORD_BYTES;
    unwrap(nic.mrWrite(mr, BigInt(slot % 4096), record(s)));
    pending.push(s);
    if (pending.length === o.batch || s === o.records - 1) {
      wakeups++; // completion interrupt / poll wakes a CPU thread
      for (const p of pending) {
        const off = (p % RING_SLOTS) * RECORD_BYTES;
        const bytes = w.env.ram.read(pages[0]! + BigInt(off % 4096), RECORD_BYTES);
        const target = barOf(ring.dev) + BigInt(off);
        w.env.bus
          .lookup(target, BigInt(RECORD_BYTES))!
          .target.write(target - accel.hbmBar.start, bytes, 'cpu');
        copied += RECORD_BYTES;
      }
      tail += pending.length;
      pending = [];
      regs.write(DOORBELL_REGS.RING_TAIL, BigInt(tail), 'cpu');
      cpuDoorbells++;
    }
  }
  const row = {
    nicToAccelWrites: countHops(nic, /HBM|MMIO/),
    nicToRamWrites: countHops(nic, /RAM/),
    consumed: consumer.consumed,
    verified: consumer.verified && consumer.consumed === o.records,
    route: `${routeToRam(fabric, nicFn)}; CPU → ${accel.name} BAR`,
  };
  nic.deregMr(mr);
  unwrap(nic.deallocPd(pd));
  hm.unmap();
  w.env.ram.freePages(pages);
  ring.free();
  return ok({
    design: 'bounce-host',
    records: o.records,
    ...row,
    doorbellsByNic: 0,
    doorbellsByCpu: cpuDoorbells,
    cpuWakeups: wakeups,
    cpuCopiedBytes: copied,
    cpuInterventions: wakeups,
    pristine: settle(w),
  });
}

export function runRingDoorbell(fabric: Fabric, opts: RingOptions = {}): KResult<RingResult> {
  const o = { ...opts, records: opts.records ?? 64, batch: opts.batch ?? 8 };
  if (o.batch < 1 || o.batch > RING_SLOTS) return kerr('EINVAL', `batch must be 1..${RING_SLOTS}`);
  const choice = pickPair(makeWorld(fabric, o));
  if (!choice.ok) return kerr('ENODEV', choice.reason);
  const { accel, nic } = choice.pair;
  const run: RingRun = { fabric, accelFn: accel, nicFn: nic, o };
  const p2p = runP2p(run);
  if (!p2p.ok) return p2p;
  const bounce = runBounce(run);
  if (!bounce.ok) return bounce;
  return ok({
    accel: accel.name ?? accel.bdf,
    nic: nic.name ?? nic.bdf,
    rows: [p2p.value, bounce.value],
    timing: doorbellTiming(
      new PerfModel(
        fabric,
        o.ruleSet !== undefined && isRuleSet(o.ruleSet) ? { ruleSet: o.ruleSet } : {},
      ),
      nic,
      accel,
      o.batch,
      RECORD_BYTES,
    ),
  });
}
