/** Schema version of the P2P documents; the wording of P2P findings lives in findings.ts. */
export { factText, hintText, issueText } from './findings.js';

export const P2P_SCHEMA_VERSION = 1;
