/** Replaced at build time by esbuild's `define` with the version in package.json. */
declare const __FEDLINT_VERSION__: string | undefined;

export const VERSION: string = typeof __FEDLINT_VERSION__ === 'string' ? __FEDLINT_VERSION__ : '0.0.0-dev';
