export * from './curve.ts';
export * from './ticks.ts';
export * from './policy.ts';
export * from './gate.ts';
export * from './muldiv.ts';
export * from './asset-weight.ts';
export * from "./schedule.ts";
export * from "./projection.ts";
