/**
 * `peerdma serve`: the web UI's server. It binds 127.0.0.1 only, refuses requests whose Host header
 * is not loopback (DNS rebinding), sends a strict Content-Security-Policy, and serves nothing but
 * the built single-page app (read into memory at start: no path from a request ever reaches the
 * filesystem) and the machine `--from` loaded, written as a spec the browser loads with the same
 * pure loader. Every verdict is computed in the browser.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { PeerdmaError } from '../errors/index.js';

/** Scripts only from the page's own origin; inline styles are allowed for Observable Plot's SVG. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json',
  ico: 'image/x-icon',
  png: 'image/png',
  woff2: 'font/woff2',
};

/** What the browser loads as "the server's machine". */
export interface ServedMachine {
  /** Shown in the page: the `--from` argument or `example:NAME`. */
  readonly label: string;
  /**
   * The machine as a spec document in plain data (`fabricToSpec`): the browser loads it with
   * `loadSpecValue`, with no YAML to parse.
   */
  readonly spec: object;
  /** Load warnings, as the CLI prints them. */
  readonly warnings: readonly string[];
}

export interface ServeOptions {
  readonly machine: ServedMachine;
  /** The built app (dist/web); default: found next to the package. */
  readonly assetsDir?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `<package root>/dist/web` (from src/server under tsx and dist/server after tsc). */
export function webAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../dist/web', '../web', '../../../dist/web']) {
    const dir = join(here, up);
    try {
      if (statSync(join(dir, 'index.html')).isFile()) return dir;
    } catch {
      // not here
    }
  }
  throw new PeerdmaError(
    'E_NOT_FOUND',
    'the web UI is not built (run `npm run build:web`, which writes dist/web)',
  );
}

/** Every file of the built app, by URL path, read once. */
export function readAssets(dir: string): Map<string, { body: Uint8Array; type: string }> {
  const out = new Map<string, { body: Uint8Array; type: string }>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const ext = e.name.slice(e.name.lastIndexOf('.') + 1);
        const type = TYPES[ext];
        if (type !== undefined)
          out.set(`/${relative(dir, p).split(sep).join('/')}`, { body: readFileSync(p), type });
      }
    }
  };
  walk(dir);
  if (!out.has('/index.html'))
    throw new PeerdmaError('E_NOT_FOUND', 'the web UI build has no index.html', { file: dir });
  return out;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/** True when a Host header names this machine's loopback interface (with or without the port). */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const m = LOOPBACK_HOST.exec(host.trim());
  return m !== null && (m[2] === undefined || m[2] === `:${port}`);
}

export function buildApp(opts: ServeOptions, port: () => number): Hono {
  const assets = readAssets(opts.assetsDir ?? webAssetsDir());
  const machine = JSON.stringify(opts.machine);
  const app = new Hono();
  app.use(async (c, next) => {
    if (!isLoopbackHost(c.req.header('host'), port())) {
      return c.text('peerdma serve answers loopback requests only (Host header refused)\n', 403);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return c.text('read-only server\n', 405, { Allow: 'GET, HEAD' });
    }
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  app.get('/api/machine', (c) => c.body(machine, 200, { 'Content-Type': 'application/json' }));
  app.get('*', (c) => {
    const path = c.req.path === '/' ? '/index.html' : c.req.path;
    const a = assets.get(path);
    if (a === undefined) return c.text('not found\n', 404);
    return c.body(a.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': a.type });
  });
  return app;
}

/** Start the server on 127.0.0.1; E_IO when the port is taken. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  let bound = opts.port ?? 0;
  const app = buildApp(opts, () => bound);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new PeerdmaError(
          'E_IO',
          e.code === 'EADDRINUSE'
            ? `port ${opts.port} is in use (pick another with --port, or --port 0 for any free one)`
            : `cannot listen on 127.0.0.1:${opts.port}: ${e.code ?? e.message}`,
          { field: '--port' },
        ),
      ),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
