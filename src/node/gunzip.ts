/**
 * Gunzip into one reused piece of memory: `sink` is handed each filled piece of the unpacked
 * stream and must copy what it keeps before returning (the next piece overwrites it).
 *
 * Why not a `createGunzip()` stream: it allocates a fresh output buffer for every piece and runs
 * each piece on the thread pool. A 10,000-function snapshot unpacks to ~220 MB of mostly tar
 * padding, and those allocations (page faults, then GC) cost about 3× the inflating itself
 * (~300 ms CPU against ~90 ms, 2-core machine). Node's own synchronous zlib functions drive the
 * native handle with `writeSync(flush, in, inOff, inLen, out, outOff, outLen)` and read
 * `[availOut, availIn]` back from `_writeState`; so does node-tar's minizlib. This does the same
 * with one output buffer. Where a runtime lacks that handle (another engine, a future Node), the
 * stream is used instead: same bytes, same errors, only slower.
 */
import { createGunzip, constants as Z } from 'node:zlib';

/** The native zlib handle behind a Gunzip object (Node's internal, stable since Node 10). */
interface Handle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  onerror: ((message: string, errno: number, code?: string) => void) | undefined;
}

/** A zlib failure (corrupt or truncated data), with zlib's own message. */
export class GunzipError extends Error {}

const PIECE = 1024 * 1024;

/**
 * Unpack `bytes` (one or more gzip members), calling `sink` with consecutive pieces. An error
 * thrown by `sink` stops the inflating and propagates unchanged; corrupt data is a GunzipError.
 */
export async function gunzipPieces(
  bytes: Uint8Array,
  sink: (piece: Buffer) => void,
  opts: { piece?: number; stream?: boolean } = {},
): Promise<void> {
  const size = opts.piece ?? PIECE; // zlib takes at least 64
  const gz = createGunzip({ chunkSize: size });
  const raw = gz as unknown as { _handle?: Handle; _writeState?: Uint32Array };
  const handle = raw._handle;
  const state = raw._writeState;
  if (opts.stream === true || typeof handle?.writeSync !== 'function' || state === undefined) {
    return streamed(gz, bytes, sink);
  }
  let failed: string | null = null;
  // Replaces the stream's error handler (which would destroy the stream and emit 'error' later).
  handle.onerror = (message) => {
    failed ??= message;
  };
  const out = Buffer.allocUnsafe(size);
  let inOff = 0;
  let inLen = bytes.length;
  try {
    for (;;) {
      handle.writeSync(Z.Z_FINISH, bytes, inOff, inLen, out, 0, size);
      if (failed !== null) throw new GunzipError(failed);
      const availOut = state[0]!;
      const availIn = state[1]!;
      if (availOut < size) sink(out.subarray(0, size - availOut));
      inOff += inLen - availIn;
      inLen = availIn;
      // A piece left room: zlib has taken all it could (as Node's gunzipSync decides).
      if (availOut !== 0) return;
    }
  } finally {
    gz.close();
  }
}

function streamed(
  gz: ReturnType<typeof createGunzip>,
  bytes: Uint8Array,
  sink: (piece: Buffer) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      gz.destroy();
      reject(e);
    };
    gz.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        sink(chunk);
      } catch (e) {
        fail(e);
      }
    });
    gz.on('error', (e) => fail(new GunzipError(e.message)));
    gz.on('end', () => {
      if (!failed) resolve();
    });
    gz.end(bytes);
  });
}
