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
}
