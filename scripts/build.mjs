// Bundle the CLI into dist/ with esbuild (run by `prepare`, so `npm install` leaves `npx fedlint` working).
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

// The configuration validator is generated from the schema first: the bundle includes it.
await import('./generate-validator.mjs');
await rm(new URL('../dist/', import.meta.url), { recursive: true, force: true });
/**
 * Modules the CLI imports only when they are needed (src/cli/main.ts, src/loaders/index.ts). esbuild puts
 * every module shared by a different set of entry points in a chunk of its own, so the code every run needs
 * came in a dozen files, and Node pays for each file it resolves and loads (about 0.25 ms: a sixth of the
 * difference to bare Node startup of `fedlint FILE`). Making each of these modules import main.ts as well
 * (which every run loads first anyway) gives everything the startup path needs the same set of entry
 * points, hence one chunk. It changes no behaviour: main.ts is always evaluated before them.
 */
const LAZY_MODULES = [
  'src/cli/program.ts',
  'src/aws/index.ts',
  'src/config/load.ts',
  'src/engine/simulate.ts',
  'src/loaders/gcp-export.ts',
  'src/loaders/gcp-trust.ts',
  'src/loaders/terraform-plan.ts',
  'src/loaders/terraform-source.ts',
].map((f) => fileURLToPath(new URL(`../${f}`, import.meta.url)));
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const startupInOneChunk = {
  name: 'startup-in-one-chunk',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!LAZY_MODULES.includes(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      return { contents: `${source}\nimport ${JSON.stringify(MAIN)};\n`, loader: 'ts', resolveDir: path.dirname(args.path) };
    });
  },
};

await build({
  ...bundleOptions,
  entryPoints: { cli: 'src/cli/run.ts' },
  plugins: [startupInOneChunk],
  outdir: 'dist',
  splitting: true,
});
