import { P2pEnv } from '../env.js';
import { fastMatrix, matrixDevices, referenceMatrix } from '../matrix.js';
import { getRuleSet } from '../rulesets.js';
import { benchFabric, randomFabric } from './gen.js';
let bad = 0;
for (let seed = 1; seed <= 300; seed++) {
  for (const rs of ['linux-6.1', 'linux-6.19', 'linux-5.4']) {
    const f = randomFabric(seed, { unknowns: seed % 2 === 0 });
    const env = new P2pEnv(f, getRuleSet(rs));
    const devs = matrixDevices(f, { all: true });
    const a = fastMatrix(env, devs);
    const b = referenceMatrix(env, devs);
    for (let i = 0; i < devs.length; i++) for (let j = 0; j < devs.length; j++) {
      const x = a.mapTypes[a.pos[i]! * a.n + a.pos[j]!], y = b.mapTypes[i * b.n + j];
      const dx = a.distances[a.pos[i]! * a.n + a.pos[j]!], dy = b.distances[i * b.n + j];
      if (x !== y || dx !== dy) { if (bad++ < 5) console.log(seed, rs, devs[i]!.bdf, devs[j]!.bdf, x, y, dx, dy); }
    }
  }
}
console.log('bad', bad);
const big = benchFabric();
const env = new P2pEnv(big, getRuleSet('linux-6.19'));
const devs = matrixDevices(big, { all: false });
console.log('devs', devs.length);
let t = performance.now();
const m = fastMatrix(env, devs);
console.log('fast ms', performance.now() - t, m.stats.fastRows);
t = performance.now();
referenceMatrix(env, devs, 16);
console.log('ref 16 rows ms', performance.now() - t);
