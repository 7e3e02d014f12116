import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../rules/index.js';
import { analysePaths, type Analysis } from '../../src/cli/main.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Lint paths (relative to the repository root) with every rule, in process. */
export function lintPaths(paths: string[], options: { cwd?: string; rules?: string[] } = {}): Promise<Analysis> {
  const rules = options.rules ? RULES.filter((r) => options.rules!.includes(r.meta.id)) : [...RULES];
  return analysePaths(paths, { rules, cwd: options.cwd ?? ROOT });
}

/** Lint documents given as text, written to temporary files and linted in one run. */
export async function lintText(...texts: Array<string | undefined>): Promise<Analysis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-test-'));
  const names: string[] = [];
  texts.forEach((text, i) => {
    if (text === undefined) return;
    const name = `input-${i}.json`;
    writeFileSync(path.join(dir, name), text);
    names.push(name);
  });
  return analysePaths(names, { rules: [...RULES], cwd: dir });
}
