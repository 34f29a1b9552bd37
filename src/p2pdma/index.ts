export type { AllowlistAnswer, AllowlistEntry } from './allowlist.js';
export { allowlistLookup } from './allowlist.js';
export { type CalcTrace, calc } from './calc.js';
export { kernelArgs, pciParams } from './cmdline.js';
export { cpuSupportsP2pdma } from './cpu.js';
export { P2pEnv } from './env.js';
export * from './history.js';
export { LINK_RATE_SOURCE, linkGbps } from './links.js';
export { LOCALITY_LEGEND, localityClass } from './locality.js';
export * from './matrix.js';
export * from './p2pdma.js';
export {
  type P2pRoute,
  p2pRoute,
  type RouteKind,
  type RouteOptions,
  routeLine,
  turnsAt,
} from './route.js';
export * from './rulesets.js';
export * from './types.js';
export { computeVerdict } from './verdict.js';
