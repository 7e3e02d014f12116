/**
 * `fedlint simulate` end to end, through the built CLI (`node bin/fedlint.js simulate …`): every input format
 * the lint command reads, the three answers (admitted, rejected, unknown), --explain, the JSON shape, --claim,
 * JWT tokens, and the errors and exit codes of bad tokens and bad inputs.
 *
 * Inputs: fixtures/demo (the README's), fixtures/simulate/inputs (written for these tests: a Deny statement,
 * an EKS role, GCP provider and policy exports, Azure credentials, Terraform source) and the tokens of
 * fixtures/simulate.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/lint.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface LimitJson {
  name: string;
  test: string;
  file: string;
  line: number;
  column: number;
  reason?: string;
}

interface Entry {
  resource: string;
  target: { kind: string; name: string };
  provider: string;
  file: string;
  line: number;
  column: number;
  via?: { name: string; file: string; line: number; column: number };
  satisfied: LimitJson[];
  failed?: LimitJson;
  unknown: LimitJson[];
  notes: string[];
}

interface Report {
  version: number;
  tool: { name: string; version: string };
  admitted: Entry[];
  rejected: Entry[];
  unknown: Entry[];
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

const BIN = path.join(ROOT, 'bin/fedlint.js');
const INPUTS = 'fixtures/simulate/inputs';
const FEATURE = 'fixtures/simulate/github-feature-branch.json';
const GITHUB = 'https://token.actions.githubusercontent.com';

function fedlint(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const key of ['FORCE_COLOR', 'FEDLINT_DEBUG', 'NODE_OPTIONS']) delete env[key];
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** `simulate --format json`, parsed, with the exit code and stderr. */
async function json(args: string[], cwd = ROOT): Promise<{ code: number | null; report: Report; stderr: string }> {
  const run = await fedlint(['simulate', '--format', 'json', ...args], cwd);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const claims = (token: Record<string, string | string[]>): string[] =>
  Object.entries(token).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).flatMap((x) => ['--claim', `${k}=${x}`]));

