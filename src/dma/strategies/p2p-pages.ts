import { kerr, ok } from '../../core/errno.js';
import { minBig } from '../../util/bigint.js';
import { dmaMapSgtable, dmaUnmapSgtable } from '../sg.js';
import { PAGE_SIZE, type SgCpuEntry, type SgTable } from '../types.js';
import { pieceMax, runMeasured } from './common.js';
import type { Strategy } from './types.js';

/**
 * `p2p-pages`: the provider memremaps its BAR (pci_p2pdma_add_resource → struct pages, 64 B per
 * 4 KiB, from system RAM), the exporter builds an sg table from the pages (physically contiguous
 * pages merged up to the importer's max segment size) and the importer's `dma_map_sgtable` decides
 * bus address vs IOMMU per the P2PDMA map type (spec §3.7). Struct pages are counted for the
 * exported range only (a real provider memremaps the whole BAR once).
 */
export const p2pPages: Strategy = (input) =>
  runMeasured('p2p-pages', input, () => {
    const { api, client, provider, chunks, dir } = input;
    const max = pieceMax(input);
    const cpu: SgCpuEntry[] = [];
    let pages = 0n;
    for (const c of chunks) {
      pages += (c.phys + c.len + PAGE_SIZE - 1n) / PAGE_SIZE - c.phys / PAGE_SIZE;
      let off = 0n;
      const last = cpu[cpu.length - 1];
      if (last !== undefined && last.phys + last.length === c.phys && last.length < max) {
        const take = minBig(c.len, max - last.length);
        cpu[cpu.length - 1] = { ...last, length: last.length + take };
        off = take;
      }
      for (; off < c.len; off += max) {
        const len = minBig(c.len - off, max);
        cpu.push({ phys: c.phys + off, length: len, p2pProvider: provider });
      }
    }
    const rec = api.recorder;
    if (rec) {
      rec.counts.structPages += Number(pages);
      rec.counts.sgCpuEntries += cpu.length;
    }
    const sgt: SgTable = { cpu, dma: [] };
    const e = dmaMapSgtable(api, client, sgt, dir, 0);
    if (e !== 0) {
      const errno = e === -121 ? 'EREMOTEIO' : e === -12 ? 'ENOMEM' : 'EIO';
      return kerr(
        errno,
        `dma_map_sgtable of ${cpu.length} P2PDMA entries from ${provider.bdf} for ${client.fn.bdf} failed (${e})`,
      );
    }
    return ok({
      segments: [...sgt.dma],
      sgt,
      undo: () => dmaUnmapSgtable(api, client, sgt, dir, 0),
    });
  });
