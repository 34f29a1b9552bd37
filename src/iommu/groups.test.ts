import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iommuGroups } from './groups.js';
import { testFabric } from './testing/fabric.js';

const groupOf = (f: ReturnType<typeof testFabric>, bdf: string) =>
  iommuGroups(f).get(f.resolve(bdf).bdf)!;

test('derived from ACS: isolated downstream ports give each endpoint its own group', () => {
  const f = testFabric({ redirect: true });
  const accel = groupOf(f, 'accel0');
  const nic = groupOf(f, 'nic0');
  assert.equal(accel.derived, true);
  assert.deepEqual(accel.members, ['0000:03:00.0']);
  assert.notEqual(accel.id, nic.id);
});

test('derived from ACS: an endpoint joins the group of the topmost bridge lacking isolation', () => {
  const f = testFabric({ redirect: false });
  // Downstream ports without ACS: each endpoint joins its port's group. The port itself is keyed
  // on its own function because the path above it (upstream port, ACS root port) is isolated —
  // the pre-2025 pci_device_group result (the later "non-isolated group" rework is not modelled).
  assert.deepEqual(groupOf(f, 'accel0').members, ['0000:02:00.0', '0000:03:00.0']);
  assert.deepEqual(groupOf(f, 'nic0').members, ['0000:02:01.0', '0000:04:00.0']);
  // Without ACS on the root port too, everything below it shares the root port's group.
  const g = groupOf(testFabric({ redirect: false, rootAcs: false }), 'accel0');
  assert.deepEqual(g.members, [
    '0000:00:01.0',
    '0000:01:00.0',
    '0000:02:00.0',
    '0000:02:01.0',
    '0000:03:00.0',
    '0000:04:00.0',
  ]);
  // the GPU behind its own ACS root port stays alone
  assert.deepEqual(groupOf(f, 'gpu0').members, ['0000:05:00.0']);
});

test('multifunction siblings without ACS share a group', () => {
  const f = testFabric({ redirect: true });
  assert.deepEqual(groupOf(f, '00:1f.3').members, ['0000:00:1f.0', '0000:00:1f.3']);
});

test('groups from the fabric (sysfs) are used as they are', () => {
  const f = testFabric({ groups: true });
  const g = groupOf(f, 'nic0');
  assert.equal(g.derived, false);
  assert.equal(g.id, 6);
  assert.deepEqual(groupOf(f, '00:1f.0').members, ['0000:00:1f.0', '0000:00:1f.3']);
});
