import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PeerdmaError } from '../errors/index.js';
import { CSP, isLoopbackHost, type RunningServer, startServer } from './serve.js';

/** A raw HTTP request with a chosen Host header (fetch would not let us set it). */
function get(port: number, path: string, host: string, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('peerdma serve (server)', () => {
  let server: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-web-'));
  before(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><p>app</p>');
    writeFileSync(join(dir, 'assets', 'a.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'not an asset type');
    server = await startServer({
      machine: { label: 'example:x', spec: { peerdma: 1 }, warnings: ['w'] },
      assetsDir: dir,
      port: 0,
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 and serves the app with a strict CSP', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get(server.port, '/', `127.0.0.1:${server.port}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, '<!doctype html><p>app</p>');
    assert.equal(r.headers['content-security-policy'], CSP);
    assert.match(CSP, /script-src 'self'(;|$)/);
    assert.match(CSP, /default-src 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    const js = await get(server.port, '/assets/a.js', `localhost:${server.port}`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /text\/javascript/);
  });

  it('serves the loaded machine as a spec document', async () => {
    const r = await get(server.port, '/api/machine', `127.0.0.1:${server.port}`);
    assert.deepEqual(JSON.parse(r.body), {
      label: 'example:x',
      spec: { peerdma: 1 },
      warnings: ['w'],
    });
  });

  it('refuses non-loopback Host headers (DNS rebinding) and other ports', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1:1', '10.0.0.1']) {
      const r = await get(server.port, '/api/machine', host);
      assert.equal(r.status, 403, host);
      assert.doesNotMatch(r.body, /"peerdma":1/);
    }
  });

  it('is read-only and serves no file that is not an asset', async () => {
    const h = `127.0.0.1:${server.port}`;
    assert.equal((await get(server.port, '/api/machine', h, 'POST')).status, 405);
    for (const p of [
      '/secret.txt',
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/../secret.txt',
    ])
      assert.equal((await get(server.port, p, h)).status, 404, p);
  });

  it('a taken port is E_IO naming --port', async () => {
    await assert.rejects(
      () =>
        startServer({
          machine: { label: 'x', spec: {}, warnings: [] },
          assetsDir: dir,
          port: server.port,
        }),
      (e: unknown) => e instanceof PeerdmaError && e.code === 'E_IO' && /--port/.test(e.toLine()),
    );
  });

  it('isLoopbackHost', () => {
    assert.ok(isLoopbackHost('127.0.0.1:80', 80));
    assert.ok(isLoopbackHost('[::1]:80', 80));
    assert.ok(isLoopbackHost('LOCALHOST', 80));
    assert.ok(!isLoopbackHost('127.0.0.1.evil.com:80', 80));
    assert.ok(!isLoopbackHost('localhost:81', 80));
    assert.ok(!isLoopbackHost(undefined, 80));
  });
});
