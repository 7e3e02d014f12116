/**
 * Bundle bench/phases.ts from the checkout's source with the CLI's esbuild options, so that each phase runs
 * the code a fedlint run runs. The bundle goes under node_modules/.cache, inside the checkout, where the
 * modules the CLI leaves external (web-tree-sitter) still resolve.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bundle is written. */
const PHASES_BUNDLE = path.join(ROOT, 'node_modules', '.cache', 'fedlint-bench', 'phases.mjs');

/** Write the bundle and return its path. */
export async function buildPhases() {
  await build({ ...bundleOptions, entryPoints: [path.join(ROOT, 'bench', 'phases.ts')], outfile: PHASES_BUNDLE });
  return PHASES_BUNDLE;
}
