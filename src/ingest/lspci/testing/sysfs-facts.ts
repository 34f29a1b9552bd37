/**
 * Test-only: per-function facts read straight from a kernel-oracle `sysfs.tar.gz` (sysfs attribute
 * files and raw config space), as an independent oracle for what the lspci loader reads.
 */
import { join } from 'node:path';
import { list } from 'tar';
import { ORACLE_DIR } from './fixtures.js';

export interface SysfsFacts {
  readonly parent: string | null;
  readonly hostBridge: string;
  readonly vendor: number;
  readonly device: number;
  readonly classCode: number;
  readonly revision: number;
  readonly numaNode: number;
  readonly iommuGroup: number | null;
  readonly driver: string | null;
  readonly physfn: string | null;
  /** From config space: PCIe port type code, link cap/status registers, ACS cap/ctrl. */
  readonly portType: number | null;
  readonly lnkCap: number | null;
  readonly lnkSta: number | null;
  readonly acs: { cap: number; ctrl: number } | null;
}

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function sysfsFacts(machine: string): Map<string, SysfsFacts> {
  const files = new Map<string, Buffer>();
  const links = new Map<string, string>();
  list({
    file: join(ORACLE_DIR, machine, 'sysfs.tar.gz'),
    sync: true,
    onReadEntry: (e) => {
      if (e.type === 'SymbolicLink') links.set(e.path.replace(/\/$/, ''), e.linkpath ?? '');
      else if (e.type === 'File') {
        const chunks: Buffer[] = [];
        e.on('data', (c: Buffer) => chunks.push(c));
        e.on('end', () => files.set(e.path, Buffer.concat(chunks)));
      }
    },
  });
  const out = new Map<string, SysfsFacts>();
  for (const [path, target] of links) {
    const m = /^sys\/bus\/pci\/devices\/(.+)$/.exec(path);
    if (!m) continue;
    const bdf = m[1]!;
    const parts = target.split('/').filter((p) => p !== '..' && p !== '.');
    const dir = `sys/${parts.join('/')}`;
    const comps = parts.slice(1, -1);
    const up = comps.at(-1)!;
    const num = (f: string) => Number(files.get(`${dir}/${f}`)!.toString().trim());
    const linkName = (f: string) => links.get(`${dir}/${f}`)?.split('/').at(-1) ?? null;
    const cfg = files.get(`${dir}/config`)!;
    const u16 = (o: number) => cfg.readUInt16LE(o);
    let portType: number | null = null;
    let lnkCap: number | null = null;
    let lnkSta: number | null = null;
    if (u16(6) & 0x10) {
      for (let p = cfg[0x34]! & 0xfc, n = 0; p !== 0 && n < 48; p = cfg[p + 1]! & 0xfc, n++) {
        if (cfg[p] !== 0x10) continue;
        portType = (u16(p + 2) >> 4) & 0xf;
        if (portType !== 9 && portType !== 10) {
          lnkCap = cfg.readUInt32LE(p + 0x0c);
          lnkSta = u16(p + 0x12);
        }
      }
    }
    let acs: SysfsFacts['acs'] = null;
    for (let p = 0x100, n = 0; p !== 0 && p + 8 <= cfg.length && n < 64; n++) {
      const h = cfg.readUInt32LE(p);
      if (h === 0 || h === 0xffffffff) break;
      if ((h & 0xffff) === 0x0d) acs = { cap: u16(p + 4), ctrl: u16(p + 6) };
      p = (h >>> 20) & 0xffc;
    }
    const group = linkName('iommu_group');
    out.set(bdf, {
      parent: BDF.test(up) ? up : null,
      hostBridge: comps[0]!,
      vendor: num('vendor'),
      device: num('device'),
      classCode: num('class'),
      revision: num('revision'),
      numaNode: num('numa_node'),
      iommuGroup: group === null ? null : Number(group),
      driver: linkName('driver'),
      physfn: linkName('physfn'),
      portType,
      lnkCap,
      lnkSta,
      acs,
    });
  }
  return out;
}
