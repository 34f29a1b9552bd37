import { type KResult, kerr, ok } from '../core/errno.js';
import { RULE } from '../core/rule-ids.js';
import { KernelBug } from '../core/violations.js';
import type { FileTable } from './files.js';
import { DEFAULT_RLIMIT_NOFILE, EPOLL, type File, O, type Vma, type Whence } from './types.js';

interface FdSlot {
  /** null while reserved by `getUnusedFd` and not yet installed. */
  file: File | null;
  cloexec: boolean;
}

export interface MmapRequest {
  /** Length in bytes (rounded up to pages). */
  readonly length: bigint;
  /** Offset in bytes; must be page aligned. */
  readonly offset?: bigint;
  readonly shared?: boolean;
  readonly prot?: { readonly read: boolean; readonly write: boolean };
}

/**
 * One simulated process: an fd table (lowest free fd first, per-fd O_CLOEXEC, RLIMIT_NOFILE),
 * its user mappings, and the file syscalls that go through a file's ops.
 */
export class Process {
  readonly #fds: (FdSlot | undefined)[] = [];
  readonly #vmas = new Map<number, Vma>();
  #alive = true;
  rlimitNofile: number;

  constructor(
    readonly pid: number,
    readonly name: string,
    readonly files: FileTable,
    readonly pageSize: number,
    readonly nextVmaId: () => number,
    rlimitNofile = DEFAULT_RLIMIT_NOFILE,
  ) {
    this.rlimitNofile = rlimitNofile;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Reserve the lowest free fd (get_unused_fd_flags). -EMFILE at RLIMIT_NOFILE. */
  getUnusedFd(flags = 0): KResult<number> {
    for (let fd = 0; fd < this.rlimitNofile; fd++) {
      if (this.#fds[fd] === undefined) {
        this.#fds[fd] = { file: null, cloexec: (flags & O.CLOEXEC) !== 0 };
        return ok(fd);
      }
    }
    return kerr(
      'EMFILE',
      `${this.name}[${this.pid}]: too many open files (RLIMIT_NOFILE ${this.rlimitNofile})`,
    );
  }

  /** Release a reserved, never-installed fd (put_unused_fd). */
  putUnusedFd(fd: number): void {
    if (this.#fds[fd]?.file === null) this.#fds[fd] = undefined;
  }

  /** fd_install: the caller's file reference moves into the table. */
  fdInstall(fd: number, file: File): void {
    const slot = this.#fds[fd];
    if (slot === undefined || slot.file !== null) {
      throw new KernelBug(
        RULE.fdInstall,
        `fd_install on fd ${fd} of ${this.name}[${this.pid}] that was not reserved`,
      );
    }
    slot.file = file;
  }

  /** Reserve + install in one step (the reference moves on success; on error the caller keeps it). */
  installFd(file: File, flags = 0): KResult<number> {
    const r = this.getUnusedFd(flags);
    if (r.ok) this.fdInstall(r.value, file);
    return r;
  }

  /** The file at `fd` without taking a reference, or undefined. */
  lookup(fd: number): File | undefined {
    return this.#fds[fd]?.file ?? undefined;
  }

  /** fget: the file at `fd` with a new reference; -EBADF if none. */
  fget(fd: number): KResult<File> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `fd ${fd} is not open in ${this.name}[${this.pid}]`);
    return ok(this.files.get(f));
  }

