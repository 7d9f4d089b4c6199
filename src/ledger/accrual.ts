/**
 * The accrual formulas, for the ledger's readers (queries, statements): they live in the
 * distribution state machine (./distribution/index-step.ts, DESIGN.md §4).
 */
export { SCALE, advanceIndex, accrual, accruedAt, creditable } from './distribution/index.ts';
export type { IndexStep } from './distribution/index.ts';
