/** Types of bench/phases-build.mjs, for the test that runs the bundle (test/bench.test.ts). */
export function buildPhases(): Promise<string>;
