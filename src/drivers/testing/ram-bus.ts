/** A physical address space holding one RAM region (target name 'RAM'). Test-only. */
import { PhysAddressSpace } from '../bus.js';
import { SparseMemory } from '../memory.js';

export function ramBus(start: bigint, size: bigint): { bus: PhysAddressSpace; ram: SparseMemory } {
  const bus = new PhysAddressSpace();
  const ram = new SparseMemory('ram', size);
  bus.claim({
    start,
    size: ram.size,
    kind: 'ram',
    target: { name: 'RAM', read: (o, l) => ram.read(o, l), write: (o, d) => ram.write(o, d) },
  });
  return { bus, ram };
}
