/**
 * PCI configuration space as sysfs `config` shows it: 64 bytes to a non-root reader, 256 for a
 * conventional function (or a PCIe one whose extended space the kernel could not reach), 4096 with
 * extended space. Pure: bytes in, facts out. Offsets follow include/uapi/linux/pci_regs.h.
 */
import { PeerdmaError } from '../../errors/index.js';
import {
  type AcsState,
  type Link,
  type Maybe,
  type Mutable,
  PCIE_PORT_TYPE_CODES,
  type PcieInfo,
  UNKNOWN,
} from '../../pci/types.js';
import { hex } from '../../util/hex.js';

const STATUS = 0x06;
const STATUS_CAP_LIST = 0x10;
const HEADER_TYPE = 0x0e;
const CAP_PTR = 0x34;
const CAP_ID_EXP = 0x10;
const CAP_ID_SSVID = 0x0d;
const EXT_START = 0x100;
const EXT_ID_ACS = 0x000d;
const EXT_ID_SRIOV = 0x0010;
/** GT/s per lane by the Link Speed code (kernel pcie_link_speed[]). */
const SPEED_GTS: Readonly<Record<number, number>> = { 1: 2.5, 2: 5, 3: 8, 4: 16, 5: 32, 6: 64 };

export interface SriovInfo {
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly firstVfOffset: number;
  readonly vfStride: number;
  readonly vfDevice: number;
}

export interface ConfigInfo {
  /** Bytes available. */
  readonly size: number;
  /** Header layout (0 normal, 1 PCI bridge, 2 CardBus), or undefined under 64 bytes. */
  readonly headerType: number | undefined;
  /** Fields the attribute files also carry (fallbacks when a capture lacks them). */
  readonly ids: {
    readonly vendor: number;
    readonly device: number;
    readonly revision: number;
    readonly classCode: number;
    readonly subsystem: { readonly vendor: number; readonly device: number } | null;
  } | null;
  /** Type 1 header bus numbers. */
  readonly buses: { readonly secondary: number; readonly subordinate: number } | null;
  /** null: no PCIe capability (conventional PCI); unknown: the list runs past the bytes read. */
  readonly pcie: Maybe<PcieInfo> | null;
  readonly acs: AcsState;
  readonly sriov: Maybe<SriovInfo> | null;
}

/** A byte of the image: zero past the bytes held (see `parseConfig`'s `size`). */
const rd8 = (b: Uint8Array, o: number) => (o < b.length ? b[o]! : 0);
const rd16 = (b: Uint8Array, o: number) => rd8(b, o) | (rd8(b, o + 1) << 8);
const rd32 = (b: Uint8Array, o: number) => (rd16(b, o) | (rd16(b, o + 2) << 16)) >>> 0;

/**
 * Parse a config-space image of `size` bytes, of which `bytes` holds the first ones (the rest are
 * zeros: a 4096-byte config is mostly zeros, and an archive keeps it without them). Malformed
 * capability lists throw E_PARSE naming `field`.
 */
