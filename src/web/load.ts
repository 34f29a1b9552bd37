/**
 * The browser's `--from`: files dropped on the page (a snapshot `.tar.gz`, lspci text — tree and
 * verbose output may be dropped together —, hwloc XML, a spec) are read by the same pure loaders as
 * the CLI, with the same detection and the same one-line errors. Gzip goes through the platform's
 * `DecompressionStream` (browsers and Node 18+), so nothing is uploaded anywhere.
 */
import { PeerdmaError } from '../errors/index.js';
import { MAX_INPUT_BYTES } from '../ingest/limits.js';
import { loadSysfs } from '../ingest/sysfs/index.js';
import { loadTexts } from '../ingest/texts.js';
import type { LoadResult, TextInput } from '../ingest/types.js';
import { readTar, treeVfs } from './tar.js';

export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Gunzip with the platform's DecompressionStream; a corrupt stream is E_PARSE naming the file. */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PeerdmaError('E_PARSE', `not a readable .tar.gz: ${msg}`, { file: name });
  }
}

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** Load dropped files into a fabric, detecting the format from content as `--from` does. */
export async function loadFiles(files: readonly NamedBytes[]): Promise<LoadResult> {
  const head = files[0];
  if (head === undefined) throw new PeerdmaError('E_USAGE', 'no file given');
  for (const f of files) {
    if (f.bytes.length > MAX_INPUT_BYTES) {
      throw new PeerdmaError(
        'E_TOO_LARGE',
        `file is ${f.bytes.length} bytes, over the ${MAX_INPUT_BYTES}-byte limit`,
        { file: f.name },
      );
    }
  }
  if (isGzip(head.bytes)) {
    if (files.length > 1)
      throw new PeerdmaError('E_USAGE', 'a snapshot is one .tar.gz file', { file: head.name });
    const tar = await gunzip(head.bytes, head.name);
    return loadSysfs(treeVfs(readTar(tar, head.name), head.name), { label: head.name });
  }
  const texts: TextInput[] = files.map((f) => {
    try {
      return { name: f.name, text: new TextDecoder('utf-8', { fatal: true }).decode(f.bytes) };
    } catch {
      throw new PeerdmaError('E_PARSE', 'not UTF-8 text', { file: f.name });
    }
  });
  return loadTexts(texts);
}
