import { type KResult, kerr, ok } from '../core/errno.js';
import type { FileTable } from './files.js';
import { Process } from './process.js';
import { type FdInfo, O } from './types.js';

/** The processes of one Kernel: pids, SCM_RIGHTS-style fd passing, fdinfo. */
export class ProcessTable {
  readonly #procs = new Map<number, Process>();
  #nextPid = 1000;
  #nextVma = 1;

  constructor(
    readonly files: FileTable,
    readonly pageSize: number,
  ) {}

  spawn(name: string, opts: { rlimitNofile?: number } = {}): Process {
    const p = new Process(
      this.#nextPid++,
      name,
      this.files,
      this.pageSize,
      () => this.#nextVma++,
      opts.rlimitNofile,
    );
    this.#procs.set(p.pid, p);
    return p;
  }

  get(pid: number): Process | undefined {
    return this.#procs.get(pid);
  }

  /** Exit a process: closes all its fds and mappings and removes it from the table. */
  exit(p: Process): void {
    p.exit();
    this.#procs.delete(p.pid);
  }

  get all(): readonly Process[] {
    return [...this.#procs.values()];
  }

  /**
   * Pass `fd` of `from` to `to` as SCM_RIGHTS does: a new fd in `to` (lowest free, honouring
   * O_CLOEXEC in `flags`) referencing the same file. -EBADF / -EMFILE as the kernel answers.
   */
  passFd(from: Process, fd: number, to: Process, flags = 0): KResult<number> {
    if (!to.alive) return kerr('EINVAL', `passFd: receiver ${to.name}[${to.pid}] has exited`);
    const f = from.fget(fd);
    if (!f.ok) return f;
    const r = to.installFd(f.value, flags);
    if (!r.ok) this.files.put(f.value);
    return r;
  }

  /** `/proc/<pid>/fdinfo/<fd>` as data. */
  fdinfo(pid: number, fd: number): KResult<FdInfo> {
    const p = this.#procs.get(pid);
    if (!p) return kerr('ENOENT', `/proc/${pid}: no such process`);
    const f = p.lookup(fd);
    if (!f) return kerr('ENOENT', `/proc/${pid}/fdinfo/${fd}: no such file`);
    return ok({
      pid,
      fd,
      pos: f.pos,
      flags: f.flags | (p.isCloexec(fd) ? O.CLOEXEC : 0),
      mntId: f.mntId,
      ino: f.ino,
      kind: f.fops.kind,
      extra: f.fops.showFdinfo?.(f) ?? [],
    });
  }

  /** Open fds across all processes as `<name>[pid] fd N (kind)` strings, for leak reports. */
  openFdList(): string[] {
    const out: string[] = [];
    for (const p of this.#procs.values()) {
      for (const fd of p.openFds)
        out.push(`${p.name}[${p.pid}] fd ${fd} (${p.lookup(fd)!.fops.kind})`);
      for (const v of p.vmas) out.push(`${p.name}[${p.pid}] vma ${v.id} (${v.file.fops.kind})`);
    }
    return out;
  }
}

/** The text of an fdinfo file, exactly as the kernel prints it. */
export function renderFdinfo(i: FdInfo): string {
  const lines = [
    `pos:\t${i.pos}`,
    `flags:\t0${i.flags.toString(8)}`,
    `mnt_id:\t${i.mntId}`,
    `ino:\t${i.ino}`,
  ];
  for (const l of i.extra) lines.push(`${l.key}:\t${l.value}`);
  return lines.join('\n') + '\n';
}
