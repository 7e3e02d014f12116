/**
 * Discovery: which files become inputs and which directories are Terraform modules.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover } from '../src/discover/index.js';

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
});
