import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../rules/index.js';
import { analysePaths, type Analysis } from '../../src/cli/main.js';
import { loadConfig, type Config } from '../../src/config/load.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A configuration file loaded as the CLI would, failing loudly when it is invalid. */
export async function configFrom(file: string): Promise<Config> {
  const result = await loadConfig(file, path.basename(file));
  if (!result.ok) throw new Error(`invalid test configuration: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/** Lint paths (relative to the repository root) with every rule, in process. */
export async function lintPaths(paths: string[], options: { cwd?: string; rules?: string[]; config?: string } = {}): Promise<Analysis> {
  const rules = options.rules ? RULES.filter((r) => options.rules!.includes(r.meta.id)) : [...RULES];
  const cwd = options.cwd ?? ROOT;
  const config = options.config && existsSync(path.resolve(cwd, options.config)) ? await configFrom(path.resolve(cwd, options.config)) : undefined;
  return analysePaths(paths, { rules, cwd, config });
}

/** Lint documents given as text, written to temporary files and linted in one run (with a .fedlint.yaml when given). */
export async function lintText(...texts: Array<string | undefined>): Promise<Analysis> {
  return lintTextWith(undefined, ...texts);
}

export async function lintTextWith(configText: string | undefined, ...texts: Array<string | undefined>): Promise<Analysis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-test-'));
  const names: string[] = [];
  texts.forEach((text, i) => {
    if (text === undefined) return;
    const name = `input-${i}.json`;
    writeFileSync(path.join(dir, name), text);
    names.push(name);
  });
  let config: Config | undefined;
  if (configText !== undefined) {
    writeFileSync(path.join(dir, '.fedlint.yaml'), configText);
    config = await configFrom(path.join(dir, '.fedlint.yaml'));
  }
  return analysePaths(names, { rules: [...RULES], cwd: dir, config });
}
