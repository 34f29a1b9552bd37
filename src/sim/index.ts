export { type MaxMinSolution, type MaxMinSystem, solveMaxMin } from './maxmin.js';
