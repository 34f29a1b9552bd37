export * from './clock.js';
export * from './errno.js';
export * from './violations.js';
