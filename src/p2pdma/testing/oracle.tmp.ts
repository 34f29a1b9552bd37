import { readFileSync } from 'node:fs';
import { loadSysfs } from '../../ingest/sysfs/index.js';
import { loadLspci } from '../../ingest/lspci/index.js';
import { tarVfs } from '../../node/vfs.js';
async function loadSource(src: string) {
  if (src.endsWith('.tar.gz')) return loadSysfs(await tarVfs(readFileSync(src), src), { label: src });
  return loadLspci(src.split(',').map((f) => ({ name: f, text: readFileSync(f, 'utf8') })));
}
import { P2pdma } from '../p2pdma.js';
const root = '/work/shared/fixtures/kernel-oracle';
for (const m of ['a-same-switch','b-root-ports','c-iommu','e-pxb-numa','g-amd-zen-cpu','i-switch-multifunction-sriov']) {
  for (const src of [`${root}/${m}/sysfs.tar.gz`, `${root}/${m}/lspci-tvnn.txt,${root}/${m}/lspci-vvvnn.txt`]) {
    let res;
    try { res = await loadSource(src); } catch (e) { console.log(m, src.slice(-12), 'LOAD FAIL', (e as Error).message); continue; }
    const v = JSON.parse(readFileSync(`${root}/${m}/verdicts.json`, 'utf8'));
    const p = new P2pdma(res.fabric, 'linux-6.1');
    let ok = 0, bad = 0, unc = 0;
    for (const pair of v.pairs) {
      let got;
      try { got = p.verdict(pair.provider, pair.client); } catch (e) { bad++; if (bad < 3) console.log('ERR', (e as Error).message); continue; }
      if (got.mapType === 'uncertain') {
        const o = got.outcomes.find((o) => o.distance === pair.distance && (pair.mapType === null || o.mapType === pair.mapType) && JSON.stringify(o.kernelLog) === JSON.stringify(pair.kernelLog));
        if (o) unc++; else { bad++; if (bad < 4) console.log('UNC-MISS', m, pair.provider, pair.client, JSON.stringify(got.outcomes), JSON.stringify(pair)); }
        continue;
      }
      const good = got.distance === pair.distance && (pair.mapType === null || got.mapType === pair.mapType) && JSON.stringify(got.kernelLog) === JSON.stringify(pair.kernelLog);
      if (good) ok++; else { bad++; if (bad < 4) console.log('MISS', m, src.slice(-12), pair.provider, pair.client, got.mapType, got.distance, JSON.stringify(got.kernelLog), '| want', pair.mapType, pair.distance, JSON.stringify(pair.kernelLog)); }
    }
    console.log(m, src.slice(-14), 'ok', ok, 'uncertain-ok', unc, 'bad', bad, 'warnings', res.warnings.length, JSON.stringify(res.fabric.machine.cpu));
  }
}
