/**
 * Terraform source through the CLI: placing plan findings on the .tf block of their resource, syntax errors,
 * and the note about values left unresolved.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-tf-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {}, isTTY: false });
  return { code, stdout, stderr };
}

const GH = 'token.actions.githubusercontent.com';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GH}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${GH}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GH}:sub`]: 'repo:octo-org/*' } },
    },
  ],
});

const SOURCE = `variable "trust" {
  type = string
}

module "ci" {
  source = "./modules/role"
  trust  = var.trust
}
`;
const MODULE = `variable "trust" {
  type = string
}

resource "aws_iam_role" "deploy" {
  name               = "gha-deploy"
  assume_role_policy = var.trust
}
`;

function planOf(): string {
  const after = { name: 'gha-deploy', assume_role_policy: POLICY, max_session_duration: 3600 };
  return JSON.stringify({
    format_version: '1.2',
    resource_changes: [
      { address: 'module.ci.aws_iam_role.deploy', module_address: 'module.ci', mode: 'managed', type: 'aws_iam_role', name: 'deploy', change: { actions: ['create'], after, after_unknown: {} } },
    ],
  });
}

describe('plan + source', () => {
  it("places a plan finding on the .tf block of its resource when the plan's folder holds the module", async () => {
    const dir = tree({ 'plan.json': planOf(), 'main.tf': SOURCE, 'modules/role/main.tf': MODULE });
    const r = await run(['--format', 'json', 'plan.json'], dir);
    const report = JSON.parse(r.stdout);
    expect(report.errors).toEqual([]);
    expect(report.findings.map((f: { ruleId: string; file: string; line: number; resource: string }) => [f.ruleId, f.file, f.line, f.resource])).toEqual([
      ['subject-wildcard', 'modules/role/main.tf', 5, 'module.ci.aws_iam_role.deploy'],
    ]);
    expect(report.findings[0].related[0]).toMatchObject({ file: 'plan.json', message: 'in the plan: module.ci.aws_iam_role.deploy' });
  });

  it('--source-root names the module when the plan sits elsewhere; without it the finding stays in the plan', async () => {
    const dir = tree({ 'out/plan.json': planOf(), 'infra/main.tf': SOURCE, 'infra/modules/role/main.tf': MODULE });
    const placed = JSON.parse((await run(['--format', 'json', '--source-root', 'infra', 'out/plan.json'], dir)).stdout);
    expect(placed.findings.map((f: { file: string }) => f.file)).toEqual(['infra/modules/role/main.tf']);
    const kept = JSON.parse((await run(['--format', 'json', 'out/plan.json'], dir)).stdout);
    expect(kept.findings.map((f: { file: string }) => f.file)).toEqual(['out/plan.json']);
  });

  it('keeps the fingerprint of a plan finding whether or not it is placed on source', async () => {
    const dir = tree({ 'plan.json': planOf(), 'main.tf': SOURCE, 'modules/role/main.tf': MODULE, 'elsewhere/plan.json': planOf() });
    const placed = JSON.parse((await run(['--format', 'json', 'plan.json'], dir)).stdout).findings[0];
    const plain = JSON.parse((await run(['--format', 'json', 'plan.json'], path.join(dir, 'elsewhere'))).stdout).findings[0];
    expect(placed.fingerprint).toBe(plain.fingerprint);
  });

  it('rejects a --source-root without .tf files and a missing --var-file with exit 2', async () => {
    const dir = tree({ 'plan.json': planOf() });
    const root = await run(['--source-root', '.', 'plan.json'], dir);
    expect(root.code).toBe(2);
    expect(root.stderr).toBe('fedlint: --source-root .: not a directory holding .tf files\n');
    const vars = await run(['--var-file', 'prod.tfvars', 'plan.json'], dir);
    expect(vars.code).toBe(2);
    expect(vars.stderr).toBe('fedlint: --var-file prod.tfvars: no such file\n');
  });
});

describe('.tf inputs', () => {
  it('reports a syntax error as file:line:col with exit 2 and still lints the other modules', async () => {
    const dir = tree({
      'broken/main.tf': 'resource "aws_iam_role" "x" {\n  name = \n}\n',
      'ok/main.tf': `resource "aws_iam_role" "open" {\n  assume_role_policy = ${JSON.stringify(POLICY)}\n}\n`,
    });
    const r = await run(['--format', 'json', '.'], dir);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].file).toBe('broken/main.tf');
    expect(report.errors[0].line).toBeGreaterThanOrEqual(2);
    expect(r.stderr).toMatch(/^broken\/main\.tf:\d+:\d+: /);
    expect(report.findings.map((f: { ruleId: string; file: string }) => [f.ruleId, f.file])).toEqual([['subject-wildcard', 'ok/main.tf']]);
  });

  it('says in the text report which values were left unresolved, and guesses nothing from them', async () => {
    const dir = tree({ 'main.tf': `variable "trust" {\n  type = string\n}\n\nresource "aws_iam_role" "deploy" {\n  assume_role_policy = var.trust\n}\n` });
    const r = await run(['--no-color', '.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Left unresolved (fedlint judges nothing from these values):');
    expect(r.stdout).toMatch(/main\.tf:\d+:\d+: note .*trust/);
  });

  it('--var-file gives variables their values', async () => {
    const dir = tree({
      'main.tf': `variable "sub" {\n  type = string\n}\n\nresource "aws_iam_role" "deploy" {\n  assume_role_policy = jsonencode({\n    Statement = [{\n      Effect = "Allow"\n      Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/${GH}" }\n      Action = "sts:AssumeRoleWithWebIdentity"\n      Condition = { StringLike = { "${GH}:sub" = var.sub, "${GH}:aud" = "sts.amazonaws.com" } }\n    }]\n  })\n}\n`,
      'prod.tfvars': 'sub = "repo:octo-org*"\n',
    });
    const without = JSON.parse((await run(['--format', 'json', '.'], dir)).stdout);
    expect(without.findings.filter((f: { level: string }) => f.level !== 'note')).toEqual([]);
    const withVars = JSON.parse((await run(['--format', 'json', '--var-file', 'prod.tfvars', '.'], dir)).stdout);
    // The wildcard is written in the variables file, so that is where the finding points.
    expect(withVars.findings.map((f: { ruleId: string; level: string; file: string; line: number }) => [f.ruleId, f.level, f.file, f.line])).toEqual([
      ['subject-wildcard', 'error', 'prod.tfvars', 1],
    ]);
  });
});

describe('plan and source in one run', () => {
  it('reports a mistake once when the plan and the module that produced it are linted together', async () => {
    const module = `resource "aws_iam_role" "deploy" {\n  name               = "gha-deploy"\n  assume_role_policy = ${JSON.stringify(POLICY)}\n}\n`;
    const after = { name: 'gha-deploy', assume_role_policy: POLICY, max_session_duration: 3600 };
    const plan = JSON.stringify({
      format_version: '1.2',
      resource_changes: [{ address: 'aws_iam_role.deploy', mode: 'managed', type: 'aws_iam_role', name: 'deploy', change: { actions: ['create'], after, after_unknown: {} } }],
    });
    const dir = tree({ 'main.tf': module, 'plan.json': plan });
    const report = JSON.parse((await run(['--format', 'json', '.'], dir)).stdout);
    expect(report.findings.map((f: { ruleId: string; file: string; line: number }) => [f.ruleId, f.file, f.line])).toEqual([['subject-wildcard', 'main.tf', 3]]);
  });
});
