import type { Command } from '@commander-js/extra-typings';
import { renderTopo } from '../../report/topo.js';
import { loadFromOptions, withSourceOptions } from '../shared.js';

/** `peerdma report` (what `npm start` runs): every section for one machine, default example. */
export function register(program: Command): void {
  withSourceOptions(
    program.command('report').description('the whole story for one machine: topology, P2P verdicts, DMA-BUF demo, mapping costs'),
  ).action(async (opts) => {
    const { fabric } = await loadFromOptions(opts);
    const out: string[] = [];
    out.push(section('Topology'), renderTopo(fabric));
    process.stdout.write(out.join('\n'));
  });
}

function section(title: string): string {
  return `== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n`;
}
