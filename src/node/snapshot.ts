/**
 * `peerdma snapshot`: copy an ALLOWLIST of a machine's /sys and /proc into a deterministic .tar.gz
 * that the sysfs loader reads directly. Only plain attribute reads; never `resourceN`, `rom`,
 * `remove`, `rescan`, `reset` or anything that maps or touches a device.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';
import { BUFINFO_PATH, collectBuffers, DMABUF_LINK_RE, SYSFS_BUFFERS } from '../buffers/index.js';
import { isPeerdmaError, PeerdmaError } from '../errors/index.js';
import { discoverFunctions, findRoot } from '../ingest/sysfs/discover.js';
import { loadSysfs, RECORDED_IDS } from '../ingest/sysfs/index.js';
import { baseName, dirName, joinPath } from '../ingest/sysfs/paths.js';
import { WarningSink } from '../ingest/sysfs/warnings.js';
import type { VirtualFs } from '../ingest/types.js';
import { namesToPciIds } from '../names/index.js';
import { SYSTEM_PCI_IDS, systemPciIds } from './pci-ids.js';
import { dirVfs, FORBIDDEN_FILE } from './vfs.js';

/** Attribute files copied from each PCI function directory. */
export const FUNCTION_FILES: readonly string[] = [
  'vendor',
  'device',
  'subsystem_vendor',
  'subsystem_device',
  'class',
  'revision',
  'resource',
  'config',
  'current_link_speed',
  'current_link_width',
  'max_link_speed',
  'max_link_width',
  'numa_node',
  'local_cpus',
  'local_cpulist',
  'secondary_bus_number',
  'subordinate_bus_number',
];
/** Links copied (as links) from each PCI function directory; plus every `virtfnN`. */
export const FUNCTION_LINKS: readonly string[] = ['iommu_group', 'driver', 'physfn'];
const PROC_FILES = ['cpuinfo', 'version', 'cmdline', 'sys/kernel/osrelease'];
/** p2pmem attributes (never `p2pmem/allocate`, which maps device memory). */
const P2PMEM_FILES = ['size', 'available', 'published'];

/**
 * What `peerdma buffers` reads: debugfs bufinfo, each process's dma-buf fds (the `fd/N` link, its
 * fdinfo, the process's comm) and the sysfs buffer statistics. Other fds are not touched.
 */
function collectBufferFiles(
  vfs: VirtualFs,
  at: (p: string) => string,
  put: { file(p: string): void; link(p: string): void; dir(p: string): void },
): void {
  put.file(at(BUFINFO_PATH));
  for (const pid of vfs.list(at('proc')) ?? []) {
    if (!/^\d+$/.test(pid)) continue;
    for (const fd of vfs.list(at(`proc/${pid}/fd`)) ?? []) {
      const target = vfs.readlink(at(`proc/${pid}/fd/${fd}`));
      if (target === undefined || !DMABUF_LINK_RE.test(target)) continue;
      put.link(at(`proc/${pid}/fd/${fd}`));
      put.file(at(`proc/${pid}/fdinfo/${fd}`));
      put.file(at(`proc/${pid}/comm`));
    }
  }
  for (const ino of vfs.list(at(SYSFS_BUFFERS)) ?? []) {
    put.file(at(`${SYSFS_BUFFERS}/${ino}/exporter_name`));
    put.file(at(`${SYSFS_BUFFERS}/${ino}/size`));
  }
}

/** Directories under a function whose entries are the OS device names (`net/eth0`, `nvme/nvme0`). */
export const OS_DEVICE_DIRS: readonly string[] = ['net', 'infiniband', 'nvme', 'block', 'drm'];

export type SnapshotEntry =
  | { readonly path: string; readonly type: 'file'; readonly data: Uint8Array }
  | { readonly path: string; readonly type: 'dir' }
  | { readonly path: string; readonly type: 'link'; readonly target: string };

export interface Snapshot {
  readonly bytes: Uint8Array;
  readonly functions: number;
  readonly entries: number;
  /** What the capture could not read (not root: debugfs, other users' fds), said plainly. */
  readonly notes: readonly string[];
}

export interface SnapshotOptions {
  /** Refuse to write an archive whose files hold more than this many bytes (E_TOO_LARGE). */
  readonly maxBytes?: number;
}

/** A 10,000-function machine captures to ~60 MB of attributes; nothing real comes near this. */
export const SNAPSHOT_MAX_BYTES = 512 * 1024 * 1024;

/** Capture the allowlist below `root` (a `/`-like tree) as a .tar.gz. */
export async function takeSnapshot(
  root: string,
  systemIds: readonly string[] = SYSTEM_PCI_IDS,
  opts: SnapshotOptions = {},
): Promise<Uint8Array> {
  return (await snapshotWithStats(root, systemIds, opts)).bytes;
}

