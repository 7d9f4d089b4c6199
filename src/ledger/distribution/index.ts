/**
 * The distribution as a pure state machine (DESIGN.md §4): explicit state per pool
 * (state.ts), a change step per account (change-step.ts), a tick step (tick-step.ts) and a
 * settlement step (settlement-step.ts), each asserting its invariants (invariants.ts). No I/O, no
 * database, no clock: the ledger (apply-tick.ts, settle.ts, deferred-state.ts) is an adapter around it.
 */
export { SCALE, advanceIndex, accrual, creditable } from './index-step.ts';
export type { IndexStep } from './index-step.ts';
export { accruedAt } from './checkpoint.ts';
export { changeStep } from './change-step.ts';
export type { IndexAt } from './change-step.ts';
export { tickStep } from './tick-step.ts';
export type { BookStep } from './tick-step.ts';
export { owedStep, settlementStep } from './settlement-step.ts';
export { assertBook, assertCredited } from './invariants.ts';
export { emptyBook } from './state.ts';
export type { Holding, PoolBook } from './state.ts';
