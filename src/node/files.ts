/**
 * Every file peerdma reads or writes on the user's behalf goes through here. Reads are bounded by
 * type and size before a byte is read: only regular files are opened (a FIFO, a device such as
 * /dev/zero or a socket is refused after a stat, and the open is O_NONBLOCK so a file swapped for a
 * FIFO in between cannot block), and no more than the limit is ever read. Writes go to a temporary
 * file beside the target and are renamed over it, so a failed run never leaves half a file in
 * place of a good one.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PeerdmaError } from '../errors/index.js';

/**
 * Flags for every read open: non-blocking (a FIFO must not block) and never a controlling tty.
 * A function, not a module constant: bundles that merely import this module (the web UI's, where
 * `node:fs` is an empty stub) must not touch `constants` at load time.
 */
export const openReadFlags = (): number =>
  constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

/** Plain words for the errno codes a user meets ("no such file", not "ENOENT"). */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  EAGAIN: 'resource temporarily unavailable',
  EINVAL: 'invalid argument',
  EXDEV: 'cannot rename across file systems',
};

/** The plain-words reason of a failed file operation. */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return ERRNO_WORDS[code] ?? code.toLowerCase();
  return e instanceof Error ? e.message : String(e);
}

/** What kind of non-regular file `st` is, in words. */
export function describeType(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadOptions {
  /** Refuse files over this many bytes (E_TOO_LARGE). */
  readonly maxBytes: number;
  /** What the file is, for messages: "calibration file", "input". */
  readonly what?: string;
}

/** Stat `path` (following symlinks) or throw E_IO naming it in plain words. */
export function statInput(path: string, what = 'file'): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw new PeerdmaError('E_IO', `cannot read ${what}: ${describeErrno(e)}`, { file: path });
  }
}

/**
 * The bytes of a regular file of at most `maxBytes`, or a typed error: E_IO for a missing,
 * unreadable or non-regular file (directory, FIFO, device, socket), E_TOO_LARGE over the limit
 * (checked from the size before reading and again while reading, for files that grow).
 */
export function readInputFile(path: string, opts: ReadOptions): Uint8Array {
  const what = opts.what ?? 'file';
  const st = statInput(path, what);
  const notRegular = (s: Stats) =>
    new PeerdmaError('E_IO', `cannot read ${what}: ${describeType(s)}, not a regular file`, {
      file: path,
    });
  if (!st.isFile()) throw notRegular(st);
  const tooLarge = (size: string) =>
    new PeerdmaError(
      'E_TOO_LARGE',
      `${what} is ${size} bytes, over the ${opts.maxBytes}-byte limit`,
      { file: path },
    );
  if (st.size > opts.maxBytes) throw tooLarge(String(st.size));
  let fd: number;
  try {
    fd = openSync(path, openReadFlags());
  } catch (e) {
    throw new PeerdmaError('E_IO', `cannot read ${what}: ${describeErrno(e)}`, { file: path });
  }
  try {
    const again = fstatSync(fd);
    if (!again.isFile()) throw notRegular(again);
    // One byte more than the limit tells a file that grew past it from one that fits exactly.
    const buf = Buffer.allocUnsafe(Math.min(Math.max(again.size, 4096), opts.maxBytes) + 1);
    let total = 0;
    let out = buf;
    for (;;) {
      if (total === out.length) {
        if (total > opts.maxBytes) throw tooLarge(`more than ${opts.maxBytes}`);
        const bigger = Buffer.allocUnsafe(Math.min(out.length * 2, opts.maxBytes + 1));
        out.copy(bigger, 0, 0, total);
        out = bigger;
      }
      const n = readSync(fd, out, total, out.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > opts.maxBytes) throw tooLarge(`more than ${opts.maxBytes}`);
    return out.subarray(0, total);
  } catch (e) {
    if (e instanceof PeerdmaError) throw e;
    throw new PeerdmaError('E_IO', `cannot read ${what}: ${describeErrno(e)}`, { file: path });
  } finally {
    closeSync(fd);
  }
}

/** `readInputFile` decoded as UTF-8 (E_PARSE when it is not). */
export function readInputText(path: string, opts: ReadOptions): string {
  const bytes = readInputFile(path, opts);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PeerdmaError('E_PARSE', 'not UTF-8 text', { file: path });
  }
}

/**
 * Write `data` to `path` all or nothing: into a temporary file in the same directory, then renamed
 * over the target. On any failure the temporary file is removed and the target is untouched. A
 * target that exists and is not a regular file (`-o /dev/stdout`, a FIFO) is written in place: a
 * rename would replace the device node instead of writing to it.
 */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  writeOutputChunks(path, [data]);
}

/**
 * `writeOutputFile` for a document made in pieces (text or bytes), written as they come: the same
 * temporary file and rename, the same in-place write to a non-regular target. An error thrown by
 * the producer itself (a typed error while rendering) is passed on as it is, after the cleanup.
 */
export function writeOutputChunks(path: string, chunks: Iterable<string | Uint8Array>): void {
  let existing: Stats | undefined;
  try {
    existing = statSync(path, { throwIfNoEntry: false });
  } catch {
    existing = undefined;
  }
  const inPlace = existing !== undefined && !existing.isFile() && !existing.isDirectory();
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const drop = () => {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
  };
  if (!inPlace) drop(); // a leftover of a killed run with the same pid
  let fd: number | null = null;
  try {
    fd = inPlace ? openSync(path, 'w') : openSync(tmp, 'wx', 0o644);
    for (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    }
    const done = fd;
    fd = null;
    closeSync(done);
    if (!inPlace) renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // closing after a failed write: the first error is the one to report
      }
    }
    if (!inPlace) drop();
    if (e instanceof PeerdmaError) throw e;
    throw new PeerdmaError('E_IO', `cannot write: ${describeErrno(e)}`, { file: path });
  }
}

/** A bounded UTF-8 read of a small input (calibration file): at most 1 MiB, regular files only. */
export function readTextFile(file: string, what: string): string {
  return readInputText(file, { maxBytes: 1024 * 1024, what });
}

/** An all-or-nothing write (temporary file, then rename); `what` is kept for the callers' wording. */
export function writeWholeFile(file: string, data: string | Uint8Array, _what?: string): void {
  writeOutputFile(file, data);
}
