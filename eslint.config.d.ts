// The types of eslint.config.js for the test that reads it (test/lint/layering.test.ts).
export declare const TYPE_AWARE_RULES: readonly string[];
declare const config: unknown;
export default config;
