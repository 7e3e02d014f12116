/**
 * `fedlint init` (a starter configuration that validates, environments guessed from the folder layout) and
 * `fedlint explain` showing a flagged fixture and its pinned twin.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load.js';

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {}, isTTY: false });
  return { code, stdout, stderr };
}

describe('fedlint init', () => {
  it('writes a configuration that validates, with environments from envs/*, and never overwrites', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-init-'));
    for (const d of ['envs/prod', 'envs/staging', 'envs/dev', 'modules/network']) mkdirSync(path.join(dir, d), { recursive: true });
    const r = await run(['init'], dir);
    expect(r).toMatchObject({ code: 0, stdout: 'wrote .fedlint.yaml\n' });
    const loaded = await loadConfig(path.join(dir, '.fedlint.yaml'), '.fedlint.yaml');
    expect(loaded.ok).toBe(true);
    if (loaded.ok) {
      expect(loaded.config.environments.map((e) => [e.name, e.paths])).toEqual([
        ['dev', ['envs/dev/*']],
        ['prod', ['envs/prod/*']],
        ['staging', ['envs/staging/*']],
      ]);
    }
    const again = await run(['init'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('fedlint: a .fedlint.yaml is already here; not overwriting it\n');
  });

  it('without environment folders, writes only commented examples, still valid', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-init-'));
    writeFileSync(path.join(dir, 'main.tf'), '');
    expect((await run(['init'], dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, '.fedlint.yaml'), 'utf8')).toContain('# environments:');
    expect((await loadConfig(path.join(dir, '.fedlint.yaml'), '.fedlint.yaml')).ok).toBe(true);
  });
});

describe('fedlint explain', () => {
  it('shows a flagged fixture and its pinned twin', async () => {
    const r = await run(['explain', 'principal-wildcard'], process.cwd());
    expect(r.code).toBe(0);
    const flagged = /Flagged \(fixtures\/principal-wildcard\/bad\/([^)]+)\)/.exec(r.stdout);
    expect(flagged).not.toBeNull();
    expect(r.stdout).toContain(`Not flagged (fixtures/principal-wildcard/good/${flagged![1]})`);
  });
});
