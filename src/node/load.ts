/**
 * The one place that turns a `--from` argument into a Fabric: `example:NAME`, `live`, a directory
 * (unpacked sysfs capture), a `.tar.gz` snapshot, or a text file (lspci, hwloc XML, YAML/JSON spec).
 * Formats are detected from content; `format` forces one.
 */
import { release as osRelease } from 'node:os';
import { PeerdmaError, withFile } from '../errors/index.js';
import { MAX_INPUT_BYTES } from '../ingest/limits.js';
import { loadCompiledSpec } from '../ingest/spec/compiled.js';
import type { InputFormat, LoadResult, TextInput, VirtualFs } from '../ingest/types.js';
import type { PciIdsSource } from '../names/index.js';
import { DEFAULT_EXAMPLE, readCompiledExample, readExample } from './examples.js';
import { readInputFile, statInput } from './files.js';
import { dirVfs } from './vfs.js';

// Loaders are imported by the format they serve, when first needed: loading the default example
// (compiled at build time) pays for neither the YAML parser, the schema library, XML nor tar.
const spec = () => import('../ingest/spec/index.js');

export interface LoadOptions {
  /** Force a format instead of detecting it. */
  readonly format?: InputFormat;
  /** Refuse files larger than this many bytes (default 256 MiB, lspci's own limit). */
  readonly maxBytes?: number;
  /** `--pci-ids FILE`: names for every format; without it sysfs sources use the system pci.ids. */
  readonly pciIds?: string;
  /** Where to look for the system pci.ids (tests point it elsewhere); default SYSTEM_PCI_IDS. */
  readonly systemPciIds?: readonly string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];
const DEFAULT_MAX_BYTES = MAX_INPUT_BYTES;

/**
 * Load a fabric. `src` undefined means the default example. Several paths (lspci tree + verbose
 * output in two files) may be joined with a comma.
 */
/**
 * The live machine's / with the kernel release `uname -r` reports (os.release()) standing in for
 * /proc/sys/kernel/osrelease when /proc does not give it (the machine's kernel picks the rule set).
 */
function liveVfs(): VirtualFs {
  const root = dirVfs('/');
  const OSRELEASE = 'proc/sys/kernel/osrelease';
  return {
    label: root.label,
    kind: (p) => (p === OSRELEASE ? (root.kind(p) ?? 'file') : root.kind(p)),
    list: (p) => root.list(p),
    readlink: (p) => root.readlink(p),
    read: (p) =>
      root.read(p) ?? (p === OSRELEASE ? new TextEncoder().encode(`${osRelease()}\n`) : undefined),
  };
}

export async function loadSource(
  src: string | undefined,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const ids =
    opts.pciIds === undefined ? undefined : (await import('./pci-ids.js')).readPciIds(opts.pciIds);
  const res = await loadRaw(src, opts, ids);
  // Sysfs sources named their functions already (system pci.ids, the snapshot's, then --pci-ids).
  if (ids === undefined || res.fabric.machine.source === 'sysfs') return res;
  const { nameFabric, PciIds, vendorsOf } = await import('../names/index.js');
  return { ...res, fabric: nameFabric(res.fabric, PciIds.from([ids], vendorsOf(res.fabric))) };
}

async function loadRaw(
  src: string | undefined,
  opts: LoadOptions,
  ids: PciIdsSource | undefined,
): Promise<LoadResult> {
  const sysfs = async (vfs: VirtualFs, label: string) => {
    const [{ systemPciIds }, { loadSysfs }] = await Promise.all([
      import('./pci-ids.js'),
      import('../ingest/sysfs/index.js'),
    ]);
    const systemIds = systemPciIds(opts.systemPciIds);
    return loadSysfs(vfs, {
      label,
      ...(systemIds ? { systemIds } : {}),
      ...(ids ? { ids } : {}),
    });
  };
  const source = src ?? `example:${DEFAULT_EXAMPLE}`;
  if (source.startsWith('example:')) {
    const ex = readExample(source.slice('example:'.length));
    const compiled = readCompiledExample(ex);
    if (compiled !== null) return loadCompiledSpec(compiled, source);
    return (await spec()).loadSpec({ name: source, text: ex.text });
  }
  if (source === 'live') return sysfs(liveVfs(), 'live /sys');
  const paths = source.split(',').filter((p) => p.length > 0);
  const first = paths[0];
  if (first === undefined) throw new PeerdmaError('E_USAGE', 'empty --from');
  if (paths.length === 1) {
    const st = statInput(first, 'input');
    if (st.isDirectory()) {
      if (opts.format !== undefined && opts.format !== 'sysfs') {
        throw new PeerdmaError(
          'E_USAGE',
          `a directory can only be read as sysfs, not ${opts.format}`,
          { file: first },
        );
      }
      return sysfs(dirVfs(first), first);
    }
  }
  const inputs: { name: string; bytes: Uint8Array }[] = paths.map((p) => ({
    name: p,
    bytes: readBytes(p, opts.maxBytes ?? DEFAULT_MAX_BYTES),
  }));
  const head = inputs[0]!;
  const isGzip = head.bytes[0] === GZIP_MAGIC[0] && head.bytes[1] === GZIP_MAGIC[1];
  // A forced text format wins over the gzip magic (it then fails as text, naming the file).
  if (opts.format === 'sysfs' || (opts.format === undefined && isGzip)) {
    if (paths.length > 1)
      throw new PeerdmaError('E_USAGE', 'a snapshot is one .tar.gz file', { file: head.name });
    const { tarVfs } = await import('./vfs.js');
    return sysfs(await tarVfs(head.bytes, head.name), head.name);
  }
  const texts: TextInput[] = inputs.map((i) => ({
    name: i.name,
    text: decodeText(i.bytes, i.name),
  }));
  const format = opts.format ?? (await import('../ingest/detect.js')).detectTexts(texts);
  try {
    switch (format) {
      case 'lspci':
        return (await import('../ingest/lspci/index.js')).loadLspci(texts);
      case 'hwloc':
        return (await import('../ingest/hwloc/index.js')).loadHwloc(single(texts, 'hwloc'));
      case 'spec':
        return (await spec()).loadSpec(single(texts, 'spec'));
      default:
        throw new PeerdmaError('E_FORMAT_UNKNOWN', `cannot read ${format} from text`, {
          file: head.name,
        });
    }
  } catch (e) {
    throw withFile(e, head.name);
  }
}

function single(texts: readonly TextInput[], what: string): TextInput {
  if (texts.length !== 1)
    throw new PeerdmaError('E_USAGE', `${what} input is one file, got ${texts.length}`);
  return texts[0]!;
}

/** Only a regular file is read, and only up to `max` bytes (a FIFO or /dev/zero is E_IO). */
function readBytes(p: string, max: number): Uint8Array {
  return readInputFile(p, { maxBytes: max, what: 'input' });
}

function decodeText(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PeerdmaError('E_PARSE', 'not UTF-8 text', { file: name });
  }
}
