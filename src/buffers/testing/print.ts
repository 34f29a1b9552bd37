/**
 * Test-only: `dma_buf_debug_show()` and `dma_buf_show_fdinfo()` re-enacted from drivers/dma-buf/
 * dma-buf.c, format string by format string, so fixtures are the exact bytes a kernel of each era
 * prints. Everything printed from here is CONSTRUCTED (no real machine's buffers).
 */
export type Era = 'v4.12' | 'v5.10' | 'v5.18' | 'v6.1';

export interface PrintedBuffer {
  readonly size: number;
  readonly flags?: number;
  readonly mode?: number;
  readonly count: number;
  readonly exporter: string;
  readonly ino: number;
  readonly name?: string | undefined;
  readonly attached: readonly string[];
  /** [driver, timeline, seqno, signalled] */
  readonly fence?: readonly [string, string, number, boolean];
}

const pad8 = (s: string) => s.padEnd(8);
const z8 = (n: number) => String(n).padStart(8, '0');
const x8 = (n: number) => n.toString(16).padStart(8, '0');

export function printBufinfo(era: Era, bufs: readonly PrintedBuffer[]): string {
  let s = '\nDma-buf Objects:\n';
  const h = `${pad8('size')}\t${pad8('flags')}\t${pad8('mode')}\t${pad8('count')}\texp_name`;
  if (era === 'v4.12')
    s += `${h}\n`; // "%-8s\t%-8s\t%-8s\t%-8s\texp_name\n"
  else if (era === 'v6.1') s += `${h}\t${pad8('ino')}\tname\n`;
  else s += `${h}\t${pad8('ino')}\n`;
  let total = 0;
  for (const b of bufs) {
    const head = `${z8(b.size)}\t${x8(b.flags ?? 2)}\t${x8(b.mode ?? 0x2080007)}\t${z8(b.count)}\t${b.exporter}`;
    if (era === 'v4.12') s += `${head}\n`;
    else s += `${head}\t${z8(b.ino)}\t${b.name ?? (era === 'v6.1' ? '<none>' : '')}\n`;
    if (b.fence) {
      const [drv, tl, seq, done] = b.fence;
      if (era === 'v6.1' || era === 'v5.18')
        s += `\t${era === 'v6.1' ? 'write' : 'Exclusive'} fence:${drv} ${tl} seq ${seq} ${done ? '' : 'un'}signalled\n`;
      else s += `\tExclusive fence: ${drv} ${tl} ${done ? '' : 'un'}signalled\n`;
    }
    s += '\tAttached Devices:\n';
    for (const d of b.attached) s += `\t${d}\n`;
    s += `Total ${b.attached.length} devices attached\n\n`;
    total += b.size;
  }
  return `${s}\nTotal ${bufs.length} objects, ${total} bytes\n`;
}

/** The generic fdinfo lines (fs/proc/fd.c) then dma_buf_show_fdinfo(). */
export function printFdinfo(b: PrintedBuffer, holders: number): string {
  return (
    `pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t${b.ino}\n` +
    `size:\t${b.size}\ncount:\t${holders}\nexp_name:\t${b.exporter}\n` +
    (b.name !== undefined ? `name:\t${b.name}\n` : '')
  );
}
