// The esbuild options every bundle of fedlint's source shares: the CLI (scripts/build.mjs) and the phase
// harness of the benchmark (bench/phases-build.mjs), which must run the same code the same way.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

export const bundleOptions = {
  bundle: true,
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
};
