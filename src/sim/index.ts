/** Domain-free simulation building blocks: the max-min fair sharing solver. */
export {
  BOTTLENECK_OWN_BOUND,
  BOTTLENECK_UNCONSTRAINED,
  constraintLoads,
  MaxMinBuilder,
  type MaxMinFlowOptions,
  type MaxMinOptions,
  type MaxMinSolution,
  type MaxMinSystem,
  type MaxMinUse,
  SG_MAXMIN_PRECISION,
  SG_PRECISION_WORKAMOUNT,
  solveMaxMin,
  validateMaxMinSystem,
} from './maxmin.js';
export { simulateTransfers, type TransferOptions, type TransferResult } from './transfers.js';
