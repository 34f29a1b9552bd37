import type { LoadWarning } from '../errors/index.js';
import type { Fabric } from '../pci/fabric.js';

/** What every loader returns: the Fabric and the non-fatal problems met on the way. */
export interface LoadResult {
  readonly fabric: Fabric;
  readonly warnings: readonly LoadWarning[];
}

export type InputFormat = 'sysfs' | 'lspci' | 'hwloc' | 'spec';

/** A named piece of text input (file contents), for loaders that take one or more files. */
export interface TextInput {
  /** Shown in error messages (a path, `<stdin>`, `example:default`). */
  readonly name: string;
  readonly text: string;
}

/**
 * A read-only file tree (a live /sys, an unpacked capture, or a .tar.gz held in memory).
 * Paths are POSIX, relative to the tree's root, without a leading slash (e.g.
 * `sys/bus/pci/devices`). The pure sysfs loader reads only through this interface.
 */
export interface VirtualFs {
  /** A label for messages (a directory path or archive name). */
  readonly label: string;
  /** Entry type, not following a final symlink; undefined if absent. */
  kind(path: string): 'file' | 'dir' | 'link' | undefined;
  /** Names in a directory (following symlinks), sorted; undefined if not a directory. */
  list(path: string): readonly string[] | undefined;
  /** Target text of a symlink; undefined if not a link. */
  readlink(path: string): string | undefined;
  /** File bytes (following symlinks); undefined if absent or unreadable. */
  read(path: string): Uint8Array | undefined;
  /**
   * Optional, for speed: the directory at `path` (symlinks followed) as a VirtualFs whose paths
   * are relative to it, answering exactly as `path/…` would here; undefined when `path` is not a
   * directory, or when this file system keeps no view for it (a directory, a PCI function's in
   * dirVfs): the caller then asks by full path (`inDir`). A loader asking many names of one
   * directory then builds no full path per name.
   */
  at?(path: string): VirtualFs | undefined;
  /**
   * Optional, for speed: the file `read` returns, as the bytes held and its size (the bytes past
   * those held are zeros), so a mostly-zero file (a 4096-byte config) needs no zero-filled copy.
   */
  readHeld?(path: string): HeldBytes | undefined;
  /**
   * Optional, for speed: `read` decoded as text exactly as `readText` (sysfs/paths.ts) decodes
   * it, without the bytes being copied out first.
   */
  readText?(path: string): string | undefined;
}

/** A file's first bytes and its size: zeros follow them up to `size`. */
export interface HeldBytes {
  readonly bytes: Uint8Array;
  readonly size: number;
}
