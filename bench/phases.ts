/**
 * A fedlint run cut short after one of its phases, for the "where the time goes" table of `npm run bench`:
 *
 * - `read`: walk the paths, read, decode and JSON.parse every file with fedlint's own checks (src/loaders/read.ts),
 *   which is what the baseline (bench/baseline.mjs) does, with fedlint's care;
 * - `load`: everything the lint command does before its rules run (src/cli/main.ts loadPaths): the above, then
 *   recognise each input and lower it to trusts, keeping every input as a run keeps it for the rules.
 *
 * bench/run.mjs bundles this file from the checkout's source (bench/phases-build.mjs) and runs the bundle in a
 * process of its own per phase, as it runs fedlint: the difference between two phases is the cost of the
 * work between them, startup included in both (the bundle starts in about the time the CLI does). What a
 * phase did is printed as one line of JSON, which test/bench.test.ts checks.
 *
 * Usage (of the bundle): node phases.mjs read|load PATH...
 */
import { pathToFileURL } from 'node:url';
import { loadPaths } from '../src/cli/main.js';
import { discover } from '../src/discover/index.js';
import { parseJson, readText } from '../src/loaders/read.js';

const PHASES = ['read', 'load'] as const;
type Phase = (typeof PHASES)[number];

/** JSON files found (Terraform modules are not part of this phase), and how many of them read and parsed. */
async function readPhase(paths: readonly string[], cwd: string): Promise<{ files: number; parsed: number }> {
  const { files } = await discover(paths, cwd);
  let parsed = 0;
  for (const file of files) {
    const read = readText(file.absolute, file.display);
    if (read.ok && parseJson(file.display, read.text).ok) parsed++;
  }
  return { files: files.length, parsed };
}

/** Inputs loaded, and the trusts lowered from them (GCP providers and members are joined later, by lint). */
export async function loadPhase(paths: readonly string[], cwd: string): Promise<{ inputs: number; bindings: number; errors: number }> {
  const loaded = await loadPaths(paths, { cwd });
  let bindings = 0;
  let errors = loaded.errors.length;
  for (const input of loaded.inputs) {
    bindings += input.bindings.length;
    errors += input.errors.length;
  }
  return { inputs: loaded.inputs.length, bindings, errors };
}

async function main(argv: readonly string[]): Promise<void> {
  const [phase, ...paths] = argv;
  if (!PHASES.includes(phase as Phase) || paths.length === 0) {
    process.stderr.write(`usage: node phases.mjs ${PHASES.join('|')} PATH...\n`);
    process.exitCode = 2;
    return;
  }
  const done = phase === 'read' ? await readPhase(paths, process.cwd()) : await loadPhase(paths, process.cwd());
  process.stdout.write(`${JSON.stringify(done)}\n`);
}

// Run when this is the program (the bundle), not when a test imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
