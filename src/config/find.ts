/**
 * Where `.fedlint.yaml` is: the nearest one from the working directory up to the repository root. Apart from
 * load.ts so that a run without a configuration never loads the YAML parser and the schema validator (a
 * quarter of the bundle; see README "Performance").
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

export const CONFIG_NAMES = ['.fedlint.yaml', '.fedlint.yml'];

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Whether anything (a file, a folder, a link) is at this path. */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** The nearest .fedlint.yaml from `cwd` up to the repository root (the folder holding .git), if any. */
export async function findConfig(cwd: string): Promise<string | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(dir, name);
      if (await isFile(candidate)) return candidate;
    }
    if (await exists(path.join(dir, '.git'))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
