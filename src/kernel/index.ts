/**
 * The Kernel instance: one simulated machine (fabric + rule set + IOMMU config) with its processes,
 * files, dma-buf core, fence system, SimClock, ViolationLog and kernel log.
 *
 *   const k = new Kernel({ fabric, ruleSet: 'linux-6.19', strict: true });
 *   const p = k.spawn('app');  const nic = k.pciDevice('nic0');
 *   … k.dmabuf.export / attach / map …
 *   assert.deepEqual(k.checkPristine(), []);
 */
export {
  type IommuConfig,
  type IommuMode,
  Kernel,
  type KernelOptions,
  type LeakProbe,
} from './kernel.js';
export { DEFAULT_RULE_SET, parseRuleSet } from './rules.js';