  /** readlink(/proc/<pid>/fd/<fd>): the file's dentry name; -ENOENT for a closed fd, as procfs. */
  readlink(fd: number): KResult<string> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('ENOENT', `/proc/${this.pid}/fd/${fd}: no such file`);
    return ok(f.fops.dname ? f.fops.dname(f) : `anon_inode:${f.fops.kind}`);
  }

  isCloexec(fd: number): boolean {
    return this.#fds[fd]?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): KResult<void> {
    const s = this.#fds[fd];
    if (s?.file == null) return kerr('EBADF', `fd ${fd} is not open`);
    s.cloexec = on;
    return ok(undefined);
  }

  close(fd: number): KResult<void> {
    const s = this.#fds[fd];
    if (s?.file == null) return kerr('EBADF', `close(${fd}): bad file descriptor`);
    this.#fds[fd] = undefined;
    this.files.put(s.file);
    return ok(undefined);
  }

  /** dup(2): lowest free fd, close-on-exec cleared. */
  dup(fd: number, flags = 0): KResult<number> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `dup(${fd}): bad file descriptor`);
    const r = this.getUnusedFd(flags);
    if (r.ok) this.fdInstall(r.value, this.files.get(f));
    return r;
  }

  /** dup2/dup3: `newfd` now refers to `oldfd`'s file (closing what was there). */
  dup2(oldfd: number, newfd: number, flags = 0): KResult<number> {
    const f = this.lookup(oldfd);
    if (f === undefined) return kerr('EBADF', `dup2(${oldfd}): bad file descriptor`);
    if (newfd < 0 || newfd >= this.rlimitNofile)
      return kerr('EBADF', `dup2: fd ${newfd} out of range`);
    if (oldfd === newfd) return ok(newfd);
    const old = this.#fds[newfd];
    if (old !== undefined && old.file === null)
      return kerr('EBUSY', `dup2: fd ${newfd} is being installed`);
    this.#fds[newfd] = { file: this.files.get(f), cloexec: (flags & O.CLOEXEC) !== 0 };
    if (old?.file) this.files.put(old.file);
    return ok(newfd);
  }

  /** execve: every O_CLOEXEC fd is closed. */
  exec(): void {
    this.#fds.forEach((s, fd) => {
      if (s?.file && s.cloexec) this.close(fd);
    });
  }

  /** Process exit: all mappings and fds go away (in that order, as exit_mm precedes exit_files). */
  exit(): void {
    for (const v of [...this.#vmas.values()]) this.munmap(v);
    this.#fds.forEach((s, fd) => {
      if (s?.file) this.close(fd);
      else if (s) this.#fds[fd] = undefined;
    });
    this.#alive = false;
  }

  /** Open fds in ascending order. */
  get openFds(): number[] {
    const out: number[] = [];
    this.#fds.forEach((s, fd) => {
      if (s?.file) out.push(fd);
    });
    return out;
  }

  get vmas(): readonly Vma[] {
    return [...this.#vmas.values()];
  }

  ioctl(fd: number, cmd: number, arg?: unknown): KResult<number> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `ioctl(${fd}): bad file descriptor`);
    if (!f.fops.ioctl) return kerr('ENOTTY', `ioctl(${fd}): inappropriate ioctl for device`);
    return f.fops.ioctl(f, cmd, arg, this);
  }

  llseek(fd: number, offset: bigint, whence: Whence): KResult<bigint> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `lseek(${fd}): bad file descriptor`);
    if (!f.fops.llseek) return kerr('ESPIPE', `lseek(${fd}): illegal seek`);
    const r = f.fops.llseek(f, offset, whence);
    if (r.ok) f.pos = r.value;
    return r;
  }

  /** poll(2) on one fd: the ready mask (EPOLLNVAL-like -EBADF for a closed fd). */
  poll(fd: number, events: number): KResult<number> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `poll(${fd}): bad file descriptor`);
    return ok(f.fops.poll ? f.fops.poll(f, events) : events & (EPOLL.IN | EPOLL.OUT));
  }

  /** mmap(2) of a file: the VMA holds a file reference until munmap or exit. */
  mmap(fd: number, req: MmapRequest): KResult<Vma> {
    const f = this.lookup(fd);
    if (f === undefined) return kerr('EBADF', `mmap(${fd}): bad file descriptor`);
    const ps = BigInt(this.pageSize);
    const offset = req.offset ?? 0n;
    if (req.length <= 0n || offset < 0n || offset % ps !== 0n)
      return kerr('EINVAL', 'mmap: bad length or offset');
    if (!f.fops.mmap) return kerr('ENODEV', `mmap(${fd}): file has no mmap`);
    const vma: Vma = {
      id: this.nextVmaId(),
      file: f,
      pgoff: offset / ps,
      pages: (req.length + ps - 1n) / ps,
      shared: req.shared ?? true,
      prot: req.prot ?? { read: true, write: true },
    };
    this.files.get(f);
    const r = f.fops.mmap(f, vma);
    if (!r.ok) {
      this.files.put(vma.file);
      return r;
    }
    this.#vmas.set(vma.id, vma);
    return ok(vma);
  }

  munmap(vma: Vma): KResult<void> {
    if (!this.#vmas.delete(vma.id)) return kerr('EINVAL', 'munmap: no such mapping');
    this.files.put(vma.file);
    return ok(undefined);
  }
}