/**
 * Capture exactly `root`: it must hold `sys/` itself (a tree one folder down is refused, naming
 * the folder to give instead, so what is captured is never a surprise). The notes say which facts
 * could not be read (config space beyond 64 bytes as non-root, unreadable attributes, buffers).
 */
export async function snapshotWithStats(
  root: string,
  systemIds: readonly string[] = SYSTEM_PCI_IDS,
  opts: SnapshotOptions = {},
): Promise<Snapshot> {
  const vfs = dirVfs(root);
  requireSysAtTop(vfs, root);
  const { entries, functions, warnings } = collectSnapshot(vfs, opts);
  const all = [...entries, ...recordNames(vfs, systemIds)].sort(byPath);
  return {
    bytes: packTarGz(all),
    functions,
    entries: all.length,
    notes: [...warnings, ...bufferNotes(vfs)],
  };
}

function requireSysAtTop(vfs: VirtualFs, root: string): void {
  if (vfs.kind('sys') === 'dir') return;
  const top = vfs.list('');
  if (top === undefined) {
    throw new PeerdmaError('E_IO', 'cannot read --root: no such directory', { file: root });
  }
  const below = top.filter((n) => vfs.kind(joinPath(n, 'sys')) === 'dir');
  const hint =
    below.length > 0
      ? `; ${below.map((n) => join(root, n)).join(', ')} ${below.length > 1 ? 'hold' : 'holds'} one: give that as --root`
      : ' (--root names the folder holding sys/ and proc/)';
  throw new PeerdmaError('E_NOT_FOUND', `no sys/ directory in ${root}${hint}`, { file: root });
}

function bufferNotes(vfs: VirtualFs): string[] {
  try {
    return [...collectBuffers(vfs, findRoot(vfs, new WarningSink(vfs.label))).notes];
  } catch (e) {
    // A malformed bufinfo/fdinfo is captured as it is; `buffers` names the line when reading it.
    return [isPeerdmaError(e) ? `buffers: ${e.message}` : String(e)];
  }
}

/**
 * The names of the captured functions (this machine's pci.ids + the built-in classes) as
 * `peerdma/pci.ids`, so the archive reads the same on a machine with another pci.ids or none.
 */
function recordNames(vfs: VirtualFs, systemIds: readonly string[]): SnapshotEntry[] {
  const ids = systemPciIds(systemIds);
  const { fabric } = loadSysfs(vfs, { ...(ids ? { systemIds: ids } : {}) });
  const header = `recorded by peerdma snapshot from ${ids?.name ?? 'the built-in class names'}`;
  const text = namesToPciIds(fabric, header);
  const at = (p: string) => joinPath(findRoot(vfs, new WarningSink(vfs.label)), p);
  return [
    { path: at('peerdma'), type: 'dir' },
    { path: at(RECORDED_IDS), type: 'file', data: new TextEncoder().encode(text) },
  ];
}

