/**
 * Discovery: which files become inputs and which directories are Terraform modules.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover, walk } from '../src/discover/index.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-discover-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('discover', () => {
  it('walks JSON files and finds every directory of .tf files as a module, skipping tool folders', async () => {
    const dir = tree({
      'roles.json': '{}',
      'infra/main.tf': '',
      'infra/variables.tf': '',
      'infra/modules/ci/main.tf': '',
      'infra/.terraform/modules/remote/main.tf': '',
      'node_modules/x/main.tf': '',
      'infra/terraform.tfvars': '',
    });
    const found = await discover(['.'], dir);
    expect(found.errors).toEqual([]);
    expect(found.files.map((f) => f.display)).toEqual(['roles.json']);
    expect(found.modules.map((m) => m.display)).toEqual(['infra', 'infra/modules/ci']);
  });

  it('a named .tf file stands for its module; the working directory is "."', async () => {
    const dir = tree({ 'main.tf': '', 'sub/other.tf': '' });
    const found = await discover(['main.tf', 'sub/other.tf'], dir);
    expect(found.files).toEqual([]);
    expect(found.modules.map((m) => m.display)).toEqual(['.', 'sub']);
  });

  // The walk used to be fast-glob's (**/*.json and **/*.tf, dot: false, node_modules, .git and .terraform
  // ignored, symbolic links not followed, errors suppressed); these are the cases where a hand-written walk
  // could find something else. Each expectation is what fast-glob 3.3.3 returned for the same tree.
  it('lists regular .json and .tf files only, case-sensitively, at any depth, entering folders named like files', () => {
    const dir = tree({
      'a.json': '{}',
      'b/c/d/e/f/g.json': '{}',
      'b/main.tf': '',
      'b/UPPER.JSON': '{}',
      'b/x.Json': '{}',
      'b/a.json.bak': '{}',
      'b/json': '{}',
      'b/terraform.tfvars': '',
      'b/node_modules.json': '{}',
      'folder.json/inner.json': '{}',
      'sp ace/[br]/st*r/back\\slash.json': '{}',
    });
    expect(walk(dir).sort()).toEqual(['a.json', 'b/c/d/e/f/g.json', 'b/main.tf', 'b/node_modules.json', 'folder.json/inner.json', 'sp ace/[br]/st*r/back\\slash.json']);
  });

  it('skips dot files, dot folders and node_modules folders at any depth', () => {
    const dir = tree({
      '.top.json': '{}',
      'a/.json': '{}',
      'a/.hidden.tf': '',
      '.github/workflows/x.json': '{}',
      'a/.terraform/modules/m/main.tf': '',
      'a/.git/x.json': '{}',
      'node_modules/p/x.json': '{}',
      'a/b/node_modules/p/main.tf': '',
      'a/kept.json': '{}',
    });
    expect(walk(dir)).toEqual(['a/kept.json']);
  });

  it('neither lists nor follows symbolic links, to files or to folders', () => {
    const dir = tree({ 'real/p.json': '{}', 'real/main.tf': '' });
    symlinkSync(path.join(dir, 'real', 'p.json'), path.join(dir, 'link.json'));
    symlinkSync(path.join(dir, 'real', 'main.tf'), path.join(dir, 'link.tf'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'linked-folder'));
    symlinkSync(path.join(dir, 'missing.json'), path.join(dir, 'broken.json'));
    expect(walk(dir).sort()).toEqual(['real/main.tf', 'real/p.json']);
    // A link named on the command line is followed: it is the folder walked.
    expect(walk(path.join(dir, 'linked-folder')).sort()).toEqual(['main.tf', 'p.json']);
  });

  it('skips a folder with a line break in its name and a file whose name starts with one, as fast-glob did', () => {
    const dir = tree({ 'a/\nlead.json': '{}', 'a/\u2028lead.json': '{}', 'a/mid\n.json': '{}', 'a/\tlead.json': '{}', 'b\rc/x.json': '{}', 'd\u2029e/x.json': '{}', 'f\tg/x.json': '{}' });
    expect(walk(dir).sort()).toEqual(['a/\tlead.json', 'a/mid\n.json', 'f\tg/x.json']);
  });

  it('skips a folder it cannot read and walks the rest; a missing folder gives nothing', () => {
    const dir = tree({ 'closed/x.json': '{}', 'open/y.json': '{}' });
    chmodSync(path.join(dir, 'closed'), 0);
    let readable = true;
    try {
      readdirSync(path.join(dir, 'closed'));
    } catch {
      readable = false;
    }
    // (Run as root, the folder stays readable: then it is walked.)
    expect(walk(dir).sort()).toEqual(readable ? ['closed/x.json', 'open/y.json'] : ['open/y.json']);
    chmodSync(path.join(dir, 'closed'), 0o755);
    expect(walk(path.join(dir, 'missing'))).toEqual([]);
  });

  it('shows the files of a walked folder by their path from the working directory, sorted', async () => {
    const dir = tree({ 'p/z.json': '{}', 'p/a/b.json': '{}', 'p/a.json': '{}', 'q/main.tf': '' });
    const found = await discover(['p', 'q', 'p/a'], path.join(dir));
    expect(found.files.map((f) => f.display)).toEqual(['p/a.json', 'p/a/b.json', 'p/z.json']);
    expect(found.files.map((f) => f.absolute)).toEqual(['p/a.json', 'p/a/b.json', 'p/z.json'].map((f) => path.join(dir, f)));
    const outside = await discover([path.join(dir, 'p')], path.join(dir, 'q'));
    expect(outside.files.map((f) => f.display)).toEqual(['p/a.json', 'p/a/b.json', 'p/z.json'].map((f) => path.join(dir, f)));
  });
});
