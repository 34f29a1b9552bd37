/**
 * Whole-process CPU time against hwloc's `lstopo --input DIR --of xml` on the same generated
 * 10,000-function sysfs tree (the `sysfs` bench's machine, plus the CPU topology lstopo insists
 * on): `peerdma topo --json --from DIR`, `peerdma topo --json --from X.tar.gz` and lstopo, run
 * interleaved, CPU (user + sys of the child) from the shell's `times`, medians. Needs a built CLI
 * (`npm run build`) and lstopo (Debian `hwloc`/`hwloc-nox`: installed with apt-get when running
 * as root, else the lstopo row is skipped with a note). Goal (issue 11): peerdma ≤ lstopo.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packTarGz } from '../src/node/snapshot.js';
import { type BenchRow, CLI as cli, cliMissing, median, skippedRow } from './lib.js';
import { synthEntries } from './sysfs.bench.js';

const FUNCTIONS = 10_000;
const RUNS = 5;

/**
 * Floors: what any Node program pays on the same inputs before doing peerdma's work. `floorDir`
 * lists sys/bus/pci/devices, resolves each link, and per function reads config, resource and
 * numa_node into one buffer and reads the iommu_group and driver links (fewer files than
 * lstopo's six per function, and nothing parsed); `floorTgz` only inflates the .tar.gz, streamed in
 * 1 MiB pieces. Both start Node. No double quotes or single quotes: they go inside sh -c '…'.
 */
const FLOOR_DIR = [
  'const fs=require(`node:fs`);const r=process.argv[1]+`/sys/bus/pci/devices/`;',
  'const b=Buffer.allocUnsafe(65536);',
  'for(const n of fs.readdirSync(r)){const d=r+fs.readlinkSync(r+n);',
  'for(const a of [`config`,`resource`,`numa_node`]){let fd;try{fd=fs.openSync(d+`/`+a,`r`)}catch{continue}',
  'fs.readSync(fd,b,0,65536,null);fs.closeSync(fd)}',
  'for(const l of [`iommu_group`,`driver`]){try{fs.readlinkSync(d+`/`+l)}catch{}}}',
].join('');
const FLOOR_TGZ = [
  'const z=require(`node:zlib`).createGunzip({chunkSize:1<<20});let n=0;',
  'z.on(`data`,(c)=>{n+=c.length});z.end(require(`node:fs`).readFileSync(process.argv[1]));',
].join('');

/** CPU seconds (user + sys) the shell's children used running `cmd`. */
function childCpuMs(cmd: string): number {
  const r = spawnSync('sh', ['-c', `${cmd} >/dev/null 2>&1; times`], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(line);
  if (!m) throw new Error(`no times output for ${cmd}: ${r.stdout}`);
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

function findLstopo(): string | null {
  for (const name of ['lstopo-no-graphics', 'lstopo']) {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  }
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    spawnSync('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q hwloc-nox'], {
      stdio: 'ignore',
    });
    return spawnSync('sh', ['-c', 'command -v lstopo-no-graphics']).status === 0
      ? 'lstopo-no-graphics'
      : null;
  }
  return null;
}

/** Write the entries as a directory tree, with the CPU topology lstopo needs to start. */
function writeTree(root: string): void {
  for (const e of synthEntries(FUNCTIONS)) {
    const p = join(root, e.path);
    mkdirSync(e.type === 'dir' ? p : dirname(p), { recursive: true });
    if (e.type === 'file') writeFileSync(p, e.data);
    else if (e.type === 'link') symlinkSync(e.target, p);
  }
  const cpu = join(root, 'sys/devices/system/cpu');
  mkdirSync(cpu, { recursive: true });
  writeFileSync(join(cpu, 'online'), '0-3\n');
  writeFileSync(join(cpu, 'possible'), '0-3\n');
  for (let c = 0; c < 4; c++) {
    const t = join(cpu, `cpu${c}/topology`);
    mkdirSync(t, { recursive: true });
    writeFileSync(join(t, 'physical_package_id'), '0\n');
    writeFileSync(join(t, 'core_id'), `${c}\n`);
    writeFileSync(join(t, 'thread_siblings'), `${(1 << c).toString(16)}\n`);
    writeFileSync(join(t, 'core_siblings'), 'f\n');
  }
}

export default async (): Promise<BenchRow[]> => {
  const missing = cliMissing();
  if (missing !== null) return [skippedRow('whole process vs lstopo', missing)];
  const dir = mkdtempSync(join(tmpdir(), 'peerdma-lstopo-'));
  try {
    const tree = join(dir, 'tree');
    writeTree(tree);
    const tgz = join(dir, 'synth.tar.gz');
    writeFileSync(tgz, packTarGz(synthEntries(FUNCTIONS)));
    const lstopo = findLstopo();
    const cmds: Record<string, string> = {
      dir: `${process.execPath} ${cli} topo --json --from ${tree}`,
      tgz: `${process.execPath} ${cli} topo --json --from ${tgz}`,
      node: `${process.execPath} -e 0`,
      floorDir: `${process.execPath} -e '${FLOOR_DIR}' ${tree}`,
      floorTgz: `${process.execPath} -e '${FLOOR_TGZ}' ${tgz}`,
      ...(lstopo !== null ? { lstopo: `${lstopo} --input ${tree} --of xml` } : {}),
    };
    const cpu: Record<string, number[]> = {};
    for (let i = 0; i < RUNS; i++) {
      for (const [k, c] of Object.entries(cmds)) {
        const xs = cpu[k] ?? [];
        xs.push(childCpuMs(c));
        cpu[k] = xs;
      }
    }
    const m = (k: string) => median(cpu[k] ?? [Number.NaN]);
    const base = lstopo !== null ? m('lstopo') : Number.NaN;
    const note = (k: string) =>
      `CPU, paired with lstopo ${Number.isFinite(base) ? `${base.toFixed(0)} ms` : 'not installed'} and node -e 0 ${m('node').toFixed(0)} ms in one run; load avg ${loadavg()[0]!.toFixed(1)}${Number.isFinite(base) ? `; ratio ${(m(k) / base).toFixed(2)}×` : ''}`;
    const rows: BenchRow[] = [
      {
        name: `whole process: topo --json --from DIR (${FUNCTIONS} functions)`,
        medianMs: m('dir'),
        peakRssMb: Number.NaN,
        goal: '≤ lstopo CPU',
        ...(Number.isFinite(base) ? { met: m('dir') <= base } : {}),
        note: note('dir'),
      },
      {
        name: `whole process: topo --json --from .tar.gz (${FUNCTIONS} functions)`,
        medianMs: m('tgz'),
        peakRssMb: Number.NaN,
        goal: '≤ lstopo CPU',
        ...(Number.isFinite(base) ? { met: m('tgz') <= base } : {}),
        note: note('tgz'),
      },
    ];
    rows.push(
      {
        name: 'floor: Node reading 3 files + 2 links per function of DIR, nothing parsed',
        medianMs: m('floorDir'),
        peakRssMb: Number.NaN,
        goal: 'floor',
        note: note('floorDir'),
      },
      {
        name: 'floor: Node inflating the .tar.gz only (1 MiB pieces)',
        medianMs: m('floorTgz'),
        peakRssMb: Number.NaN,
        goal: 'floor',
        note: note('floorTgz'),
      },
    );
    if (lstopo !== null) {
      rows.push({
        name: `${lstopo} --input DIR --of xml (baseline)`,
        medianMs: base,
        peakRssMb: Number.NaN,
        goal: 'baseline',
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
