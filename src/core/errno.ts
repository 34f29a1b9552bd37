/**
 * Kernel error numbers (x86-64 asm-generic values) and the Result type that model calls return.
 * Model misuse answers as the kernel would: a negative errno plus a kernel-like message.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  ERANGE: 34,
  EDEADLK: 35,
  ENOSYS: 38,
  ENODATA: 61,
  ETIME: 62,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  EALREADY: 114,
  ECANCELED: 125,
  EREMOTEIO: 121,
  /** Kernel-internal: an interruptible sleep saw a pending signal (never reaches user space). */
  ERESTARTSYS: 512,
} as const;

export type ErrnoName = keyof typeof ERRNO;

export interface KernelError {
  readonly ok: false;
  readonly errno: ErrnoName;
  /** Negative errno as the kernel returns it, e.g. -22 for EINVAL. */
  readonly code: number;
  readonly message: string;
}

export interface KernelOk<T> {
  readonly ok: true;
  readonly value: T;
}

export type KResult<T> = KernelOk<T> | KernelError;

export const ok = <T>(value: T): KernelOk<T> => ({ ok: true, value });

export const kerr = (errno: ErrnoName, message: string): KernelError => ({
  ok: false,
  errno,
  code: -ERRNO[errno],
  message,
});

/** Unwrap a result in code that has already established success (tests, scenarios). */
export function unwrap<T>(r: KResult<T>): T {
  if (r.ok) return r.value;
  throw new KernelCallError(r);
}

/** Thrown by `unwrap` when a call the caller expected to succeed returned an errno. */
export class KernelCallError extends Error {
  override readonly name = 'KernelCallError';
  readonly errno: ErrnoName;
  readonly code: number;
  constructor(r: KernelError) {
    super(`${r.message} (-${r.errno})`);
    this.errno = r.errno;
    this.code = r.code;
  }
}
