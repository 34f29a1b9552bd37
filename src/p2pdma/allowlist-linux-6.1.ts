/**
 * `pci_p2pdma_whitelist[]` as shipped in Linux 6.1 (LTS). Ten entries: the Intel Xeon entries of
 * the original v5.x table, the Sky Lake-E root ports, and Ice Lake-SP 0x09a2 (added Feb 2022, v5.18,
 * "PCI/P2PDMA: Add Intel 3rd Gen Intel Xeon Scalable Processors to whitelist"). The Google wildcard,
 * DSA/IAX and QAT entries came later (a v6.2-era p2pdma.c read with the search tools still ends at
 * 0x09a2). The QEMU q35 host bridge 8086:29c0 was proposed but never listed; the kernel-oracle
 * fixtures confirm 6.1 refuses it.
 */
import type { AllowlistEntry } from './allowlist.js';

const INTEL = 0x8086;

export const ALLOWLIST_LINUX_6_1: readonly AllowlistEntry[] = [
  {
    vendor: INTEL,
    device: 0x3c00,
    reqSameHostBridge: true,
    name: 'Intel Xeon E5/Core i7',
    since: 'v5.4',
  },
  {
    vendor: INTEL,
    device: 0x3c01,
    reqSameHostBridge: true,
    name: 'Intel Xeon E5/Core i7',
    since: 'v5.4',
  },
  {
    vendor: INTEL,
    device: 0x2f00,
    reqSameHostBridge: true,
    name: 'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
    since: 'v5.4',
  },
  {
    vendor: INTEL,
    device: 0x2f01,
    reqSameHostBridge: true,
    name: 'Intel Xeon E7 v3/Xeon E5 v3/Core i7',
    since: 'v5.4',
  },
  {
    vendor: INTEL,
    device: 0x2030,
    reqSameHostBridge: false,
    name: 'Intel Sky Lake-E root port A',
    since: '≈v5.5',
  },
  {
    vendor: INTEL,
    device: 0x2031,
    reqSameHostBridge: false,
    name: 'Intel Sky Lake-E root port B',
    since: '≈v5.10',
  },
  {
    vendor: INTEL,
    device: 0x2032,
    reqSameHostBridge: false,
    name: 'Intel Sky Lake-E root port C',
    since: '≈v5.10',
  },
  {
    vendor: INTEL,
    device: 0x2033,
    reqSameHostBridge: false,
    name: 'Intel Sky Lake-E root port D',
    since: '≈v5.10',
  },
  {
    vendor: INTEL,
    device: 0x2020,
    reqSameHostBridge: false,
    name: 'Intel Sky Lake-E',
    since: '≈v5.5',
  },
  {
    vendor: INTEL,
    device: 0x09a2,
    reqSameHostBridge: false,
    name: 'Intel Ice Lake-SP (3rd Gen Xeon Scalable)',
    since: 'v5.18',
  },
];
