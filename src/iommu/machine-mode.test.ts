import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FabricBuilder, type IommuInfo } from '../pci/index.js';
import { machineIommuMode } from './machine-mode.js';

const withIommu = (iommu: IommuInfo) => new FabricBuilder().machine({ iommu }).build();

test('the mode comes from the machine when it says, and is marked assumed when it does not', () => {
  const cases: [IommuInfo, string, boolean][] = [
    [{ enabled: false }, 'none', false],
    [{ enabled: true, defaultDomain: 'identity' }, 'passthrough', false],
    [{ enabled: true, defaultDomain: 'DMA' }, 'strict', false],
    [{ enabled: true, defaultDomain: 'DMA-FQ' }, 'lazy', false],
    [{ enabled: true }, 'lazy', true],
    [{ enabled: 'unknown' }, 'lazy', true],
  ];
  for (const [info, mode, assumed] of cases) {
    const m = machineIommuMode(withIommu(info));
    assert.equal(m.mode, mode, JSON.stringify(info));
    assert.equal(m.assumed, assumed, JSON.stringify(info));
    assert.equal(/assumed/.test(m.source), assumed, m.source);
  }
});
