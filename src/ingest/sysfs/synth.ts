/**
 * Synthetic config-space images, for tests and benchmarks: a header, a PCI Express capability at
 * 0x40 and optional ACS / SR-IOV extended capabilities from 0x100. Layout per pci_regs.h.
 */
import { PCIE_PORT_TYPE_CODES, type PciePortType } from '../../pci/types.js';

export interface ConfigSpec {
  readonly vendor?: number;
  readonly device?: number;
  readonly classCode?: number;
  readonly revision?: number;
  /** Omit for a conventional PCI function (no capability list). */
  readonly portType?: PciePortType;
  readonly linkCap?: { readonly code: number; readonly width: number };
  readonly linkStatus?: { readonly code: number; readonly width: number };
  readonly buses?: {
    readonly primary: number;
    readonly secondary: number;
    readonly subordinate: number;
  };
  readonly acs?: { readonly cap: number; readonly ctrl: number };
  /** Subsystem ids: at 0x2c of a type 0 header, in an SSVID capability (at 0x60) of a bridge's. */
  readonly subsystem?: { readonly vendor: number; readonly device: number };
  readonly sriov?: { readonly totalVfs: number; readonly numVfs: number };
  /** Bytes of the image (64, 256 or 4096). */
  readonly size?: number;
}

const PORT_CODE = new Map(
  Object.entries(PCIE_PORT_TYPE_CODES).map(([code, name]) => [name, Number(code)]),
);

export function makeConfig(spec: ConfigSpec): Uint8Array {
  const b = new Uint8Array(4096);
  const w16 = (o: number, v: number) => {
    b[o] = v & 0xff;
    b[o + 1] = (v >> 8) & 0xff;
  };
  const w32 = (o: number, v: number) => {
    w16(o, v & 0xffff);
    w16(o + 2, (v >>> 16) & 0xffff);
  };
  w16(0, spec.vendor ?? 0x1b36);
  w16(2, spec.device ?? 0x0001);
  const cls = spec.classCode ?? 0x020000;
  b[8] = spec.revision ?? 0;
  b[9] = cls & 0xff;
  b[10] = (cls >> 8) & 0xff;
  b[11] = (cls >> 16) & 0xff;
  const bridge = spec.buses !== undefined;
  b[0x0e] = bridge ? 1 : 0;
  if (spec.buses) {
    b[0x18] = spec.buses.primary;
    b[0x19] = spec.buses.secondary;
    b[0x1a] = spec.buses.subordinate;
  }
  if (spec.subsystem !== undefined && !bridge) {
    w16(0x2c, spec.subsystem.vendor);
    w16(0x2e, spec.subsystem.device);
  }
  if (spec.subsystem !== undefined && bridge) {
    w16(0x06, 0x0010); // status: capability list
    b[0x34] = 0x60;
    b[0x60] = 0x0d; // SSVID, last in the list
    w16(0x64, spec.subsystem.vendor);
    w16(0x66, spec.subsystem.device);
  }
  if (spec.portType !== undefined) {
    w16(0x06, 0x0010); // status: capability list
    b[0x41] = b[0x34]!; // the PCI Express capability first, then an SSVID one if any
    b[0x34] = 0x40;
    b[0x40] = 0x10; // PCI Express
    w16(0x42, 0x0002 | ((PORT_CODE.get(spec.portType) ?? 0) << 4));
    const lc = spec.linkCap ?? { code: 3, width: 16 };
    w32(0x4c, lc.code | (lc.width << 4));
    const ls = spec.linkStatus ?? lc;
    w16(0x52, ls.code | (ls.width << 4));
    let pos = 0x100;
    const caps: Array<(at: number) => number> = [];
    if (spec.acs) {
      const acs = spec.acs;
      caps.push((at) => {
        w16(at + 4, acs.cap);
        w16(at + 6, acs.ctrl);
        return 0x000d;
      });
    }
    if (spec.sriov) {
      const sr = spec.sriov;
      caps.push((at) => {
        w16(at + 0x0e, sr.totalVfs);
        w16(at + 0x10, sr.numVfs);
        w16(at + 0x14, 1);
        w16(at + 0x16, 1);
        return 0x0010;
      });
    }
    caps.forEach((write, i) => {
      const id = write(pos);
      const next = i + 1 < caps.length ? pos + 0x40 : 0;
      w32(pos, (id | (1 << 16) | (next << 20)) >>> 0);
      pos += 0x40;
    });
  }
  return b.subarray(0, spec.size ?? 4096);
}
