/** Types of bench/generate.mjs, for the test that checks it (test/bench.test.ts). */

/** A mistake the generator put in an input: fedlint must report `ruleId` on `resource`. */
export interface Planted {
  ruleId: string;
  resource: string;
}

/** One generated input: its path under the root, its size, and the mistakes planted in it. */
export interface ManifestEntry {
  path: string;
  bytes?: number;
  resources?: number;
  files?: number;
  planted: Planted[];
}

export type Manifest = Record<'planSmall' | 'planLarge' | 'filesSmall' | 'filesLarge' | 'moduleSmall' | 'moduleLarge' | 'single', ManifestEntry>;

export function generatePlan(options: { resources: number; seed?: number }): { text: string; resources: number; planted: Planted[] };
export function writePolicyFiles(dir: string, options: { count: number; seed?: number }): { files: number; bytes: number; planted: Planted[] };
export function writeModule(dir: string, options: { bytes: number; seed?: number }): { files: number; bytes: number; planted: Planted[] };
export function sizes(scale?: number): { planSmall: number; planLarge: number; filesSmall: number; filesLarge: number; moduleSmall: number; moduleLarge: number };
export function generateAll(root: string, scale?: number): Manifest;
