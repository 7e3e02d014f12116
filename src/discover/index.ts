/**
 * Turn the paths a user gave into the inputs to lint: files as named (any extension: the kind is
 * sniffed from content), directories walked for JSON, skipping dependency and tool folders; and the
 * Terraform modules among them (every directory holding `.tf` files; a named `.tf` file stands for its
 * directory, since a module is the unit Terraform evaluates).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { InputError } from '../model/types.js';

export interface DiscoveredFile {
  /** Absolute path, for reading. */
  absolute: string;
  /** Path relative to the working directory with forward slashes, for reports. */
  display: string;
  explicit: boolean;
}

export const IGNORED_DIRECTORIES = ['**/node_modules/**', '**/.git/**', '**/.terraform/**'];

export function displayPath(absolute: string, cwd: string): string {
  const rel = path.relative(cwd, absolute);
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? absolute : rel;
  return shown.split(path.sep).join('/');
}

export interface DiscoveredModule {
  /** Absolute path of the directory. */
  absolute: string;
  display: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  /** Directories holding Terraform source, sorted by display path. */
  modules: DiscoveredModule[];
  errors: InputError[];
}

const byDisplay = <T extends { display: string }>(a: T, b: T): number => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0);

export async function discover(paths: readonly string[], cwd: string): Promise<Discovery> {
  const files = new Map<string, DiscoveredFile>();
  const modules = new Map<string, DiscoveredModule>();
  const addModule = (dir: string): void => {
    if (!modules.has(dir)) modules.set(dir, { absolute: dir, display: displayPath(dir, cwd) });
  };
  const errors: InputError[] = [];
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      errors.push({ file: given, line: 1, column: 1, message: code === 'ENOENT' ? 'no such file or directory' : `cannot access (${code})` });
      continue;
    }
    if (info.isDirectory()) {
      // fast-glob is loaded only to walk a directory: a pre-commit hook names its files.
      const { default: fg } = await import('fast-glob');
      const found = await fg(['**/*.json', '**/*.tf'], {
        cwd: absolute,
        ignore: IGNORED_DIRECTORIES,
        onlyFiles: true,
        dot: false,
        followSymbolicLinks: false,
        suppressErrors: true,
      });
      // Paths come relative to the folder, so each display path is the folder's plus the rest (path.relative
      // for each of 10,000 files cost more than the walk); a folder shown absolute shows its files absolute.
      const base = displayPath(absolute, cwd);
      const under = base === '.' ? '' : base.startsWith('..') || path.isAbsolute(base) ? undefined : `${base}/`;
      for (const f of found) {
        const abs = path.join(absolute, f);
        if (abs.endsWith('.tf')) addModule(path.dirname(abs));
        else if (!files.has(abs)) files.set(abs, { absolute: abs, display: under === undefined ? abs.split(path.sep).join('/') : `${under}${f}`, explicit: false });
      }
    } else if (absolute.endsWith('.tf')) {
      addModule(path.dirname(absolute));
    } else {
      files.set(absolute, { absolute, display: displayPath(absolute, cwd), explicit: true });
    }
  }
  // Sorted so that output does not depend on the file system's order.
  return { files: [...files.values()].sort(byDisplay), modules: [...modules.values()].sort(byDisplay), errors };
}
