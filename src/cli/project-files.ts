/**
 * Files of fedlint's own package (fixtures for `fedlint explain`) and of the user's project (`fedlint init`).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixturePair } from '../engine/docs.js';
import { classifyEnvironmentName } from '../knowledge/environments.js';

/** The package root: the nearest folder above this module with fedlint's package.json (src/cli or dist). */
function packageRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fedlint') return dir;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** The smallest single-file case of a rule's fixtures, with its pinned twin; undefined when not shipped. */
export function fixturePair(ruleId: string): FixturePair | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  const bad = path.join(root, 'fixtures', ruleId, 'bad');
  const good = path.join(root, 'fixtures', ruleId, 'good');
  if (!existsSync(bad) || !existsSync(good)) return undefined;
  const cases = readdirSync(bad)
    .filter((name) => name.endsWith('.json') && statSync(path.join(bad, name)).isFile() && existsSync(path.join(good, name)))
    .sort((a, b) => statSync(path.join(bad, a)).size - statSync(path.join(bad, b)).size || (a < b ? -1 : 1));
  const name = cases[0];
  if (!name) return undefined;
  return { name, bad: readFileSync(path.join(bad, name), 'utf8'), good: readFileSync(path.join(good, name), 'utf8') };
}

/** Folders whose name says which environment they hold: `envs/prod`, `environments/dev`, `prod/`. */
async function environmentFolders(cwd: string): Promise<Array<{ name: string; glob: string }>> {
  const found = new Map<string, string[]>();
  const visit = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(cwd, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
      const cls = classifyEnvironmentName(e.name);
      const sub = rel ? `${rel}/${e.name}` : e.name;
      if (cls) {
        const key = cls === 'production' ? 'prod' : cls === 'development' ? 'dev' : cls;
        found.set(key, [...(found.get(key) ?? []), `${sub}/*`]);
      } else if (!rel && ['envs', 'environments', 'env', 'stages', 'accounts'].includes(e.name)) await visit(sub);
    }
  };
  await visit('');
  return [...found.entries()].map(([name, globs]) => ({ name, glob: JSON.stringify(globs).replace(/,/g, ', ') }));
}

/** A commented starter configuration, with environments guessed from the folder layout. */
export async function starterConfig(cwd: string): Promise<string> {
  const envs = await environmentFolders(cwd);
  const environments =
    envs.length > 0
      ? ['environments:', '  # Guessed from the folder layout; add accounts, projects, subscriptions or name globs.', ...envs.map((e) => `  ${e.name}:\n    paths: ${e.glob}`)]
      : [
          '# environments:',
          '#   prod:',
          '#     accounts: ["111122223333"]        # AWS account ids',
          '#     projects: ["acme-prod"]           # GCP projects',
          '#     paths: ["envs/prod/*"]            # files, relative to this file (* crosses /)',
          '#     names: ["*-prod-*"]               # resource names and Terraform addresses',
        ];
  return [
    '# fedlint configuration: https://github.com/fedlint/fedlint#configuration',
    '# yaml-language-server: $schema=https://github.com/fedlint/fedlint/blob/main/schema/fedlint.schema.json',
    '',
    ...environments,
    '',
    '# rules:',
    '#   session-ttl-excessive: { maxSeconds: 3600 }',
    '#   mutable-claim: off',
    '',
    '# issuers:',
    '#   allow: ["https://token.actions.githubusercontent.com"]',
    '',
    '# ignore:',
    '#   - rule: subject-wildcard',
    '#     resource: aws_iam_role.sandbox',
    '#     reason: "sandbox account, no data"',
    '#     expires: 2027-03-31',
    '',
  ].join('\n');
}

/** Write the starter configuration; false when a configuration is already there. */
export async function writeStarterConfig(cwd: string): Promise<boolean> {
  const file = path.join(cwd, '.fedlint.yaml');
  if (existsSync(file) || existsSync(path.join(cwd, '.fedlint.yml'))) return false;
  await writeFile(file, await starterConfig(cwd), { flag: 'wx' });
  return true;
}
