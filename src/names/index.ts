export { CLASS_TABLE } from './class-table.js';
export { PciIds, type PciIdsSource } from './ids.js';
export {
  classText,
  deviceText,
  type FunctionNames,
  lookupNames,
  lspciText,
  nameFabric,
  subsystemText,
  vendorsOf,
} from './names.js';
export { namesToPciIds } from './record.js';