const byPath = (a: SnapshotEntry, b: SnapshotEntry) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** The allowlisted entries of a tree (sorted, parents implied), and what could not be read. */
export function collectSnapshot(
  vfs: VirtualFs & { size?(path: string): number | undefined },
  opts: SnapshotOptions = {},
): { entries: SnapshotEntry[]; functions: number; warnings: string[] } {
  const max = opts.maxBytes ?? SNAPSHOT_MAX_BYTES;
  const out = new Map<string, SnapshotEntry>();
  let total = 0;
  const unreadable = new Map<string, number>();
  let shortConfigs = 0;
  let shortAt = 0;
  const file = (p: string) => {
    const name = baseName(p);
    if (FORBIDDEN_FILE.test(name) || vfs.kind(p) !== 'file') return;
    const data = vfs.read(p);
    if (data === undefined) {
      // PCI attributes only: what buffers could not read is said by their own notes.
      if (FUNCTION_FILES.includes(name)) unreadable.set(name, (unreadable.get(name) ?? 0) + 1);
      return;
    }
    if (name === 'config') {
      // Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes (128 for CardBus).
      const size = vfs.size?.(p);
      if (size !== undefined && data.length < Math.min(size, 4096)) {
        shortConfigs++;
        shortAt = data.length;
      }
    }
    total += data.length;
    if (total > max) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `the capture holds more than ${max} bytes (at ${p}); not a PCI sysfs tree?`,
        { file: vfs.label },
      );
    }
    out.set(p, { path: p, type: 'file', data });
  };
  const link = (p: string) => {
    const target = vfs.kind(p) === 'link' ? vfs.readlink(p) : undefined;
    if (target !== undefined) out.set(p, { path: p, type: 'link', target });
  };
  const dir = (p: string) => {
    if (vfs.list(p) !== undefined) out.set(p, { path: p, type: 'dir' });
  };
  const sink = new WarningSink(vfs.label);
  const root = findRoot(vfs, sink);
  const at = (p: string) => joinPath(root, p);

  const busDir = at('sys/bus/pci/devices');
  dir(busDir);
  for (const n of vfs.list(busDir) ?? []) link(joinPath(busDir, n));
  const found = discoverFunctions(vfs, root, sink);
  for (const f of found) {
    dir(f.path);
    for (const a of FUNCTION_FILES) file(joinPath(f.path, a));
    for (const l of FUNCTION_LINKS) link(joinPath(f.path, l));
    for (const n of vfs.list(f.path) ?? []) if (/^virtfn\d+$/.test(n)) link(joinPath(f.path, n));
    // OS device names (directories only, nothing inside them is read).
    for (const kind of OS_DEVICE_DIRS) {
      const d = joinPath(f.path, kind);
      dir(d);
      for (const n of vfs.list(d) ?? []) {
        dir(joinPath(d, n));
        if (kind === 'nvme')
          for (const ns of vfs.list(joinPath(d, n)) ?? [])
            if (/^nvme\d+(?:c\d+)?n\d+$/.test(ns)) dir(joinPath(d, n, ns));
      }
    }
    file(at(`proc/driver/nvidia/gpus/${f.bdf}/information`));
  }
  const groups = at('sys/kernel/iommu_groups');
  dir(groups);
  for (const g of vfs.list(groups) ?? []) {
    file(joinPath(groups, g, 'type'));
    const devs = joinPath(groups, g, 'devices');
    dir(devs);
    for (const d of vfs.list(devs) ?? []) link(joinPath(devs, d));
  }
  const iommus = at('sys/class/iommu');
  dir(iommus);
  for (const u of vfs.list(iommus) ?? []) {
    const p = joinPath(iommus, u);
    if (vfs.kind(p) === 'link') link(p);
    else out.set(p, { path: p, type: 'dir' });
  }
  const nodes = at('sys/devices/system/node');
  dir(nodes);
  for (const n of vfs.list(nodes) ?? []) {
    if (/^node\d+$/.test(n)) {
      dir(joinPath(nodes, n));
      file(joinPath(nodes, n, 'cpulist'));
    }
  }
  for (const f of PROC_FILES) file(at(`proc/${f}`));
  collectBufferFiles(vfs, at, { file, link, dir });
  for (const f of found) for (const a of P2PMEM_FILES) file(joinPath(f.path, 'p2pmem', a));

  for (const p of [...out.keys()]) {
    for (let d = dirName(p); d !== '' && !out.has(d); d = dirName(d)) {
      out.set(d, { path: d, type: 'dir' });
    }
  }
  const entries = [...out.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const warnings: string[] = [];
  if (shortConfigs > 0) {
    warnings.push(
      `config space of ${shortConfigs} of ${found.length} functions reads only ${shortAt} bytes (not root?): ACS, PCIe port types and link capabilities will be unknown in this snapshot; run as root to capture them`,
    );
  }
  if (unreadable.size > 0) {
    const list = [...unreadable].map(([n, c]) => `${n} (${c})`).join(', ');
    warnings.push(`could not read, recorded as unknown: ${list}`);
  }
  return { entries, functions: found.length, warnings };
}

const EPOCH = new Date(0);

/** A deterministic ustar (+pax for long names) archive, gzip-compressed: mtime 0, uid/gid 0. */
export function packTarGz(entries: readonly SnapshotEntry[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const path = e.type === 'dir' ? `${e.path}/` : e.path;
    const size = e.type === 'file' ? e.data.length : 0;
    const linkpath = e.type === 'link' ? e.target : '';
    const h = new Header({
      path,
      mode: e.type === 'dir' ? 0o755 : e.type === 'link' ? 0o777 : 0o444,
      uid: 0,
      gid: 0,
      size,
      mtime: EPOCH,
      type: e.type === 'dir' ? 'Directory' : e.type === 'link' ? 'SymbolicLink' : 'File',
      linkpath,
      uname: '',
      gname: '',
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    if (h.needPax) {
      const pax = new Pax({ path, ...(linkpath.length > 0 ? { linkpath } : {}), uid: 0, gid: 0 });
      parts.push(pax.encode());
    }
    parts.push(block);
    if (e.type === 'file' && size > 0) {
      parts.push(Buffer.from(e.data.buffer, e.data.byteOffset, size));
      const pad = (512 - (size % 512)) % 512;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
