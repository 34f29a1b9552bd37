/**
 * Processes and files: fd tables, reference-counted files, SCM_RIGHTS-style passing, fdinfo.
 * Owned by a Kernel (`kernel.files`, `kernel.procs`); nothing here is global.
 */
export { type FileAllocOptions, FileTable } from './files.js';
export { type MmapRequest, Process } from './process.js';
export { ProcessTable, renderFdinfo } from './procs.js';
export * from './types.js';
