export * from './clock.js';
export * from './errno.js';
export * from './rule-ids.js';
export * from './violations.js';
