import { spawn } from 'node:child_process';
import type { Command } from '@commander-js/extra-typings';
import { PeerdmaError } from '../../errors/index.js';
import { type CliIo, cliContext, warn } from '../io.js';
import { withSourceOptions } from '../shared.js';

export const DEFAULT_PORT = 7390;

/** `peerdma serve`: the web UI on 127.0.0.1, every verdict re-judged in the browser. */
export function register(program: Command, io: CliIo): void {
  withSourceOptions(
    program
      .command('serve')
      .description(
        'local web UI on 127.0.0.1: tree, P2P heatmap, routes, map-cost, demo stepper and what-if edits judged in the browser',
      ),
  )
    .option('--port <n>', `TCP port on 127.0.0.1 (default ${DEFAULT_PORT}; 0: any free port)`)
    .option('--open', 'open the page in the default browser')
    .action(async (opts) => {
      const port = opts.port === undefined ? DEFAULT_PORT : Number(opts.port);
      if (!/^\d+$/.test(opts.port ?? '0') || port > 65535) {
        throw new PeerdmaError('E_USAGE', `--port '${opts.port}' is not a port number (0-65535)`);
      }
      const [{ topo }, { topoSpecValue }, { startServer }] = await Promise.all([
        import('../../app/topo.js'),
        import('../../report/topo-spec.js'),
        import('../../server/serve.js'),
      ]);
      // The machine as `topo` loads it, handed to the page as a spec (the page judges it).
      const { fabric, warnings } = await topo(opts, cliContext(io));
      const label = opts.from ?? 'example:default';
      const server = await startServer({
        machine: { label, spec: topoSpecValue(fabric), warnings: warnings.map((w) => w.message) },
        port,
      });
      io.stdout.write(`peerdma: serving ${label} at ${server.url} (Ctrl-C stops)\n`);
      if (opts.open) openBrowser(io, server.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

function openBrowser(io: CliIo, url: string): void {
  const cmd =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const fail = () => warn(io, `cannot run ${cmd}; open ${url}`);
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', fail);
    child.unref();
  } catch {
    fail();
  }
}
