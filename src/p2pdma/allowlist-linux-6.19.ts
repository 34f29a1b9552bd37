/**
 * `pci_p2pdma_whitelist[]` as the spec (§3.5.2) gives it for the newest kernels: the 6.1 table plus
 * the Google wildcard, the Sapphire/Granite/Diamond Rapids DSA/IAX/IAA devices and the QAT 4xxx family
 * (integrated accelerators that sit first on their root bus and act as the "host bridge device").
 * The NVIDIA 0x2f95–0x2f98 and Zhaoxin entries were seen only in topic trees (merge status unverified)
 * and are left out.
 */
import type { AllowlistEntry } from './allowlist.js';
import { ALLOWLIST_LINUX_6_1 } from './allowlist-linux-6.1.js';

const INTEL = 0x8086;
const GOOGLE = 0x1ae0;

export const ALLOWLIST_LINUX_6_19: readonly AllowlistEntry[] = [
  ...ALLOWLIST_LINUX_6_1,
  {
    vendor: INTEL,
    device: 0x0b25,
    reqSameHostBridge: false,
    name: 'Intel DSA (Sapphire Rapids)',
    since: '≈v6.10',
  },
  {
    vendor: INTEL,
    device: 0x0cfe,
    reqSameHostBridge: false,
    name: 'Intel IAX (Sapphire Rapids)',
    since: '≈v6.10',
  },
  {
    vendor: INTEL,
    device: 0x11fb,
    reqSameHostBridge: false,
    name: 'Intel DSA (Granite Rapids-D)',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x1212,
    reqSameHostBridge: false,
    name: 'Intel DSA (Diamond Rapids)',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x1216,
    reqSameHostBridge: false,
    name: 'Intel IAA (Diamond Rapids)',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x4940,
    reqSameHostBridge: false,
    name: 'Intel QAT 4xxx',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x4942,
    reqSameHostBridge: false,
    name: 'Intel QAT 401xx',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x4944,
    reqSameHostBridge: false,
    name: 'Intel QAT 402xx',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x4946,
    reqSameHostBridge: false,
    name: 'Intel QAT 420xx',
    since: '≈v6.16',
  },
  {
    vendor: INTEL,
    device: 0x4948,
    reqSameHostBridge: false,
    name: 'Intel QAT 6xxx',
    since: '≈v6.18',
  },
  { vendor: GOOGLE, device: 'any', reqSameHostBridge: false, name: 'Google SoCs', since: '≈v6.6' },
];
