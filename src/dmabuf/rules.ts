/**
 * The dma-buf behaviours that changed between kernel versions (spec §0.2), as data derived from
 * the Kernel's rule set, plus the Kconfig switches the core honours.
 */
export interface DmaBufRules {
  /** Rule-set name the rules come from, e.g. `linux-6.19`. */
  readonly ruleSet: string;
  /** ≤ v6.14: `cache_sgt_mapping` and cached `attach.sgt` (spec §1.7 version note). */
  readonly sgtCaching: boolean;
  /** ≤ v6.14: map at attach when importer and exporter dynamic-ness differ (spec §1.5.7). */
  readonly mapAtAttach: boolean;
  /** ≥ v6.2: every importer holds the resv lock for map/unmap/vmap (spec §1.11). */
  readonly lockAllImporters: boolean;
  /** Before v5.17: SET_NAME answers -EBUSY while attached; e73c317efbf9 dropped it (spec §1.14.1 says ≈ v5.18/5.19). */
  readonly setNameBusyWhenAttached: boolean;
  /** ≥ v6.0: EXPORT/IMPORT_SYNC_FILE ioctls exist (else -ENOTTY). */
  readonly syncFileIoctls: boolean;
  /** ≥ v5.19: static importers' map waits for KERNEL fences (usage-based dma_resv). */
  readonly staticMapWaitsKernelFences: boolean;
  /** How CONFIG_DMABUF_DEBUG hides struct pages: XOR mangling (v5.12–v6.19), a wrapper table (≈v7.0). */
  readonly debugStyle: 'none' | 'xor' | 'wrapper';
}

/** Kconfig and boot switches that change dma-buf behaviour (Appendix A). */
export interface DmaBufConfig {
  /** CONFIG_DMABUF_MOVE_NOTIFY (default off): dynamic importers of dynamic exporters are not pinned on map. */
  readonly moveNotify: boolean;
  /** CONFIG_DMABUF_DEBUG: importers get poisoned CPU views of sg tables. */
  readonly dmabufDebug: boolean;
  /** CONFIG_DMA_API_DEBUG: unaligned segments produce a debug log line at map time. */
  readonly dmaApiDebug: boolean;
  /** Flag silent misuse (spec §0.1 "checking mode") as CHECK violations. */
  readonly checks: boolean;
}

export type KernelVersion = readonly [major: number, minor: number];

/** a ≥ b for kernel versions. */
export const versionAtLeast = (v: KernelVersion, major: number, minor: number): boolean =>
  v[0] > major || (v[0] === major && v[1] >= minor);

export function dmabufRulesFor(ruleSet: string, v: KernelVersion): DmaBufRules {
  const before615 = !versionAtLeast(v, 6, 15);
  return {
    ruleSet,
    sgtCaching: before615,
    mapAtAttach: before615,
    lockAllImporters: versionAtLeast(v, 6, 2),
    setNameBusyWhenAttached: !versionAtLeast(v, 5, 17),
    syncFileIoctls: versionAtLeast(v, 6, 0),
    staticMapWaitsKernelFences: versionAtLeast(v, 5, 19),
    debugStyle: versionAtLeast(v, 7, 0) ? 'wrapper' : versionAtLeast(v, 5, 12) ? 'xor' : 'none',
  };
}