const resources = (entries: Entry[]): string[] => entries.map((e) => e.resource);
const find = (entries: Entry[], resource: string, via?: string): Entry => {
  const e = entries.find((x) => x.resource === resource && (via === undefined || x.via?.name === via));
  if (!e) throw new Error(`no entry for ${resource} among ${JSON.stringify(resources(entries))}`);
  return e;
};

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-simulate-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('fedlint simulate: the README example', () => {
  it('lists the demo trusts that admit a feature-branch token of acme/payments, with the limits each satisfied', async () => {
    const run = await fedlint(['simulate', '--token', FEATURE, 'fixtures/demo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Token: iss "https://token.actions.githubusercontent.com", sub "repo:acme/payments:ref:refs/heads/feature-x", aud "sts.amazonaws.com"');
    expect(run.stdout).toContain(
      [
        'admitted  arn:aws:iam::111122223333:role/payments-deploy-prod  (aws-iam-role)',
        '  fixtures/demo/payments-deploy-prod.json:12:9',
        '  ✓ issuer: OIDC provider https://token.actions.githubusercontent.com  (line 15)',
        '  ✓ action: Action allows sts:AssumeRoleWithWebIdentity  (line 12)',
        '  ✓ token.actions.githubusercontent.com:aud: StringEquals "sts.amazonaws.com"  (line 20)',
        '  ✓ token.actions.githubusercontent.com:sub: StringLike "repo:acme/payments:ref:refs/heads/*"  (line 23)',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/\n12 trusts evaluated: 3 admitted, 0 unknown, 9 rejected \(--explain lists them\)\.\n$/);
    // Without --explain the rejected trusts are not listed.
    expect(run.stdout).not.toContain('rejected  ');
  });

  it("the README's example output is what the command prints (elided lines aside)", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Simulating a token'));
    const command = /```sh\nnpx fedlint simulate (.+)\n```/.exec(section);
    expect(command, 'README: the example command').not.toBeNull();
    const shown = /```\n(Token: [\s\S]*?)```/.exec(section)![1]!.split('\n').filter((l) => l !== '' && l !== '  …');
    const run = await fedlint(['simulate', ...command![1]!.split(' ')]);
    expect(run.code).toBe(0);
    const printed = run.stdout.split('\n');
    let at = 0;
    for (const line of shown) {
      const found = printed.indexOf(line, at);
      expect(found, `README line not printed in this order: ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it('admits it through the trust without a subject, the org-wide wildcard and the any-branch production role', async () => {
    const { code, report } = await json(['--token', FEATURE, 'fixtures/demo']);
    expect(code).toBe(0);
    expect(resources(report.admitted)).toEqual(['aws_iam_role.deploy', 'arn:aws:iam::111122223333:role/data-export', 'arn:aws:iam::111122223333:role/payments-deploy-prod']);
    expect(report.unknown).toEqual([]);
    expect(report.rejected).toHaveLength(9);
  });
});

describe('fedlint simulate: output', () => {
  it('--format json: version 1, the admitted, rejected and unknown trusts, and the input errors', async () => {
    const { report } = await json(['--token', FEATURE, 'fixtures/demo/payments-deploy-prod.json', 'fixtures/demo/mobile-app-trust.json']);
    expect(Object.keys(report)).toEqual(['version', 'tool', 'admitted', 'rejected', 'unknown', 'errors']);
    expect(report.version).toBe(1);
    expect(report.tool.name).toBe('fedlint');
    const prod = find(report.admitted, 'arn:aws:iam::111122223333:role/payments-deploy-prod');
    expect(prod).toMatchObject({
      target: { kind: 'aws-iam-role', name: 'arn:aws:iam::111122223333:role/payments-deploy-prod' },
      provider: 'aws',
      file: 'fixtures/demo/payments-deploy-prod.json',
      line: 12,
      column: 9,
      unknown: [],
    });
    expect(prod.failed).toBeUndefined();
    expect(prod.satisfied.map((l) => l.name)).toEqual(['issuer', 'action', 'token.actions.githubusercontent.com:aud', 'token.actions.githubusercontent.com:sub']);
    expect(prod.satisfied[3]).toEqual({
      name: 'token.actions.githubusercontent.com:sub',
      test: 'StringLike "repo:acme/payments:ref:refs/heads/*"',
      file: 'fixtures/demo/payments-deploy-prod.json',
      line: 23,
      column: 58,
    });
    expect(prod.notes).toEqual(["STS also checks the token's aud against the OIDC provider's client-ID list, which the inputs do not show"]);
    // Rejected trusts are always in the JSON, with the first limit that fails.
    const cognito = find(report.rejected, 'fixtures/demo/mobile-app-trust.json');
    expect(cognito.failed).toMatchObject({ name: 'issuer', test: 'Federated "cognito-identity.amazonaws.com"', reason: `the token's iss is "${GITHUB}"` });
    expect(report.errors).toEqual([]);
  });

  it('names each trust by the resource a finding about it carries (SARIF logicalLocations)', async () => {
    const lint = await fedlint(['--format', 'sarif', 'fixtures/demo/payments-deploy-prod.json', 'fixtures/demo/aws-plan.json']);
    const sarif = JSON.parse(lint.stdout) as Log;
    const logical = new Set(sarif.runs[0]!.results!.map((r) => r.locations![0]!.logicalLocations![0]!.fullyQualifiedName));
    const { report } = await json(['--token', FEATURE, 'fixtures/demo/payments-deploy-prod.json', 'fixtures/demo/aws-plan.json']);
    expect(resources(report.admitted).sort()).toEqual([...logical].sort());
  });

  it('--explain lists the rejected trusts with the first limit that fails', async () => {
    const run = await fedlint(['simulate', '--token', FEATURE, '--explain', 'fixtures/demo/list-roles.json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [
        'rejected  arn:aws:iam::111122223333:role/prod/web-deploy  (aws-iam-role)',
        '  fixtures/demo/list-roles.json:13:11',
        '  ✗ token.actions.githubusercontent.com:sub: StringEquals "repo:acme/web:environment:production"  (line 22): the token\'s sub is "repo:acme/payments:ref:refs/heads/feature-x"',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/\n4 trusts evaluated: 1 admitted, 0 unknown, 3 rejected\.\n$/);
  });

  it('gives byte-identical output on two runs', async () => {
    const args = ['simulate', '--token', FEATURE, '--explain', 'fixtures/demo', INPUTS];
    const [a, b] = await Promise.all([fedlint(args), fedlint(args)]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.length).toBeGreaterThan(1000);
  });

  it('documents itself in --help, and the program lists the command', async () => {
    const help = await fedlint(['simulate', '--help']);
    expect(help.code).toBe(0);
    for (const text of ['--token <file>', '--claim <key=value>', '--explain', '--format <format>', '--input-format <kind>', '--var-file <file>', 'Example:', 'fixtures/simulate/github-feature-branch.json']) {
      expect(help.stdout).toContain(text);
    }
    const top = await fedlint(['--help']);
    expect(top.stdout).toMatch(/\n\s+simulate \[options\] \[paths\.\.\.\]\s+which trusts in the inputs would accept a\s/);
  });
});

describe('fedlint simulate: every input format', () => {
  it('aws-policy: a bare trust policy (GitLab.com)', async () => {
    const token = { iss: 'https://gitlab.com', aud: 'https://gitlab.com', sub: 'project_path:acme/infra:ref_type:branch:ref:main', project_id: '4815162342' };
    const { report } = await json([...claims(token), 'fixtures/demo/gitlab-infra-trust.json']);
    expect(resources(report.admitted)).toEqual(['fixtures/demo/gitlab-infra-trust.json']);
    expect(find(report.admitted, 'fixtures/demo/gitlab-infra-trust.json').satisfied.map((l) => l.name)).toContain('gitlab.com:project_id');
    // A squatter on the same path has another project id.
    const { report: squat } = await json([...claims({ ...token, project_id: '999' }), 'fixtures/demo/gitlab-infra-trust.json']);
    expect(find(squat.rejected, 'fixtures/demo/gitlab-infra-trust.json').failed).toMatchObject({ name: 'gitlab.com:project_id', reason: 'the token\'s project_id is "999"' });
  });

  it('aws-get-role: the main branch is admitted, a tag is not', async () => {
    const token = { iss: GITHUB, aud: 'sts.amazonaws.com', sub: 'repo:acme/payments:ref:refs/heads/main' };
    const { report } = await json([...claims(token), 'fixtures/demo/payments-deploy-prod.json']);
    expect(resources(report.admitted)).toEqual(['arn:aws:iam::111122223333:role/payments-deploy-prod']);
    const { report: tag } = await json([...claims({ ...token, sub: 'repo:acme/payments:ref:refs/tags/v1' }), 'fixtures/demo/payments-deploy-prod.json']);
    expect(tag.rejected[0]!.failed!.name).toBe('token.actions.githubusercontent.com:sub');
  });

  it('aws-list-roles: the production environment token reaches the production role only', async () => {
    const token = { iss: GITHUB, aud: 'sts.amazonaws.com', sub: 'repo:acme/web:environment:production' };
    const { report } = await json([...claims(token), 'fixtures/demo/list-roles.json']);
    expect(resources(report.admitted)).toEqual(['arn:aws:iam::111122223333:role/prod/web-deploy', 'arn:aws:iam::111122223333:role/dev/web-preview', 'arn:aws:iam::111122223333:role/data-export']);
  });

  it('aws-list-roles: ForAllValues admits a token without sub or aud, and says why', async () => {
    const { report } = await json(['--claim', `iss=${GITHUB}`, 'fixtures/demo/list-roles.json']);
    const legacy = find(report.admitted, 'arn:aws:iam::111122223333:role/legacy-ci');
    expect(legacy.satisfied.find((l) => l.name === 'token.actions.githubusercontent.com:sub')!.reason).toBe('the token has no sub, and ForAllValues holds when the key is absent');
    expect(resources(report.admitted)).toEqual(['arn:aws:iam::111122223333:role/legacy-ci']);
  });

  it("terraform-plan (AWS): the OIDC provider's client_id_list is a limit too", async () => {
    const { report } = await json(['--token', FEATURE, 'fixtures/demo/aws-plan.json']);
    const deploy = find(report.admitted, 'aws_iam_role.deploy');
    expect(deploy.satisfied.map((l) => l.name)).toEqual(['issuer', 'action', 'token.actions.githubusercontent.com:aud', 'OIDC provider client_id_list']);
    expect(deploy.notes).toEqual([]);
  });

  it('terraform-plan (GCP): the provider, and the service accounts its members reach', async () => {
    const { report } = await json(['--token', 'fixtures/simulate/github-main-gcp.json', 'fixtures/demo/gcp-plan.json']);
    expect(resources(report.admitted)).toEqual(['google_iam_workload_identity_pool_provider.github', 'google_service_account.deployer["dev"]', 'google_service_account.deployer["prod"]']);
    const prod = find(report.admitted, 'google_service_account.deployer["prod"]');
    expect(prod.via).toMatchObject({ name: 'google_iam_workload_identity_pool_provider.github', file: 'fixtures/demo/gcp-plan.json' });
    expect(prod.satisfied.map((l) => l.name)).toEqual(['issuer', 'audience', 'google.subject', 'attribute_condition', 'member']);
    // Another repository of the organization fails the attribute_condition.
    const other = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/simulate/github-main-gcp.json'), 'utf8')) as Record<string, string>;
    const { report: rejected } = await json([...claims({ ...other, repository_id: '1', sub: 'repo:octo-org/other:ref:refs/heads/main' }), 'fixtures/demo/gcp-plan.json']);
    expect(rejected.admitted).toEqual([]);
    expect(find(rejected.rejected, 'google_iam_workload_identity_pool_provider.github').failed).toMatchObject({ name: 'attribute_condition', reason: 'the condition is false for this token' });
  });

  it('terraform-plan (Azure): a flexible credential admits a pull-request token of the organization', async () => {
    const { report } = await json(['--token', 'fixtures/simulate/github-pull-request-azure.json', 'fixtures/demo/azure-plan.json']);
    const credential = find(report.admitted, 'azuread_application_flexible_federated_identity_credential.github');
    expect(credential.satisfied.map((l) => `${l.name}: ${l.test}`)).toEqual([
      'issuer: issuer "https://token.actions.githubusercontent.com"',
      'audience: audience "api://AzureADTokenExchange"',
      'claims[\'sub\']: matches "repo:contoso/*"',
    ]);
  });

  it('Terraform source (.tf): a policy document built from variables and an OIDC provider resource', async () => {
    const token = { iss: GITHUB, aud: 'sts.amazonaws.com', sub: 'repo:acme/ledger:ref:refs/heads/main' };
    const { report, code } = await json([...claims(token), `${INPUTS}/tf-github`]);
    expect(code).toBe(0);
    const release = find(report.admitted, 'aws_iam_role.release');
    expect(release.file).toBe(`${INPUTS}/tf-github/main.tf`);
    expect(release.satisfied.find((l) => l.name === 'OIDC provider client_id_list')).toMatchObject({ file: `${INPUTS}/tf-github/main.tf`, line: 3 });
    const { report: other } = await json([...claims({ ...token, sub: 'repo:acme/web:ref:refs/heads/main' }), `${INPUTS}/tf-github`]);
    expect(resources(other.rejected)).toEqual(['aws_iam_role.release']);
  });

  it('gcp-provider and gcp-iam-policy: members joined through their pool, by subject, attribute and the whole pool', async () => {
    const audience = '//iam.googleapis.com/projects/555566667777/locations/global/workloadIdentityPools/sim-pool/providers/github';
    const token = { iss: GITHUB, aud: audience, sub: 'repo:octo-org/docs:ref:refs/heads/main', repository: 'octo-org/docs', repository_owner_id: '1342004', ref: 'refs/heads/main' };
    const { report } = await json(['--explain', ...claims(token), `${INPUTS}/gcp-providers.json`, `${INPUTS}/gcp-policy.json`]);
    const provider = 'projects/555566667777/locations/global/workloadIdentityPools/sim-pool/providers/github';
    expect(report.admitted.map((e) => `${e.resource} ${e.line}`)).toEqual([
      `${INPUTS}/gcp-policy.json 7`,
      `${INPUTS}/gcp-policy.json (roles/storage.objectViewer) 13`,
      `${provider} 2`,
    ]);
    expect(report.admitted[0]!.satisfied.at(-1)!.test).toBe(`roles/iam.workloadIdentityUser principalSet://iam.googleapis.com/projects/555566667777/locations/global/workloadIdentityPools/sim-pool/attribute.repository/octo-org/docs`);
    const failed = Object.fromEntries(report.rejected.map((e) => [`${e.resource} ${e.line}`, e.failed!.reason]));
    expect(failed).toEqual({
      [`${INPUTS}/gcp-policy.json 6`]: 'google.subject is "repo:octo-org/docs:ref:refs/heads/main" for this token',
      [`${INPUTS}/gcp-policy.json 8`]: 'the provider maps no attribute.environment, so the member never matches its tokens',
      ['projects/555566667777/locations/global/workloadIdentityPools/sim-pool/providers/gitlab 15']: 'the provider is inactive (disabled): it exchanges no tokens',
    });
  });

  it('gcp-provider: a token for another audience, or from another organization, is refused by the provider', async () => {
    const base = { iss: GITHUB, sub: 'repo:evil/x:ref:refs/heads/main', repository_owner_id: '666', ref: 'refs/heads/main' };
    const { report } = await json([...claims({ ...base, aud: 'sts.amazonaws.com' }), `${INPUTS}/gcp-providers.json`]);
    expect(report.rejected[0]!.failed).toMatchObject({ name: 'audience', reason: 'the token\'s aud is "sts.amazonaws.com"' });
    const audience = '//iam.googleapis.com/projects/555566667777/locations/global/workloadIdentityPools/sim-pool/providers/github';
    const { report: other } = await json([...claims({ ...base, aud: audience }), `${INPUTS}/gcp-providers.json`]);
    expect(other.rejected[0]!.failed).toMatchObject({ name: 'attribute_condition', test: "assertion.repository_owner_id == '1342004' && assertion.ref.startsWith('refs/heads/')" });
  });

  it('azure-fic: classic subjects are exact, flexible expressions are globs, an AKS issuer keeps its trailing slash', async () => {
    const { report } = await json(['--token', 'fixtures/simulate/github-pull-request-azure.json', `${INPUTS}/azure-credentials.json`]);
    expect(resources(report.admitted)).toEqual(['2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e/webapp-any']);
    expect(find(report.rejected, '2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e/webapp-production').failed).toMatchObject({ name: 'subject', test: 'subject "repo:contoso/webapp:environment:production"' });
    const aks = 'https://eastus.oic.prod-aks.azure.com/00001111-aaaa-2222-bbbb-3333cccc4444/5f6e7d8c-9b0a-4c1d-8e2f-3a4b5c6d7e8f/';
    const token = { iss: aks, aud: 'api://AzureADTokenExchange', sub: 'system:serviceaccount:webapp:api' };
    const { report: withSlash } = await json([...claims(token), `${INPUTS}/azure-credentials.json`]);
    expect(resources(withSlash.admitted)).toEqual(['2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e/aks-api']);
    const { report: withoutSlash } = await json([...claims({ ...token, iss: aks.slice(0, -1) }), `${INPUTS}/azure-credentials.json`]);
    expect(withoutSlash.admitted).toEqual([]);
    expect(find(withoutSlash.rejected, '2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e/aks-api').failed!.reason).toMatch(/by a trailing slash, which must match exactly$/);
  });

  it('--input-format reads every input as the kind named', async () => {
    const { report, code } = await json(['--input-format', 'aws-get-role', '--token', FEATURE, 'fixtures/demo/payments-deploy-prod.json']);
    expect(code).toBe(0);
    expect(resources(report.admitted)).toEqual(['arn:aws:iam::111122223333:role/payments-deploy-prod']);
    const wrong = await json(['--input-format', 'aws-get-role', '--token', FEATURE, 'fixtures/demo/gitlab-infra-trust.json']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^fixtures\/demo\/gitlab-infra-trust\.json:1:1: does not have the shape of /);
  });
});

describe('fedlint simulate: rejected and unknown', () => {
  it('a Deny statement with two conditions refuses the tokens it covers, and only those', async () => {
    const policy = `${INPUTS}/aws-deny.json`;
    const feature = await json(['--token', FEATURE, policy]);
    expect(feature.report.rejected[0]!.failed).toMatchObject({
      name: 'Deny statement',
      test: 'token.actions.githubusercontent.com:repository_id and token.actions.githubusercontent.com:ref',
      line: 14,
      reason: 'the Deny statement applies to this token',
    });
    const main = JSON.parse(readFileSync(path.join(ROOT, FEATURE), 'utf8')) as Record<string, string>;
    const fromMain = await json([...claims({ ...main, ref: 'refs/heads/main', sub: 'repo:acme/payments:ref:refs/heads/main' }), policy]);
    expect(fromMain.report.admitted[0]!.satisfied.at(-1)).toMatchObject({ name: 'Deny statement', reason: 'the Deny does not apply: token.actions.githubusercontent.com:ref does not hold for this token' });
    const otherRepository = await json([...claims({ ...main, repository_id: '99', sub: 'repo:acme/web:ref:refs/heads/x' }), policy]);
    expect(resources(otherRepository.report.admitted)).toEqual([policy]);
  });

  it('a Deny with NotPrincipal refuses the principals it does not list; a Deny on the request context leaves the answer unknown', async () => {
    const dir = tempDir();
    const allow = {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
    };
    const notPrincipal = { Effect: 'Deny', NotPrincipal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com' }, Action: 'sts:AssumeRoleWithWebIdentity' };
    const sourceIp = { Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } };
    writeFileSync(path.join(dir, 'not-principal.json'), JSON.stringify({ Version: '2012-10-17', Statement: [allow, notPrincipal] }, null, 2));
    writeFileSync(path.join(dir, 'source-ip.json'), JSON.stringify({ Version: '2012-10-17', Statement: [allow, sourceIp] }, null, 2));
    const { report } = await json(['--token', path.join(ROOT, FEATURE), '.'], dir);
    expect(find(report.rejected, 'not-principal.json').failed).toMatchObject({ name: 'Deny statement', test: 'without conditions', reason: 'the Deny statement applies to this token' });
    expect(find(report.unknown, 'source-ip.json').unknown).toEqual([
      expect.objectContaining({ name: 'Deny statement', test: 'aws:SourceIp', reason: 'aws:SourceIp is a property of the request, not of the token' }),
    ]);
  });

  it("an issuer matched by its provider ARN as registered: the EKS id's letter case", async () => {
    const iss = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    const token = { iss, aud: 'sts.amazonaws.com', sub: 'system:serviceaccount:payments:api' };
    const exact = await json([...claims(token), `${INPUTS}/eks-irsa.json`]);
    expect(resources(exact.report.admitted)).toEqual(['arn:aws:iam::111122223333:role/payments-api-irsa']);
    // A difference in letter case only is not documented either way: unknown, never admitted.
    const lower = await json([...claims({ ...token, iss: iss.toLowerCase() }), `${INPUTS}/eks-irsa.json`]);
    expect(lower.report.admitted).toEqual([]);
    const role = find(lower.report.unknown, 'arn:aws:iam::111122223333:role/payments-api-irsa');
    expect(role.unknown.map((l) => l.name)).toEqual(['issuer']);
    expect(role.unknown[0]!.reason).toMatch(/only in letter case; whether the cloud compares issuers case-sensitively is not documented$/);
    // A known limit that fails rejects the token whatever the unknown one holds.
    const wrongSub = await json([...claims({ ...token, iss: iss.toLowerCase(), sub: 'system:serviceaccount:default:x' }), `${INPUTS}/eks-irsa.json`]);
    expect(wrongSub.report.unknown).toEqual([]);
    expect(wrongSub.report.rejected[0]!.failed!.name).toBe('oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub');
  });

  it('a trust whose policy is not known (an unresolved variable in Terraform source) is unknown, and listed without --explain', async () => {
    const run = await fedlint(['simulate', '--token', FEATURE, `${INPUTS}/tf-unresolved`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`unknown   aws_iam_role.deploy  (aws-iam-role)\n  ${INPUTS}/tf-unresolved/main.tf:9:24\n  ? trust policy: assume_role_policy  (line 9): `);
    expect(run.stdout).toMatch(/\n1 trust evaluated: 0 admitted, 1 unknown, 0 rejected\.\n$/);
  });

  it('a GCP member known only after apply is unknown', async () => {
    const { report } = await json(['--token', 'fixtures/simulate/github-main-gcp.json', `${INPUTS}/plan-gcp-unknown-member.json`]);
    const member = report.unknown.find((e) => e.unknown.some((l) => l.name === 'member' && /known only after apply/.test(l.reason ?? '')));
    expect(member).toBeDefined();
    expect(report.admitted.map((e) => e.target.kind)).not.toContain('gcp-service-account');
  });

  it('a token with several audiences: how AWS compares them is not documented, so the answer is unknown', async () => {
    const token = { iss: GITHUB, aud: ['sts.amazonaws.com', 'https://github.com/acme'], sub: 'repo:acme/payments:ref:refs/heads/main' };
    const { report } = await json([...claims(token), 'fixtures/demo/payments-deploy-prod.json']);
    const role = find(report.unknown, 'arn:aws:iam::111122223333:role/payments-deploy-prod');
    expect(role.unknown[0]).toMatchObject({ name: 'token.actions.githubusercontent.com:aud', reason: "the token's aud holds 2 values, and how the cloud compares a multi-valued aud is not documented" });
  });

  it('a condition on a claim AWS does not document as a key for the issuer: unknown when the answer depends on it', async () => {
    const dir = tempDir();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:repository_owner': 'acme' } },
        },
      ],
    };
    writeFileSync(path.join(dir, 'owner-trust.json'), JSON.stringify(policy, null, 2));
    const { report } = await json(['--token', path.join(ROOT, FEATURE), 'owner-trust.json'], dir);
    expect(report.unknown[0]!.unknown[0]).toMatchObject({ name: 'token.actions.githubusercontent.com:repository_owner', reason: expect.stringMatching(/^AWS documents no condition key repository_owner for this issuer/) });
  });
});

describe('fedlint simulate: the token', () => {
  it('--claim builds the same token as a file', async () => {
    const token = JSON.parse(readFileSync(path.join(ROOT, FEATURE), 'utf8')) as Record<string, string>;
    const [fromFile, fromClaims] = await Promise.all([fedlint(['simulate', '--token', FEATURE, 'fixtures/demo']), fedlint(['simulate', ...claims(token), 'fixtures/demo'])]);
    expect(fromClaims.code).toBe(0);
    expect(fromClaims.stdout).toBe(fromFile.stdout);
  });

  it('--claim with --token replaces the claims it names', async () => {
    const { report } = await json(['--token', FEATURE, '--claim', 'sub=repo:acme/web:environment:production', 'fixtures/demo/list-roles.json']);
    expect(resources(report.admitted)).toContain('arn:aws:iam::111122223333:role/prod/web-deploy');
  });

  it('reads the payload of a JWT (the signature is not checked)', async () => {
    const dir = tempDir();
    const payload = Buffer.from(readFileSync(path.join(ROOT, FEATURE), 'utf8')).toString('base64url');
    writeFileSync(path.join(dir, 'token.jwt'), `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${payload}.c2lnbmF0dXJl\n`);
    const [jwt, file] = await Promise.all([json(['--token', path.join(dir, 'token.jwt'), 'fixtures/demo']), json(['--token', FEATURE, 'fixtures/demo'])]);
    expect(jwt.code).toBe(0);
    expect(jwt.report).toEqual(file.report);
  });
});

describe('fedlint simulate: errors and exit codes', () => {
  const cases: Array<{ name: string; args: (dir: string) => string[]; message: RegExp }> = [
    { name: 'no token at all', args: () => ['fixtures/demo'], message: /^fedlint simulate: give the token with --token FILE or --claim key=value \(see fedlint simulate --help\)\n$/ },
    { name: 'a token file that does not exist', args: () => ['--token', 'no-such-token.json', 'fixtures/demo'], message: /^no-such-token\.json:1:1: file not found\n$/ },
    { name: 'a token file that is not JSON', args: (dir) => ['--token', path.join(dir, 'broken-token.json'), 'fixtures/demo'], message: /broken-token\.json:3:1: invalid JSON: value expected\n$/ },
    { name: 'a token that is not an object', args: (dir) => ['--token', path.join(dir, 'list-token.json'), 'fixtures/demo'], message: /list-token\.json:1:1: a token must be a JSON object of claims \(iss, sub, aud, …\), not an array\n$/ },
    { name: 'a --claim without =', args: () => ['--claim', 'sub', 'fixtures/demo'], message: /^fedlint: --claim "sub": expected key=value \(a claim name, =, then its value\)\n$/ },
    { name: 'a --claim without a name', args: () => ['--claim', '=x', 'fixtures/demo'], message: /^fedlint: --claim "=x": expected key=value/ },
    { name: 'an unknown format', args: () => ['--claim', 'iss=x', '--format', 'sarif', 'fixtures/demo'], message: /^error: option '-f, --format <format>' argument 'sarif' is invalid\. Allowed choices are text, json\.\n$/ },
    { name: 'a --var-file that does not exist', args: () => ['--claim', 'iss=x', '--var-file', 'nope.tfvars', 'fixtures/demo'], message: /^fedlint: --var-file nope\.tfvars: no such file\n$/ },
  ];
  for (const c of cases) {
    it(`${c.name}: one line on stderr, nothing on stdout, exit 2`, async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'broken-token.json'), '{\n  "iss":\n}\n');
      writeFileSync(path.join(dir, 'list-token.json'), '["iss"]\n');
      const run = await fedlint(['simulate', ...c.args(dir)]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(c.message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('an input that cannot be parsed is reported as file:line:col (exit 2), and the other inputs are still evaluated', async () => {
    const dir = tempDir();
    copyFileSync(path.join(ROOT, 'fixtures/demo/payments-deploy-prod.json'), path.join(dir, 'payments-deploy-prod.json'));
    writeFileSync(path.join(dir, 'broken.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [\n');
    const text = await fedlint(['simulate', '--token', path.join(ROOT, FEATURE), '.'], dir);
    expect(text.code).toBe(2);
    expect(text.stderr).toBe("broken.json:4:1: invalid JSON: ']' expected\n");
    expect(text.stdout).toContain('admitted  arn:aws:iam::111122223333:role/payments-deploy-prod');
    const { code, report, stderr } = await json(['--token', path.join(ROOT, FEATURE), '.'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe("broken.json:4:1: invalid JSON: ']' expected\n");
    expect(report.errors).toEqual([{ file: 'broken.json', line: 4, column: 1, message: "invalid JSON: ']' expected" }]);
    expect(resources(report.admitted)).toEqual(['arn:aws:iam::111122223333:role/payments-deploy-prod']);
  });

  it('a named file that is not an input is an error; paths default to the working directory', async () => {
    const dir = tempDir();
    copyFileSync(path.join(ROOT, 'fixtures/demo/payments-deploy-prod.json'), path.join(dir, 'role.json'));
    writeFileSync(path.join(dir, 'notes.json'), '{"hello": "world"}\n');
    const named = await fedlint(['simulate', '--claim', `iss=${GITHUB}`, 'notes.json'], dir);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^notes\.json:1:1: not a recognised input: expected one of /);
    const walked = await json(['--token', path.join(ROOT, FEATURE)], dir);
    expect(walked.code).toBe(0);
    expect(resources(walked.report.admitted)).toEqual(['arn:aws:iam::111122223333:role/payments-deploy-prod']);
  });
});
