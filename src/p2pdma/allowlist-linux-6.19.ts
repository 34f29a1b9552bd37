/**
 * `pci_p2pdma_whitelist[]` as shipped in mainline v6.19: the 6.1 table plus the Google wildcard.
 *
 * Not here, although spec §3.5.2 lists them for "the newest kernels": the Sapphire/Granite/Diamond
 * Rapids DSA/IAX/IAA devices and the QAT 4xxx–6xxx family (0x0b25, 0x0cfe, 0x11fb, 0x1212, 0x1216,
 * 0x4940–0x4948). They came with Lukas Wunner's "PCI/P2PDMA: Add Intel QAT, DSA, IAA devices to
 * whitelist" (upstream 0ba76b19fd4c), which reached the stable trees as a 7.1-stable review patch in
 * July 2026; its context lines, and a v6.19-era p2pdma.c (with `pcim_p2pdma_init`) read with the
 * search tools, end the table at 0x09a2 + Google. The NVIDIA 0x2f95–0x2f98 and Zhaoxin entries were
 * seen only in topic trees (merge status unverified) and are left out too.
 */
import type { AllowlistEntry } from './allowlist.js';
import { ALLOWLIST_LINUX_6_1 } from './allowlist-linux-6.1.js';

const GOOGLE = 0x1ae0;

export const ALLOWLIST_LINUX_6_19: readonly AllowlistEntry[] = [
  ...ALLOWLIST_LINUX_6_1,
  {
    vendor: GOOGLE,
    device: 'any',
    reqSameHostBridge: false,
    name: 'Google SoCs',
    since: '≈v6.3 – v6.19',
  },
];
