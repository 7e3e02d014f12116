/**
 * .fedlint.yaml: finding it, validating it (one error with the key's line and column, exit 2), and what it
 * changes: rule levels and options, per-environment settings, environments driving cross-environment-trust,
 * and the issuer allowlist.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { findConfig, loadConfig } from '../src/config/load.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {}, isTTY: false });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as { findings: Array<{ ruleId: string; level: string; file: string; resource: string; message: string }> } };
}

const GH = 'token.actions.githubusercontent.com';
function role(name: string, sub: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      Role: {
        RoleName: name,
        Arn: `arn:aws:iam::${(extra['account'] as string) ?? '111122223333'}:role/${name}`,
        MaxSessionDuration: extra['ttl'] ?? 3600,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com', [`${GH}:sub`]: sub } },
            },
          ],
        },
      },
    },
    null,
    2,
  );
}

describe('finding and validating the configuration', () => {
  it('walks up from the working directory and stops at the repository root', async () => {
    const dir = tree({ '.fedlint.yaml': 'rules: {}\n', 'repo/.git/HEAD': '', 'repo/a/b/x.json': '{}', 'other/c/x.json': '{}' });
    expect(await findConfig(path.join(dir, 'other/c'))).toBe(path.join(dir, '.fedlint.yaml'));
    expect(await findConfig(path.join(dir, 'repo/a/b'))).toBeUndefined();
  });

  const invalid: Array<[string, string, string]> = [
    ['an unknown key', 'rules: {}\nenviroments:\n  prod: {}\n', '.fedlint.yaml:2:1: unknown key "enviroments" in the configuration'],
    ['an unknown rule id', 'rules:\n  subject-wild: error\n', '.fedlint.yaml:2:3: unknown rule id "subject-wild" (see `fedlint rules`)'],
    ['a bad level', 'rules:\n  mutable-claim: loud\n', '.fedlint.yaml:2:18: rules.mutable-claim must be one of "error", "warning", "note", "off"'],
    ['a bad option', 'rules:\n  session-ttl-excessive:\n    maxSeconds: fifty\n', '.fedlint.yaml:3:17: rules.session-ttl-excessive.maxSeconds must be integer'],
    ['an ignore without a reason', 'ignore:\n  - rule: subject-wildcard\n', '.fedlint.yaml:2:5: ignore.0 needs "reason"'],
    ['a bad date', 'ignore:\n  - rule: subject-wildcard\n    reason: sandbox\n    expires: 31/03/2027\n', '.fedlint.yaml:4:14: ignore.0.expires must be a date written YYYY-MM-DD'],
    ['an environment override naming no environment', 'rules:\n  mutable-claim:\n    environments:\n      prod: { level: error }\n', '.fedlint.yaml:4:7: rules.mutable-claim.environments names "prod", which is not under environments'],
    ['invalid YAML', 'rules: [\n', '.fedlint.yaml:2:1: invalid YAML'],
  ];
  for (const [what, text, expected] of invalid) {
    it(`${what} is exit 2 with one line naming the key`, async () => {
      const dir = tree({ '.fedlint.yaml': text, 'x.json': role('r', 'repo:o/r:ref:refs/heads/main') });
      const r = await run(['x.json'], dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr.startsWith(expected)).toBe(true);
    });
  }

  it('--config names the file; a missing one is exit 2', async () => {
    const dir = tree({ 'conf/strict.yaml': 'rules:\n  mutable-claim: off\n' });
    const result = await loadConfig(path.join(dir, 'conf/strict.yaml'), 'conf/strict.yaml');
    expect(result.ok).toBe(true);
    const r = await run(['--config', 'missing.yaml', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('missing.yaml:1:1: configuration file not found\n');
  });
});

describe('what the configuration changes', () => {
  it('turns rules off, sets their level, and their options, also per environment', async () => {
    const files = {
      'prod.json': role('deploy-prod', 'repo:octo-org/web:ref:refs/heads/main', { ttl: 7200, account: '999988887777' }),
      'dev.json': role('deploy-sandbox', 'repo:octo-org/web:ref:refs/heads/dev', { ttl: 7200, account: '444455556666' }),
    };
    const base = await run(['--format', 'json', '.'], tree(files));
    expect(base.json().findings.map((f) => [f.ruleId, f.level])).toEqual([
      ['session-ttl-excessive', 'warning'],
      ['session-ttl-excessive', 'warning'],
    ]);
    const configured = await run(
      ['--format', 'json', '.'],
      tree({
        ...files,
        '.fedlint.yaml': [
          'environments:',
          '  prod: { accounts: ["999988887777"] }',
          'rules:',
          '  session-ttl-excessive:',
          '    maxSeconds: 10800',
          '    environments:',
          '      prod: { level: error, maxSeconds: 3600 }',
          '',
        ].join('\n'),
      }),
    );
    expect(configured.json().findings.map((f) => [f.ruleId, f.level, f.file])).toEqual([['session-ttl-excessive', 'error', 'prod.json']]);
    const off = await run(['--format', 'json', '.'], tree({ ...files, '.fedlint.yaml': 'rules:\n  session-ttl-excessive: off\n' }));
    expect(off.json().findings).toEqual([]);
  });

  it('environments.paths drive cross-environment-trust across two files', async () => {
    const sub = 'repo:octo-org/web:ref:refs/heads/main';
    const files = { 'envs/prod/deploy.json': role('deploy-a', sub), 'envs/dev/deploy.json': role('deploy-b', sub) };
    expect((await run(['--format', 'json', '.'], tree(files))).json().findings).toEqual([]);
    const config = 'environments:\n  prod:\n    paths: ["envs/prod/*"]\n  dev:\n    paths: ["envs/dev/*"]\n';
    const r = await run(['--format', 'json', '.'], tree({ ...files, '.fedlint.yaml': config }));
    expect(r.json().findings.map((f) => [f.ruleId, f.file])).toEqual([
      ['cross-environment-trust', 'envs/dev/deploy.json'],
      ['cross-environment-trust', 'envs/prod/deploy.json'],
    ]);
    expect(r.json().findings[1]!.message).toContain('(production)');
  });

  it('issuers.allow makes issuer-untrusted report other issuers', async () => {
    const files = { 'x.json': role('deploy', 'repo:octo-org/web:ref:refs/heads/main') };
    const allowed = await run(['--format', 'json', '.'], tree({ ...files, '.fedlint.yaml': `issuers:\n  allow: ["https://${GH}"]\n` }));
    expect(allowed.json().findings).toEqual([]);
    const other = await run(['--format', 'json', '.'], tree({ ...files, '.fedlint.yaml': 'issuers:\n  allow: ["https://gitlab.com"]\n' }));
    expect(other.json().findings.map((f) => f.ruleId)).toEqual(['issuer-untrusted']);
  });
});
