import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PeerdmaError } from '../../errors/index.js';
import type { TextInput } from '../types.js';

/** One `<object>` of an hwloc topology, with its `<info>` pairs and child objects. */
export interface HwObject {
  readonly type: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly infos: ReadonlyMap<string, string>;
  readonly children: readonly HwObject[];
}

export interface HwTopology {
  /** `version` attribute of `<topology>` (absent in hwloc 1.x exports). */
  readonly version: string | undefined;
  readonly infos: ReadonlyMap<string, string>;
  readonly roots: readonly HwObject[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, unknown> };

/** hwloc exports of the largest machines (thousands of VFs) are a few MB; parsing is ~5 s/50 MB. */
export const MAX_HWLOC_CHARS = 64 * 1024 * 1024;

/** Parse hwloc XML (v1 or v2). Malformed XML → E_PARSE with the validator's line and column. */
export function parseHwlocXml(input: TextInput): HwTopology {
  if (input.text.length > MAX_HWLOC_CHARS) {
    throw new PeerdmaError(
      'E_TOO_LARGE',
      `hwloc XML of ${input.text.length} characters is over the ${MAX_HWLOC_CHARS / 1024 / 1024} Mi-character limit`,
      { file: input.name },
    );
  }
  const valid = XMLValidator.validate(input.text);
  if (valid !== true) throw xmlError(input, valid.err);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
  });
  let doc: OrderedNode[];
  try {
    doc = parser.parse(input.text) as OrderedNode[];
  } catch (e) {
    // The validator accepts a few things the parser then refuses (a broken <?xml?> declaration).
    const msg = e instanceof Error ? e.message : String(e);
    throw new PeerdmaError('E_PARSE', `malformed XML: ${msg}`, { file: input.name, line: 1 });
  }
  const top = doc.find((n) => 'topology' in n);
  if (top === undefined) {
    throw new PeerdmaError('E_PARSE', 'no <topology> element: not an hwloc XML export', {
      file: input.name,
      line: 1,
    });
  }
  const body = childNodes(top, 'topology');
  return {
    version: attrsOf(top)['version'],
    infos: infosOf(body),
    roots: body.filter((n) => 'object' in n).map(toObject),
  };
}

/**
 * The validator reports elements left open at the end (a truncated file) as `Invalid '[ "topology",
 * "object" ]' found` at 1:1; say what happened and point at the end of the input instead.
 */
function xmlError(input: TextInput, err: { msg: string; line: number; col: number }): PeerdmaError {
  const open = /^Invalid '\[([^\]]*)\]' found/.exec(err.msg);
  const unclosed = /^Unclosed tag '([^']*)'/.exec(err.msg);
  if (open || unclosed) {
    const tags = open ? [...open[1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [unclosed![1]!];
    const lines = input.text.split('\n');
    const last = input.text.endsWith('\n') ? lines.length - 1 : lines.length;
    const innermost = tags[tags.length - 1] ?? '?';
    return new PeerdmaError(
      'E_PARSE',
      `malformed XML: input ends inside <${innermost}> (${tags.length} element(s) left open: truncated?)`,
      { file: input.name, line: Math.max(1, last) },
    );
  }
  return new PeerdmaError('E_PARSE', `malformed XML: ${err.msg}`, {
    file: input.name,
    line: err.line,
    column: err.col,
  });
}

function childNodes(n: OrderedNode, tag: string): OrderedNode[] {
  const c = n[tag];
  return Array.isArray(c) ? (c as OrderedNode[]) : [];
}

function attrsOf(n: OrderedNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(n[':@'] ?? {})) out[k] = String(v);
  return out;
}

function infosOf(body: readonly OrderedNode[]): Map<string, string> {
  const infos = new Map<string, string>();
  for (const n of body) {
    if (!('info' in n)) continue;
    const a = attrsOf(n);
    if (a['name'] !== undefined && !infos.has(a['name'])) infos.set(a['name'], a['value'] ?? '');
  }
  return infos;
}

function toObject(n: OrderedNode): HwObject {
  const body = childNodes(n, 'object');
  const attrs = attrsOf(n);
  return {
    type: attrs['type'] ?? '',
    attrs,
    infos: infosOf(body),
    children: body.filter((c) => 'object' in c).map(toObject),
  };
}
