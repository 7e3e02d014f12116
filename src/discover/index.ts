/**
 * Turn the paths a user gave into the inputs to lint: files as named (any extension: the kind is
 * sniffed from content), directories walked for JSON, skipping dependency and tool folders; and the
 * Terraform modules among them (every directory holding `.tf` files; a named `.tf` file stands for its
 * directory, since a module is the unit Terraform evaluates).
 */
import { readdirSync, type Dirent } from 'node:fs';
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

/**
 * Line terminators. A directory whose name holds one is not entered and a file whose name starts with one is
 * not an input: the walk used to be fast-glob's, whose patterns (any depth, then `*.json` or `*.tf`) compile
 * to regular expressions in which `.` does not match them, and what a walk finds has stayed the same.
 */
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * The files under `root` a directory walk lints, as paths relative to it with forward slashes: regular files
 * named `*.json` or `*.tf` (case-sensitive), not through a symbolic link (links to files or folders are
 * neither listed nor followed: a link could lead out of the tree or into a loop), skipping names that start
 * with a dot (`.git`, `.terraform`, `.github`) and `node_modules` folders; a folder that cannot be read is
 * skipped. In no particular order (discover sorts).
 *
 * Synchronous, with one readdir per folder: fast-glob's asynchronous walk with the same rules (thread-pool
 * round trips, a pattern match per entry) took 40-50 ms for the first walk in a process of the 10,000 files of
 * npm run bench ("10000 small AWS files"), besides loading it, against 13-15 ms for this.
 */
export function walk(root: string): string[] {
  const found: string[] = [];
  const pending = [''];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir === '' ? root : path.join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (name !== 'node_modules' && !LINE_TERMINATOR.test(name)) pending.push(`${dir}${name}/`);
      } else if (entry.isFile() && (name.endsWith('.json') || name.endsWith('.tf')) && !LINE_TERMINATOR.test(name[0]!)) {
        found.push(dir + name);
      }
    }
  }
  return found;
}

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
      const found = walk(absolute);
      // Paths come relative to the folder, so each display path is the folder's plus the rest (path.relative
      // for each of 10,000 files cost more than the walk); a folder shown absolute shows its files absolute.
      const base = displayPath(absolute, cwd);
      const under = base === '.' ? '' : base.startsWith('..') || path.isAbsolute(base) ? undefined : `${base}/`;
      // The folder is resolved and the rest are names read from it, so joining needs no normalising: path.join
      // for each of 10,000 files cost 16-20 ms, concatenation 2 ms.
      const root = absolute.endsWith(path.sep) ? absolute : `${absolute}${path.sep}`;
      for (const f of found) {
        const abs = root + (path.sep === '/' ? f : f.replaceAll('/', path.sep));
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