export function parseConfig(bytes: Uint8Array, field: string, size = bytes.length): ConfigInfo {
  const b = bytes.length > size ? bytes.subarray(0, size) : bytes;
  const bad = (msg: string) => new PeerdmaError('E_PARSE', msg, { field });
  if (size < 0x40) {
    const reason = `config is only ${size} bytes (truncated header)`;
    return {
      size,
      headerType: undefined,
      ids: null,
      buses: null,
      pcie: UNKNOWN,
      acs: { state: 'unknown', reason },
      sriov: UNKNOWN,
    };
  }
  const headerType = rd8(b, HEADER_TYPE) & 0x7f;
  const ids: Mutable<NonNullable<ConfigInfo['ids']>> = {
    vendor: rd16(b, 0),
    device: rd16(b, 2),
    revision: rd8(b, 8),
    classCode: rd8(b, 9) | (rd8(b, 10) << 8) | (rd8(b, 11) << 16),
    // A bridge's subsystem ids are in its SSVID capability (filled in below), else 0 (kernel
    // pci_setup_device); a CardBus bridge's at 0x40, past the 64 bytes this decides on.
    subsystem: headerType === 0 ? { vendor: rd16(b, 0x2c), device: rd16(b, 0x2e) } : null,
  };
  const buses = headerType === 1 ? { secondary: rd8(b, 0x19), subordinate: rd8(b, 0x1a) } : null;

  // Standard capability list (kernel __pci_find_next_cap_ttl, but strict: bad pointers are errors).
  let pcieAt: number | null = null;
  let ssvidAt: number | null = null;
  let truncatedAt: number | null = null;
  if (rd16(b, STATUS) & STATUS_CAP_LIST) {
    // Pointers met so far (a list is a handful long; an array beats a Set per function).
    const seen: number[] = [];
    let ptr = rd8(b, CAP_PTR) & 0xfc;
    while (ptr !== 0) {
      if (ptr < 0x40) throw bad(`capability pointer ${hex(ptr)} points into the header`);
      if (seen.includes(ptr)) throw bad(`capability list loops back to ${hex(ptr)}`);
      seen.push(ptr);
      if (ptr + 2 > size) {
        truncatedAt = ptr;
        break;
      }
      const id = rd8(b, ptr);
      if (id === 0xff) break;
      if (id === CAP_ID_EXP && pcieAt === null) pcieAt = ptr;
      if (id === CAP_ID_SSVID && ssvidAt === null) ssvidAt = ptr;
      ptr = rd8(b, ptr + 1) & 0xfc;
    }
  }
  if (headerType === 1) {
    // The kernel takes the first SSVID capability; with none on a whole list, the ids stay 0.
    if (ssvidAt !== null && ssvidAt + 8 <= size) {
      ids.subsystem = { vendor: rd16(b, ssvidAt + 4), device: rd16(b, ssvidAt + 6) };
    } else if (ssvidAt === null && truncatedAt === null) ids.subsystem = { vendor: 0, device: 0 };
  }
  if (pcieAt === null) {
    if (truncatedAt !== null) {
      const reason = `config has ${size} bytes; the capability list continues at ${hex(truncatedAt)} (read as root for the full 4096)`;
      return result(size, headerType, ids, buses, UNKNOWN, { state: 'unknown', reason }, UNKNOWN);
    }
    // Conventional PCI: no PCIe capability, so no extended capabilities either.
    return result(size, headerType, ids, buses, null, { state: 'absent' }, null);
  }
  const pcie = parsePcieCap(b, size, pcieAt, field);
  if (size <= EXT_START) {
    const reason = `config has ${size} bytes: no extended capability space in the capture`;
    return result(size, headerType, ids, buses, pcie, { state: 'unknown', reason }, UNKNOWN);
  }

  // Extended capability list (kernel pci_find_next_ext_capability).
  let acs: AcsState = { state: 'absent' };
  let sriov: Maybe<SriovInfo> | null = null;
  const seen: number[] = [];
  let pos = EXT_START;
  while (pos !== 0) {
    if (pos < EXT_START) throw bad(`extended capability pointer ${hex(pos)} is below 0x100`);
    if (seen.includes(pos)) throw bad(`extended capability list loops back to ${hex(pos)}`);
    seen.push(pos);
    if (pos + 4 > size) {
      const reason = `config has ${size} bytes; the extended capability list continues at ${hex(pos)}`;
      if (acs.state === 'absent') acs = { state: 'unknown', reason };
      if (sriov === null) sriov = UNKNOWN;
      break;
    }
    const header = rd32(b, pos);
    if (header === 0 || header === 0xffffffff) break;
    const id = header & 0xffff;
    if (id === EXT_ID_ACS && acs.state === 'absent' && pos + 8 <= size) {
      acs = { state: 'present', cap: rd16(b, pos + 4), ctrl: rd16(b, pos + 6) };
    }
    if (id === EXT_ID_SRIOV && sriov === null && pos + 0x1c <= size) {
      sriov = {
        totalVfs: rd16(b, pos + 0x0e),
        numVfs: rd16(b, pos + 0x10),
        firstVfOffset: rd16(b, pos + 0x14),
        vfStride: rd16(b, pos + 0x16),
        vfDevice: rd16(b, pos + 0x1a),
      };
    }
    pos = (header >>> 20) & 0xffc;
  }
  return result(size, headerType, ids, buses, pcie, acs, sriov);
}

/** One object shape for every outcome (no spread per function). */
function result(
  size: number,
  headerType: number,
  ids: ConfigInfo['ids'],
  buses: ConfigInfo['buses'],
  pcie: ConfigInfo['pcie'],
  acs: AcsState,
  sriov: ConfigInfo['sriov'],
): ConfigInfo {
  return { size, headerType, ids, buses, pcie, acs, sriov };
}

/** The PCI Express capability at `at`: port type, Link Capabilities, Link Status. */
function parsePcieCap(bytes: Uint8Array, size: number, at: number, field: string): Maybe<PcieInfo> {
  if (at + 0x14 > size) return UNKNOWN;
  const u16 = (o: number) => rd16(bytes, o);
  const code = (u16(at + 2) >> 4) & 0xf;
  const portType = PCIE_PORT_TYPE_CODES[code];
  if (portType === undefined) {
    throw new PeerdmaError('E_PARSE', `PCIe capability has reserved port type ${code}`, { field });
  }
  // Device Control: Max_Payload_Size bits 7:5, Max_Read_Request_Size bits 14:12 (128 << code)
  const devCtl = u16(at + 0x08);
  const mps = 128 << ((devCtl >> 5) & 7);
  const mrrs = 128 << ((devCtl >> 12) & 7);
  // Key order as the JSON documents print it: portType, linkCap, linkStatus, mps, mrrs.
  const sized = mps <= 4096 && mrrs <= 4096;
  if (portType === 'rc-integrated-endpoint' || portType === 'rc-event-collector') {
    return sized
      ? { portType, linkCap: null, linkStatus: null, mps, mrrs }
      : { portType, linkCap: null, linkStatus: null };
  }
  const linkCap = decodeLink(u16(at + 0x0c) & 0xf, (u16(at + 0x0c) >> 4) & 0x3f);
  const status = u16(at + 0x12);
  const linkStatus = decodeLink(status & 0xf, (status >> 4) & 0x3f);
  return sized ? { portType, linkCap, linkStatus, mps, mrrs } : { portType, linkCap, linkStatus };
}

function decodeLink(speedCode: number, width: number): Maybe<Link> {
  const speedGTs = SPEED_GTS[speedCode];
  if (speedGTs === undefined || width === 0) return UNKNOWN;
  return { speedGTs, width };
}
