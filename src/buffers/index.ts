export {
  type AttachmentRecord,
  analyzeBuffers,
  type BufferRecord,
  type BuffersRecord,
} from './analyze.js';
export { parseBufinfo } from './bufinfo.js';
export {
  BUFINFO_PATH,
  type CollectedBuffers,
  collectBuffers,
  DMABUF_LINK_RE,
  SYSFS_BUFFERS,
} from './collect.js';
export { parseFdinfo } from './fdinfo.js';
export type * from './types.js';
