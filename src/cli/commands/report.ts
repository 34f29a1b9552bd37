import type { Command } from '@commander-js/extra-typings';
import type { Fabric } from '../../pci/fabric.js';
import { renderDemoSection } from '../../report/demo.js';
import { renderMapCostSection } from '../../report/map-cost.js';
import { renderP2pSection } from '../../report/p2p.js';
import { renderTopo } from '../../report/topo.js';
import { loadFromOptions, withSourceOptions } from '../shared.js';

const SECTIONS: ReadonlyArray<[string, (f: Fabric) => string]> = [
  ['Topology', renderTopo],
  ['P2P verdicts (kernel p2pdma rules)', (f) => renderP2pSection(f)],
  ['DMA-BUF: the founding scenario', renderDemoSection],
  ['DMA mapping cost', (f) => renderMapCostSection(f)],
];

/** `peerdma report` (what `npm start` runs): every section for one machine, default example. */
export function register(program: Command): void {
  withSourceOptions(
    program
      .command('report')
      .description(
        'the whole story for one machine: topology, P2P verdicts, DMA-BUF demo, mapping costs',
      ),
  ).action(async (opts) => {
    const { fabric } = await loadFromOptions(opts);
    for (const [title, render] of SECTIONS) {
      const body = render(fabric).replace(/^== .* ==\n/, '');
      process.stdout.write(`${section(title)}${body.endsWith('\n') ? body : `${body}\n`}\n`);
    }
  });
}

function section(title: string): string {
  return `== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n`;
}
