export { linkFromGBps, linkGBps } from './linkspeed.js';
export { loadHwloc } from './load.js';

/** True when the text looks like an hwloc XML export (`<topology>` root). Pure and cheap. */
export function looksLikeHwloc(text: string): boolean {
  const head = text.slice(0, 4096).replace(/<!--[\s\S]*?-->/g, '');
  return /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE\s+topology[^>]*>\s*)?<topology[\s>/]/.test(head);
}
