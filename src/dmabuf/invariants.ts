/**
 * The 40 invariants of spec §7 and where the model enforces each: the layer that owns it, the
 * kernel's reaction as modelled, the code, and the test that violates it on purpose (rows owned
 * by the fence or DMA layers name those layers' tests); invariants.test.ts keeps this table honest
 * (every `test` title exists in the test file it names).
 */
export type InvariantOwner = 'dmabuf' | 'proc' | 'exporter' | 'fence' | 'p2pdma/dma';

export interface InvariantRow {
  readonly n: number;
  readonly rule: string;
  readonly owner: InvariantOwner;
  /** What the model does when it is broken. */
  readonly reaction: string;
  /** Where it is enforced (file: function). */
  readonly where: string;
  /** `file#test title prefix` of the test that breaks it on purpose. */
  readonly test: string;
}

const M = 'src/dmabuf/misuse.test.ts#';
const row = (
  n: number,
  rule: string,
  owner: InvariantOwner,
  reaction: string,
  where: string,
  test = `${M}7.${n} `,
): InvariantRow => ({ n, rule, owner, reaction, where, test });

export const DMABUF_INVARIANTS: readonly InvariantRow[] = [
  row(
    1,
    'export requires priv, ops, map_dma_buf, unmap_dma_buf, release',
    'dmabuf',
    'WARN spec7.1, -EINVAL',
    'export.ts: exportImpl',
  ),
  row(
    2,
    'pin and unpin come as a pair (≤6.14: no cache_sgt_mapping with pin)',
    'dmabuf',
    'WARN spec7.2, -EINVAL',
    'export.ts: exportImpl',
  ),
  row(3, 'the exporter module is alive at export', 'dmabuf', '-ENOENT', 'export.ts: exportImpl'),
  row(
    4,
    'fd installed last; no touching the object after dma_buf_fd',
    'dmabuf',
    'CHECK spec7.4 (use-after-free), -EINVAL/no-op',
    'core.ts: useAfterFree',
  ),
  row(
    5,
    'dma_buf_get accepts only dma-buf fds',
    'dmabuf',
    '-EBADF / -EINVAL (reference returned)',
    'core.ts: DmaBufCore.get',
  ),
  row(
    6,
    'dma_buf_put needs a valid buffer',
    'dmabuf',
    'WARN spec7.6, no-op',
    'core.ts: DmaBufCore.put',
  ),
  row(
    7,
    'destroyed on the last file reference, with no vmap and no active poll callback',
    'dmabuf',
    'BUG spec7.7',
    'export.ts: releaseImpl; proc/files.ts: FileTable.put',
  ),
  row(
    8,
    'importers detach before the last reference drops',
    'dmabuf',
    'WARN spec7.8; attachments kept as leaks',
    'export.ts: releaseImpl',
  ),
  row(
    9,
    'dynamic importers supply move_notify',
    'dmabuf',
    'WARN spec7.9, -EINVAL',
    'attach.ts: attachImpl',
  ),
  row(
    10,
    'peer2peer only if the importer allowed it; static never',
    'dmabuf',
    'structural; CHECK spec7.10 if an exporter sets it',
    'objects.ts: DmaBufAttachment; attach.ts',
  ),
  row(
    11,
    'exporters clear peer2peer on negative distance; no BAR/bus addresses without peer2peer',
    'exporter',
    'exporter errno (-EPERM / -EOPNOTSUPP); CHECK spec7.11 for bus-address segments',
    'src/drivers exporters; map.ts: exporterMap',
  ),
  row(
    12,
    'listed only after the exporter attach succeeded; list changes under the lock',
    'dmabuf',
    'exporter error returned, attachment freed',
    'attach.ts: attachImpl',
  ),
  row(
    13,
    'detach only attachments of this buffer',
    'dmabuf',
    'WARN spec7.13, no-op',
    'attach.ts: detachImpl',
  ),
  row(
    14,
    'pin/unpin only on dynamic attachments',
    'dmabuf',
    'WARN spec7.14, call proceeds',
    'map.ts: pin/unpin',
  ),
  row(
    15,
    'lock held for pin, unpin, map, unmap, vmap, vunmap, move_notify',
    'dmabuf',
    'LOCKDEP spec7.15 (spec7.25 for move_notify)',
    'core.ts: assertHeld; map.ts; cpu.ts',
  ),
  row(
    16,
    'lock not held for attach, detach, export, fd, get, put, mmap, cpu access, _unlocked',
    'dmabuf',
    'LOCKDEP + BUG spec7.16 (self-deadlock) where the call locks; CHECK spec7.16 otherwise',
    'core.ts: deadlock/warnIfHeld',
  ),
  row(
    17,
    'locked exporter callbacks must not take the lock',
    'dmabuf',
    'LOCKDEP + BUG spec7.16 (self-deadlock)',
    'core.ts: DmaBufCore.lock',
  ),
  row(18, 'map only with a valid attachment', 'dmabuf', 'WARN spec7.18, -EINVAL / no-op', 'map.ts'),
  row(
    19,
    'static importer of a dynamic exporter pinned per mapping; no -EBUSY pin',
    'dmabuf',
    'pin-on-map; WARN_ONCE spec7.19 and the error',
    'map.ts: mapAttachment',
  ),
  row(
    20,
    'a NULL map result means -ENOMEM',
    'dmabuf',
    '-ENOMEM (pin undone)',
    'map.ts: exporterMap',
  ),
  row(
    21,
    'static importers get the mapping after KERNEL fences; dynamic ones wait themselves',
    'dmabuf',
    'interruptible wait (-ERESTARTSYS, mapping undone); CHECK spec7.21 for dynamic',
    'map.ts: mapAttachment/assertMappingUsable',
  ),
  row(
    22,
    'importers read only DMA address/length of the DMA entries',
    'dmabuf',
    'CONFIG_DMABUF_DEBUG: XOR-poisoned CPU view → BUG spec7.22; ≈7.0 wrapper with empty CPU view',
    'debug.ts: applyDebug',
  ),
  row(
    23,
    'unmap with the same table and direction; ≤6.14 cached direction clash',
    'dmabuf',
    'CHECK spec7.23 (double unmap not forwarded); -EBUSY under caching',
    'map.ts: unmapAttachment/mapAttachment',
  ),
  row(
    24,
    'page-aligned DMA segments for RDMA; no sg entry ≥ 4 GiB',
    'dmabuf',
    'CHECK spec7.24 for ≥ 4 GiB; DMA-API-debug log line for unaligned; RDMA trimming in src/drivers',
    'map.ts: exporterMap',
  ),
  row(
    25,
    'move_notify with the lock held, to dynamic attachments only',
    'dmabuf',
    'LOCKDEP spec7.25; static attachments skipped',
    'map.ts: moveNotify',
  ),
  row(
    26,
    'no moves (no move_notify for a move) while pinned',
    'dmabuf',
    'CHECK spec7.26; pinned RDMA importers warn (src/drivers)',
    'map.ts: moveNotify',
  ),
  row(
    27,
    'after move_notify no new DMA on the old mapping; unmap before re-map',
    'dmabuf',
    'CHECK spec7.27 (stale mappings)',
    'map.ts: assertMappingUsable/mapAttachment',
  ),
  row(
    28,
    'revoked buffers cannot be mapped',
    'exporter',
    'exporter errno (VFIO -ENODEV) passed through by the core',
    'src/drivers exporters; map.ts passes it on',
  ),
  row(
    29,
    'vmap/vunmap balanced with the same map',
    'dmabuf',
    'BUG spec7.29; exporter failure WARN_ONCE + error',
    'cpu.ts: vmap/vunmap',
  ),
  row(
    30,
    'SYNC flags ⊆ {READ, WRITE, END} with READ or WRITE',
    'dmabuf',
    '-EINVAL',
    'uapi.ts: syncIoctl',
  ),
  row(
    31,
    'names < 32 bytes; ≤5.18 no rename while attached',
    'dmabuf',
    '-EINVAL / -EFAULT / -EBUSY',
    'uapi.ts: setName',
  ),
  row(
    32,
    'mmap within size >> PAGE_SHIFT pages and requires ops.mmap',
    'dmabuf',
    '-EINVAL / -EOVERFLOW',
    'cpu.ts: userMmap/kernelMmap',
  ),
  row(
    33,
    'sync_file flags non-empty subset of RW; import needs a sync_file',
    'dmabuf',
    '-EINVAL',
    'uapi.ts; src/fence/dmabuf-sync.ts',
  ),
  row(
    34,
    'reserve before adding, in the same lock session',
    'fence',
    'BUG (list full)',
    'src/fence/resv.ts',
    'src/fence/resv.test.ts#add without any reserve is an oops; beyond the reservation is BUG_ON',
  ),
  row(
    35,
    'only leaf fences in a reservation object',
    'fence',
    'WARN',
    'src/fence/resv.ts',
    'src/fence/resv.test.ts#reserve/add without the lock → LOCKDEP; adding a container → WARN',
  ),
  row(
    36,
    'a fence signals once; late callbacks not called',
    'fence',
    'no-op (≤6.16: -EINVAL) / -ENOENT',
    'src/fence/fence.ts',
    'src/fence/fence.conformance.test.ts#test_late_add_callback',
  ),
  row(
    37,
    'errors set before signalling, negative errnos',
    'fence',
    'WARN',
    'src/fence/fence.ts',
    'src/fence/fence.test.ts#set_error after signal or out of range warns',
  ),
  row(
    38,
    'seqno comparison within one context; 32-bit wrap',
    'fence',
    'WARN, "not later"',
    'src/fence/seqno.ts',
    'src/fence/fence.test.ts#is_later: 32-bit wrap-around unless seqno64; cross-context warns',
  ),
  row(
    39,
    'fences with pending callbacks signalled before the last put',
    'fence',
    'WARN, then -EDEADLK signal',
    'src/fence/fence.ts',
    'src/fence/fence.test.ts#release with pending callbacks warns, then signals with -EDEADLK',
  ),
  row(
    40,
    'P2P addresses match the route',
    'p2pdma/dma',
    '-EREMOTEIO / WARN_ON_ONCE / -EINVAL',
    'src/p2pdma, src/dma',
    'src/dma/sg.test.ts#P2PDMA pages with an unusable map type: dma_map_sg returns 0, dma_map_sgtable -EREMOTEIO',
  ),
];

/** The table as Markdown (for docs and reports): one row per invariant. */
export function invariantsMarkdown(rows: readonly InvariantRow[] = DMABUF_INVARIANTS): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = [
    '| # | invariant | owner | reaction in the model | enforced in | test |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${esc(r.rule)} | ${r.owner} | ${esc(r.reaction)} | ${esc(r.where)} | ${esc(r.test)} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
