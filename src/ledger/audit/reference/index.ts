export { ReferenceModel } from './model.ts';
export type { RefAccountView, RefPoolView } from './model.ts';
