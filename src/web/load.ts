/**
 * The browser's `--from`: files dropped on the page (a snapshot `.tar.gz`, lspci text — tree and
 * verbose output may be dropped together —, hwloc XML, a spec) are read by the same pure loaders as
 * the CLI, with the same detection and the same one-line errors. Gzip goes through the platform's
 * `DecompressionStream` (browsers and Node 18+), so nothing is uploaded anywhere.
 */
import { PeerdmaError, withFile } from '../errors/index.js';
import { detectTextFormat } from '../ingest/detect.js';
import { loadHwloc } from '../ingest/hwloc/index.js';
import { loadLspci, MAX_INPUT_BYTES } from '../ingest/lspci/index.js';
import { loadSpec } from '../ingest/spec/index.js';
import { loadSysfs } from '../ingest/sysfs/index.js';
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

/** Detect and load text inputs (all of one format; lspci may be two files). */
export function loadTexts(texts: readonly TextInput[]): LoadResult {
  const formats = texts.map((t) => {
    const f = detectTextFormat(t.text);
    if (f === null) {
      throw new PeerdmaError(
        'E_FORMAT_UNKNOWN',
        'not a sysfs capture, lspci output, hwloc XML or peerdma spec (use --format to force one)',
        { file: t.name, line: 1 },
      );
    }
    return f;
  });
  const f0 = formats[0]!;
  const other = formats.findIndex((f) => f !== f0);
  if (other >= 0) {
    throw new PeerdmaError('E_USAGE', `inputs mix formats: ${f0} and ${formats[other]}`, {
      file: texts[other]!.name,
    });
  }
  const first = texts[0]!;
  if (f0 !== 'lspci' && texts.length > 1)
    throw new PeerdmaError('E_USAGE', `${f0} input is one file, got ${texts.length}`);
  try {
    if (f0 === 'lspci') return loadLspci(texts);
    if (f0 === 'hwloc') return loadHwloc(first);
    return loadSpec(first);
  } catch (e) {
    throw withFile(e, first.name);
  }
}
