/**
 * The fixed seeds CI runs (test/sim/pipeline-*.test.ts): 1..200, split in two files so that
 * vitest runs the halves on two workers.
 */
export const CI_SEEDS_PER_FILE = 100;
export const ciSeeds = (part: 0 | 1): number[] => Array.from({ length: CI_SEEDS_PER_FILE }, (_, i) => 1 + part * CI_SEEDS_PER_FILE + i);
