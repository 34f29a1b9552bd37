import { type KResult, kerr, ok } from '../../core/errno.js';
import type { DmaBuf, DmaBufAttachment } from '../../dmabuf/objects.js';
import type { DmaBufOps, DmaDataDirection, SgTable } from '../../dmabuf/types.js';
import type { Process } from '../../proc/process.js';
import { type DriverEnv, exporterAllowsP2p, type MappedChunks } from '../env.js';
import type { AccelExport, AccelExportSink } from './device.js';
import { barAddress } from './export-validate.js';
import { chunkDevicePages } from './sg-chunks.js';

/**
 * The habanalabs dma_buf_ops (spec §5.1.3–5.1.7): a static exporter (no pin), attach clears
 * peer2peer when the P2P distance is negative, map refuses non-P2P with -EPERM and otherwise
 * dma_map_resource's each chunk of the importer-max-segment cut; release undoes the export.
 */
const DEFAULT_MAX_SEG = 65536n;

export function accelDmabufOps(env: DriverEnv): DmaBufOps {
  const live = new Map<SgTable, MappedChunks>();
  return {
    attach(dmabuf: DmaBuf, attach: DmaBufAttachment): KResult<void> {
      const exp = dmabuf.priv as AccelExport;
      const client = attach.dev.pci;
      // The driver's own policy first: a refusing driver never asks the kernel for a distance.
      const fn = exp.device.fn;
      if (!exporterAllowsP2p(env, fn, client, true)) attach.peer2peer = false;
      return ok(undefined);
    },
    map_dma_buf(attach: DmaBufAttachment, dir: DmaDataDirection): KResult<SgTable> {
      const exp = attach.dmabuf.priv as AccelExport;
      if (!attach.peer2peer) {
        env.core.env.printk(
          'debug',
          `${exp.device.fn.bdf}: Failed to map dmabuf because p2p is disabled`,
        );
        // Why peer2peer is off: a static importer, a driver's stated policy, or the kernel.
        const cause = !attach.isDynamic
          ? 'static'
          : !env.driverAllowsP2p(exp.device.fn)
            ? 'exporter-driver'
            : attach.dev.pci && !env.driverAllowsP2p(attach.dev.pci)
              ? 'importer-driver'
              : 'distance';
        env.findings.push({
          code: 'p2p_refused_at_map',
          path: [exp.device.fn.bdf, attach.dev.name],
          evidence: { dynamic: attach.isDynamic, cause },
          hint: {
            static:
              'static importers can never map a habanalabs dma-buf; attach dynamically with allow_peer2peer',
            'exporter-driver': `the driver of ${exp.device.fn.bdf} refuses P2P (stated policy): use another exporter`,
            'importer-driver': `the importer's driver refuses P2P (stated policy): it attached without allow_peer2peer`,
            distance: 'P2PDMA distance is negative for this pair; see `peerdma check`',
          }[cause],
        });
        return kerr('EPERM', 'Failed to map dmabuf because p2p is disabled');
      }
      const maxSeg = attach.dev.dma?.maxSegSize ?? DEFAULT_MAX_SEG;
      const chunks = chunkDevicePages(
        exp.pages,
        exp.pageSize,
        exp.offset,
        exp.size,
        maxSeg,
        exp.device.props.pageSize,
      );
      if (!chunks.ok) return chunks;
      const phys = chunks.value.map((c) => ({
        phys: barAddress(exp.device.props, c.devAddr),
        len: c.len,
      }));
      const m = env.mapper.mapChunks(exp.device.fn, attach.dev, phys, dir);
      if (!m.ok) return kerr('ENOMEM', `failed (${m.errno}) to initialize sgt for dmabuf`);
      live.set(m.value.sgt, m.value);
      // No CPU view: orig_nents = 0 (spec §5.1.6.8).
      return ok(m.value.sgt);
    },
    unmap_dma_buf(_attach: DmaBufAttachment, sgt: SgTable): void {
      live.get(sgt)?.unmap();
      live.delete(sgt);
    },
    release(dmabuf: DmaBuf): void {
      (dmabuf.priv as AccelExport).release();
    },
  };
}

/**
 * The sink the memory ioctl exports through: dma_buf_export, then (last) dma_buf_fd into `proc`.
 * An fd failure puts the buffer, whose release undoes the export (spec §5.1.3, CVE-2025-38722 order).
 */
export function accelExportSink(env: DriverEnv, proc: Process): AccelExportSink {
  const ops = accelDmabufOps(env);
  return (exp) => {
    const b = env.core.export({
      expName: 'habanalabs',
      ops,
      size: exp.size,
      flags: exp.fileFlags,
      priv: exp,
    });
    if (!b.ok) {
      env.core.env.printk('err', `${exp.device.fn.bdf}: failed to export dma-buf`);
      exp.release();
      return b;
    }
    const fd = env.core.fd(b.value, proc, exp.fileFlags);
    if (!fd.ok) {
      env.core.env.printk(
        'err',
        `${exp.device.fn.bdf}: failed to get a file descriptor for a dma-buf, ${fd.code}`,
      );
      env.core.put(b.value);
    }
    return fd;
  };
}
