/**
 * The Kernel instance: one simulated machine (fabric + rule set + IOMMU config) with its processes,
 * files, dma-buf core, fence system, SimClock, ViolationLog and kernel log (WARNs and BUGs are
 * copied there as dmesg lines), and its own IOMMU (`iommuUnit`), P2PDMA (`p2pdma`) and DMA API
 * (`dma`), created on first use and shared by every driver on it.
 *
 *   const k = new Kernel({ fabric, ruleSet: 'linux-6.19', strict: true });
 *   const p = k.spawn('app');  const nic = k.pciDevice('nic0');
 *   … k.dmabuf.export / attach / map …
 *   k.quiesce();                                  // drain lazy-IOMMU flush queues (optional)
 *   assert.deepEqual(k.checkPristine(), []);        // queued IOVAs are deferredWork(), not leaks
 */
export {
  type IommuConfig,
  type IommuMode,
  Kernel,
  type KernelOptions,
  type LeakProbe,
} from './kernel.js';
export {
  DEFAULT_RULE_SET,
  fenceRulesFor,
  modelledVersion,
  p2pRuleSetFor,
  parseRuleSet,
} from './rules.js';
