/** Where the page's machines come from: the bundled examples, the server's `--from`, dropped files. */

import { formatLocation } from '../../src/errors/index.js';
import { loadSpec, loadSpecValue } from '../../src/ingest/spec/index.js';
import type { LoadResult } from '../../src/ingest/types.js';
import {
  checkFolderLimits,
  type FolderEntry,
  type FolderFile,
  loadFolder,
} from '../../src/web/folder.js';
import { loadFiles } from '../../src/web/load.js';

const RAW = import.meta.glob('../../examples/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Bundled examples by name, `default` first (as `peerdma examples` lists them). */
export const EXAMPLES: ReadonlyMap<string, string> = new Map(
  Object.entries(RAW)
    .map(([path, text]) => [path.replace(/^.*\/(.*)\.yaml$/, '$1'), text] as const)
    .sort(([a], [b]) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b))),
);

export interface Loaded {
  readonly label: string;
  readonly result: LoadResult;
  /** Server-side load warnings (already worded). */
  readonly notes: readonly string[];
}

export function loadExample(name: string): Loaded {
  const text = EXAMPLES.get(name);
  if (text === undefined) throw new Error(`no example '${name}'`);
  const label = `example:${name}`;
  return { label, result: loadSpec({ name: label, text }), notes: [] };
}

/** The machine `peerdma serve --from` loaded; null when the page is not served by peerdma. */
export async function loadServerMachine(): Promise<Loaded | null> {
  const res = await fetch('/api/machine', { headers: { accept: 'application/json' } });
  if (!res.ok) return null;
  const doc = (await res.json()) as { label: string; spec: unknown; warnings: string[] };
  return {
    label: doc.label,
    result: loadSpecValue(doc.label, doc.spec),
    notes: doc.warnings,
  };
}

export async function loadDropped(files: readonly File[]): Promise<Loaded> {
  const named = await Promise.all(
    [...files]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
  const result = await loadFiles(named);
  return { label: named.map((f) => f.name).join(','), result, notes: [] };
}

/** A warning as the CLI prints it (`FILE:LINE: FIELD: message`). */
function warningLine(w: LoadResult['warnings'][number]): string {
  return `${w.location ? formatLocation(w.location) : ''}${w.message}`;
}

/** Read a capture folder (picked with `webkitdirectory`, or dropped) the way a snapshot is read. */
export async function loadFolderEntries(entries: readonly FolderEntry<Blob>[]): Promise<Loaded> {
  const top = entries[0]?.path.split('/')[0] ?? 'folder';
  const label = `${top}/`;
  checkFolderLimits(
    entries.length,
    entries.reduce((n, e) => n + e.file.size, 0),
    label,
  );
  const files: FolderFile[] = await Promise.all(
    [...entries]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map(async (e) => ({ path: e.path, bytes: new Uint8Array(await e.file.arrayBuffer()) })),
  );
  const result = loadFolder(files, label);
  return { label, result, notes: result.warnings.map(warningLine) };
}

/** The files of `<input webkitdirectory>`: each knows its path from the picked folder. */
export function folderInputEntries(files: readonly File[]): FolderEntry<File>[] {
  return files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
