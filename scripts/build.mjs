// Bundle the CLI into dist/ with esbuild (run by `prepare`, so `npm install` leaves `npx fedlint` working).
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
// The configuration validator is generated from the schema first: the bundle includes it.
await import('./generate-validator.mjs');
await rm(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/run.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The AWS SDK's ESM entry points need module first (design.md §3).
  mainFields: ['module', 'main'],
  define: { __FEDLINT_VERSION__: JSON.stringify(pkg.version) },
  // web-tree-sitter (Emscripten output) is loaded from node_modules at run time, only when .tf inputs
  // exist; it and the HCL grammar find their .wasm files through require.resolve (src/loaders/hcl/parse.ts).
  external: ['web-tree-sitter'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __fedlintCreateRequire } from 'node:module'; const require = __fedlintCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  absWorkingDir: new URL('..', import.meta.url).pathname,
});
