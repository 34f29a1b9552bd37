/**
 * The host-bridge allowlist as data (`pci_p2pdma_whitelist[]` in drivers/pci/p2pdma.c) and the
 * tiny loop the kernel walks over it (`__host_bridge_whitelist`): first vendor/device match wins.
 */

export interface AllowlistEntry {
  readonly vendor: number;
  /** `'any'` is the kernel's PCI_ANY_ID wildcard (Google SoCs). */
  readonly device: number | 'any';
  /** REQ_SAME_HOST_BRIDGE: acceptable only when provider and client share this host bridge. */
  readonly reqSameHostBridge: boolean;
  readonly name: string;
  /** First mainline release believed to carry the entry (from the kernel's history; ≈ = inferred). */
  readonly since: string;
}

export type AllowlistAnswer =
  | { readonly kind: 'allowed'; readonly entry: AllowlistEntry }
  | { readonly kind: 'requires-same-host-bridge'; readonly entry: AllowlistEntry }
  | { readonly kind: 'not-listed' };

/** `__host_bridge_whitelist(host, same_host_bridge)` for a known vendor:device. */
export function allowlistLookup(
  table: readonly AllowlistEntry[],
  vendor: number,
  device: number,
  sameHostBridge: boolean,
): AllowlistAnswer {
  for (const entry of table) {
    if (entry.vendor !== vendor) continue;
    if (entry.device !== 'any' && entry.device !== device) continue;
    if (entry.reqSameHostBridge && !sameHostBridge)
      return { kind: 'requires-same-host-bridge', entry };
    return { kind: 'allowed', entry };
  }
  return { kind: 'not-listed' };
}
