/** `peerdma buffers`, and the names people use (`check mlx5_0 GPU3`, matrix legend), in-process. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { x as extract } from 'tar';
import { printBufinfo } from '../../buffers/testing/print.js';
import { SHARED } from '../../ingest/sysfs/testing/fixtures.js';
import { runCli } from '../testing/run.js';

const tmp = mkdtempSync(join(tmpdir(), 'peerdma-cli-bufs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FN = 'sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/0000:02:02.0/0000:05:00.0';

/** CONSTRUCTED: the c-iommu capture with a NIC name, an NVIDIA GPU number and a bufinfo. */
async function machine(): Promise<string> {
  const dir = join(tmp, 'm');
  mkdirSync(dir, { recursive: true });
  await extract({ file: join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'), cwd: dir });
  mkdirSync(join(dir, FN, 'infiniband/mlx5_0'), { recursive: true });
  mkdirSync(join(dir, FN, 'net/ens2np0'), { recursive: true });
  const gpu = join(dir, 'proc/driver/nvidia/gpus/0000:03:00.0');
  mkdirSync(gpu, { recursive: true });
  writeFileSync(join(gpu, 'information'), 'Device Minor: \t 0\n');
  mkdirSync(join(dir, 'sys/kernel/debug/dma_buf'), { recursive: true });
  const bufs = [
    { size: 65536, count: 2, exporter: 'p2poracle_ivshmem', ino: 3, attached: ['0000:05:00.0'] },
  ];
  writeFileSync(join(dir, 'sys/kernel/debug/dma_buf/bufinfo'), printBufinfo('v6.1', bufs));
  mkdirSync(join(dir, 'proc/77/fd'), { recursive: true });
  mkdirSync(join(dir, 'proc/77/fdinfo'), { recursive: true });
  symlinkSync('/dmabuf:', join(dir, 'proc/77/fd/9'));
  writeFileSync(
    join(dir, 'proc/77/fdinfo/9'),
    'pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t3\nsize:\t65536\ncount:\t1\nexp_name:\tp2poracle_ivshmem\n',
  );
  writeFileSync(join(dir, 'proc/77/comm'), 'app\n');
  return dir;
}

test('buffers: text and --json; names in check, matrix and topo', async () => {
  const dir = await machine();
  const text = await runCli(['buffers', '--from', dir, '--rules', 'linux-6.1']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /DMA-BUF objects: 1, 64K/);
  assert.match(text.stdout, /held by app\[77\] fd 9/);
  assert.match(
    text.stdout,
    /attached 0000:05:00.0: BUS_ADDR distance 4 from 0000:03:00.0; NOT_SUPPORTED distance -1 from 0000:06:00.0/,
  );
  assert.match(text.stdout, /p2pmem/);
  const json = await runCli(['buffers', '--from', dir, '--json']);
  const doc = JSON.parse(json.stdout) as { schemaVersion: number; buffers: { size: string }[] };
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.buffers[0]!.size, '0x10000');

  const check = await runCli(['check', '--from', dir, 'GPU0', 'mlx5_0', '--rules', 'linux-6.1']);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /0000:03:00.0/);
  assert.match(check.stdout, /0000:05:00.0/);

  const matrix = await runCli(['matrix', '--from', dir, '--rules', 'linux-6.1']);
  assert.equal(matrix.code, 0, matrix.stderr);
  assert.match(matrix.stdout, /GPU0/);
  assert.match(matrix.stdout, /NIC0: mlx5_0, ens2np0 \(05:00.0\)/);

  const topo = await runCli(['topo', '--from', dir]);
  assert.match(topo.stdout, /Ethernet controller: [^\n]*\[8086:10d3\] {2}\(mlx5_0, ens2np0\)/);
});

test('buffers without debugfs says so and exits 0; a bad --pci-ids is E_IO', async () => {
  const r = await runCli([
    'buffers',
    '--from',
    join(SHARED, 'fixtures/kernel-oracle/c-iommu/sysfs.tar.gz'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /not read:\n {2}- .*debug/);
  const bad = await runCli(['topo', '--from', 'example:default', '--pci-ids', join(tmp, 'none')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot read pci.ids.*E_IO/);
});
