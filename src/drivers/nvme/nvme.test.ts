import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DmaPort } from '../dma-port.js';
import { ramBus } from '../testing/ram-bus.js';
import { NVME_OPC, NvmeController } from './controller.js';

function setup() {
  const { bus, ram } = ramBus(0x100000n, 1n << 24n);
  const c = new NvmeController('nvme0', new DmaPort('nvme0', bus));
  c.addNamespace(1, 512, 1024n);
  return { c, ram };
}

test('NVMe WRITE then READ through scattered DMA ranges', () => {
  const { c, ram } = setup();
  const data = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
  ram.write(0x0n, data.subarray(0, 512));
  ram.write(0x8000n, data.subarray(512));
  const w = c.submit({
    opcode: NVME_OPC.WRITE,
    nsid: 1,
    slba: 10n,
    nlb: 1,
    data: [
      { dmaAddress: 0x100000n, length: 512n },
      { dmaAddress: 0x108000n, length: 512n },
    ],
  });
  assert.equal(w.status, 'SUCCESS');
  const r = c.submit({
    opcode: NVME_OPC.READ,
    nsid: 1,
    slba: 10n,
    nlb: 1,
    data: [{ dmaAddress: 0x200000n, length: 1024n }],
  });
  assert.equal(r.status, 'SUCCESS');
  assert.deepEqual(ram.read(0x100000n, 1024), data);
});

test('NVMe status codes: namespace, range, opcode, data list, unclaimed address', () => {
  const { c } = setup();
  const d = [{ dmaAddress: 0x100000n, length: 4096n }];
  assert.equal(
    c.submit({ opcode: NVME_OPC.READ, nsid: 2, slba: 0n, nlb: 0, data: d }).status,
    'INVALID_NS',
  );
  assert.equal(
    c.submit({ opcode: NVME_OPC.READ, nsid: 1, slba: 1023n, nlb: 1, data: d }).status,
    'LBA_OUT_OF_RANGE',
  );
  assert.equal(
    c.submit({ opcode: 0x7f, nsid: 1, slba: 0n, nlb: 0, data: d }).status,
    'INVALID_OPCODE',
  );
  assert.equal(
    c.submit({ opcode: NVME_OPC.READ, nsid: 1, slba: 0n, nlb: 15, data: d }).status,
    'INVALID_FIELD',
  );
  assert.equal(
    c.submit({
      opcode: NVME_OPC.READ,
      nsid: 1,
      slba: 0n,
      nlb: 0,
      data: [{ dmaAddress: 0x10n, length: 512n }],
    }).status,
    'DATA_TRANSFER_ERROR',
  );
});
