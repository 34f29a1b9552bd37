import { hexDigits } from '../util/hex.js';
import type { PciFunction } from './types.js';
import { isKnown } from './types.js';

/** Coarse device roles used by matrices and filters (`--class accel,gpu,nic,nvme`). */
export type DeviceCategory =
  | 'accel'
  | 'gpu'
  | 'nic'
  | 'nvme'
  | 'storage'
  | 'bridge'
  | 'host-bridge'
  | 'other';

export const DEVICE_CATEGORIES: readonly DeviceCategory[] = [
  'accel',
  'gpu',
  'nic',
  'nvme',
  'storage',
  'bridge',
  'host-bridge',
  'other',
];

/** Category from a 24-bit class code (PCI Code and ID Assignment spec). */
export function categoryOfClass(classCode: number): DeviceCategory {
  const base = classCode >> 16;
  const sub = (classCode >> 8) & 0xff;
  if (base === 0x12 || base === 0x0b) return 'accel'; // processing accelerator, co-processor
  if (base === 0x03) return 'gpu'; // VGA, XGA, 3D controller, display
  if (base === 0x02) return 'nic'; // ethernet, token ring, infiniband (0x0207), fabric
  if (base === 0x0d) return 'nic'; // wireless
  if (base === 0x0c && sub === 0x06) return 'nic'; // InfiniBand on the serial bus class (QLogic qib)
  if (base === 0x01 && sub === 0x08) return 'nvme'; // non-volatile memory controller
  if (base === 0x01) return 'storage';
  if (base === 0x06 && sub === 0x00) return 'host-bridge';
  if (base === 0x06) return 'bridge';
  return 'other';
}

export function categoryOf(f: PciFunction): DeviceCategory {
  if (f.kind === 'host-bridge') return 'host-bridge';
  if (f.kind !== 'endpoint' && f.kind !== 'rc-integrated-endpoint') return 'bridge';
  return isKnown(f.classCode) ? categoryOfClass(f.classCode) : 'other';
}

/** Short human class names for the most common base/subclass pairs. */
const CLASS_NAMES: Readonly<Record<number, string>> = {
  256: 'SCSI storage controller',
  257: 'IDE interface',
  260: 'RAID bus controller',
  262: 'SATA controller',
  263: 'Serial Attached SCSI controller',
  264: 'Non-Volatile memory controller',
  512: 'Ethernet controller',
  519: 'Infiniband controller',
  520: 'Fabric controller',
  640: 'Network controller',
  768: 'VGA compatible controller',
  770: '3D controller',
  896: 'Display controller',
  1027: 'Audio device',
  1280: 'RAM memory',
  1408: 'Memory controller',
  1536: 'Host bridge',
  1537: 'ISA bridge',
  1540: 'PCI bridge',
  2176: 'System peripheral',
  2880: 'Co-processor',
  3075: 'USB controller',
  3077: 'SMBus',
  3078: 'InfiniBand', // 0x0c06, serial bus class (older QLogic/Intel HCAs)
  4608: 'Processing accelerators',
};

export function className(classCode: number): string {
  return CLASS_NAMES[classCode >> 8] ?? `Class ${hexDigits(classCode >> 8, 4)}`;
}
