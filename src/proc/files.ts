import { RULE, type RuleId } from '../core/rule-ids.js';
import type { ViolationLog } from '../core/violations.js';
import type { File, FileOps } from './types.js';

class FileImpl implements File {
  count = 1;
  released = false;
  pos = 0n;
  constructor(
    readonly id: number,
    readonly fops: FileOps,
    readonly ino: number,
    readonly mntId: number,
    public flags: number,
    public mode: number,
    public size: bigint,
    readonly priv: unknown,
  ) {}
}

export interface FileAllocOptions {
  readonly fops: FileOps;
  readonly priv: unknown;
  readonly ino: number;
  /** Pseudo filesystem name (`dmabuf`, `anon_inode`, …); mount ids are assigned on first use. */
  readonly fs: string;
  readonly flags?: number;
  /** Defaults to read/write (FMODE_READ | FMODE_WRITE). */
  readonly mode?: number;
  readonly size?: bigint;
}

/**
 * All open files of one Kernel: allocation, `get_file` / `fput` reference counting, release on the
 * last reference, and the pseudo-filesystem mount ids shown in fdinfo.
 */
export class FileTable {
  readonly #live = new Set<FileImpl>();
  readonly #mounts = new Map<string, number>();
  #nextId = 1;
  /** Mount ids of pseudo filesystems start above the real ones a small system has. */
  #nextMnt = 15;

  constructor(readonly violations: ViolationLog) {}

  /** A new file holding one reference (the caller's). */
  alloc(o: FileAllocOptions): File {
    const f = new FileImpl(
      this.#nextId++,
      o.fops,
      o.ino,
      this.mountId(o.fs),
      o.flags ?? 0,
      o.mode ?? 3,
      o.size ?? 0n,
      o.priv,
    );
    this.#live.add(f);
    return f;
  }

  mountId(fs: string): number {
    let id = this.#mounts.get(fs);
    if (id === undefined) {
      id = this.#nextMnt++;
      this.#mounts.set(fs, id);
    }
    return id;
  }

  /** A released file (count 0): the refcount_t WARN `refcount_t: <what>; use-after-free.` */
  #useAfterFree(f: FileImpl, code: RuleId, what: string): boolean {
    if (!f.released && f.count > 0) return false;
    this.violations.report('WARN', code, `refcount_t: ${what}; use-after-free.`);
    return true;
  }

  /** get_file: take one more reference. Use on a released file is a refcount WARN (saturates). */
  get(file: File): File {
    const f = file as FileImpl;
    if (this.#useAfterFree(f, RULE.refcountAdditionOn0, 'addition on 0')) return file;
    f.count++;
    return file;
  }

  /** fput: drop one reference; the last one runs `fops.release`. */
  put(file: File): void {
    const f = file as FileImpl;
    if (this.#useAfterFree(f, RULE.refcountUnderflow, 'underflow')) return;
    f.count--;
    if (f.count > 0) return;
    f.released = true;
    this.#live.delete(f);
    f.fops.release?.(f);
  }

  /** Live files, oldest first. */
  get live(): readonly File[] {
    return [...this.#live];
  }
}
