/** Shared by the browser tests and the browser benchmark: Chromium and the built web UI. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags that work in this container (no sandbox, GPU, QUIC or background traffic). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** dist/web, built with Vite when it is missing (npm ci's prepare builds it). */
export async function ensureWebBuilt(): Promise<string> {
  const out = join(ROOT, 'dist', 'web');
  if (!existsSync(join(out, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'error' });
  }
  return out;
}
