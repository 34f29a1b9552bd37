export * from './bdf.js';
export * from './builder.js';
export * from './classes.js';
export * from './closest.js';
export * from './fabric.js';
export * from './types.js';
