/**
 * `fedlint aws` against a mocked IAM API (aws-sdk-client-mock stubs the client's send): listing and
 * pagination, GetRole for every role, OIDC providers, bounded concurrency, failures on one role, failures
 * that end the scan, the client's retry settings, and the command end to end through main().
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  NoSuchEntityException,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createIamClient, DEFAULT_REGION, MAX_ATTEMPTS } from '../src/aws/client.js';
import { describeAwsError } from '../src/aws/errors.js';
import { providerFile, roleFile, safeSegment, toInputs } from '../src/aws/inputs.js';
import { FatalScanError, scanAccount } from '../src/aws/scan.js';
import { main } from '../src/cli/main.js';
import { validateSarifSchema } from './helpers/sarif-validate.js';

const ACCOUNT = '111122223333';
const GITHUB = 'token.actions.githubusercontent.com';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;

/** A GitHub Actions trust policy with these conditions, URL-encoded as GetRole returns it. */
function githubTrust(condition: Record<string, Record<string, string | string[]>>): string {
  const doc = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  };
  return encodeURIComponent(JSON.stringify(doc));
}

const PINNED = githubTrust({ StringEquals: { [`${GITHUB}:sub`]: 'repo:acme/app:environment:production' } });
const NO_SUBJECT = githubTrust({ StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com' } });
const WILDCARD = githubTrust({ StringEquals: { [`${GITHUB}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GITHUB}:sub`]: 'repo:*' } });

interface FakeRole {
  name: string;
  path?: string;
  trust: string;
  maxSessionDuration?: number;
  tags?: Record<string, string>;
}

function arnOf(r: FakeRole): string {
  return `arn:aws:iam::${ACCOUNT}:role${r.path ?? '/'}${r.name}`;
}

/** What GetRole returns for a fake role (ListRoles returns the same without tags). */
function roleOf(r: FakeRole, withTags: boolean): Role {
  const role: Role = {
    Path: r.path ?? '/',
    RoleName: r.name,
    RoleId: `AROA${r.name.toUpperCase().replace(/[^A-Z]/g, '').padEnd(12, 'X')}`,
    Arn: arnOf(r),
    CreateDate: new Date('2026-01-02T03:04:05Z'),
    AssumeRolePolicyDocument: r.trust,
    MaxSessionDuration: r.maxSessionDuration ?? 3600,
  };
  if (withTags && r.tags) role.Tags = Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value }));
  return role;
}

function serviceError(name: string, message: string, status = 403): IAMServiceException {
  return new IAMServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: status } });
}

const iam = mockClient(IAMClient);

/** Every directory a test makes sits in one, removed at the end. */
const TMP = mkdtempSync(path.join(tmpdir(), 'fedlint-aws-scan-'));
const tempDir = () => mkdtempSync(path.join(TMP, 'd-'));

/**
 * Serve these roles from the mock: ListRoles in pages of `pageSize` (following Marker), GetRole by name
 * (or the error `getRoleError` gives for it), and one GitHub OIDC provider.
 */
function serve(roles: FakeRole[], options: { pageSize?: number; getRoleError?: (name: string) => Error | undefined; delayMs?: number } = {}): void {
  const pageSize = options.pageSize ?? 1000;
  iam.on(ListRolesCommand).callsFake((input: { Marker?: string; PathPrefix?: string }) => {
    const matching = roles.filter((r) => (r.path ?? '/').startsWith(input.PathPrefix ?? '/'));
    const start = input.Marker ? Number(input.Marker) : 0;
    const page = matching.slice(start, start + pageSize).map((r) => roleOf(r, false));
    const more = start + pageSize < matching.length;
    return { Roles: page, IsTruncated: more, ...(more ? { Marker: String(start + pageSize) } : {}) };
  });
  iam.on(GetRoleCommand).callsFake(async (input: { RoleName: string }) => {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const error = options.getRoleError?.(input.RoleName);
    if (error) throw error;
    const role = roles.find((r) => r.name === input.RoleName);
    if (!role) throw new NoSuchEntityException({ message: `Role ${input.RoleName} not found`, $metadata: {} });
    return { Role: roleOf(role, true) };
  });
  iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: GITHUB, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [] });
}

// As `fedlint aws` does: no warning about the SDK's future Node version in the test output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
// With no region configured the SDK asks the EC2 instance metadata service (169.254.169.254) for one: never
// from these tests. (Calls themselves never leave the process: the mock answers them.)
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
const client = new IAMClient({ region: 'us-east-1' });

beforeEach(() => {
  iam.reset();
});

afterAll(() => {
  iam.restore();
  rmSync(TMP, { recursive: true, force: true });
});

describe('scanAccount', () => {
  it('follows ListRoles pages, reads every role with GetRole and decodes its trust policy', async () => {
    const roles: FakeRole[] = Array.from({ length: 7 }, (_, i) => ({ name: `role-${i}`, trust: PINNED, tags: { Environment: i % 2 ? 'prod' : 'dev' } }));
    serve(roles, { pageSize: 3 });
    const result = await scanAccount(client, { concurrency: 4 });
    expect(iam.commandCalls(ListRolesCommand)).toHaveLength(3);
    expect(iam.commandCalls(GetRoleCommand)).toHaveLength(7);
    expect(result.failures).toEqual([]);
    expect(result.roles.map((r) => r.name)).toEqual(roles.map((r) => r.name));
    const first = result.roles[0]!.role;
    expect(first['AssumeRolePolicyDocument']).toEqual(JSON.parse(decodeURIComponent(PINNED)));
    expect(first['Tags']).toEqual([{ Key: 'Environment', Value: 'dev' }]);
    expect(first['MaxSessionDuration']).toBe(3600);
    expect(first['CreateDate']).toBe('2026-01-02T03:04:05.000Z');
    expect(result.providers).toEqual([{ arn: PROVIDER_ARN, url: GITHUB, clientIds: ['sts.amazonaws.com'] }]);
  });

  it('passes --path-prefix to ListRoles and matches --role-name globs in any letter case', async () => {
    serve([
      { name: 'Deploy-Prod', path: '/ci/', trust: PINNED },
      { name: 'deploy-dev', path: '/ci/', trust: PINNED },
      { name: 'build', path: '/ci/', trust: PINNED },
      { name: 'deploy-other', path: '/apps/', trust: PINNED },
    ]);
    const result = await scanAccount(client, { concurrency: 2, pathPrefix: '/ci/', roleNames: ['deploy-*'] });
    expect(iam.commandCalls(ListRolesCommand)[0]!.args[0].input).toMatchObject({ PathPrefix: '/ci/' });
    expect(result.roles.map((r) => r.name).sort()).toEqual(['Deploy-Prod', 'deploy-dev']);
    // Roles that the filter drops are never read.
    expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName).sort()).toEqual(['Deploy-Prod', 'deploy-dev']);
  });

  it('keeps at most --concurrency calls in flight', async () => {
    serve(Array.from({ length: 30 }, (_, i) => ({ name: `r${i}`, trust: PINNED })));
    let inFlight = 0;
    let peak = 0;
    const roles = new Map(Array.from({ length: 30 }, (_, i) => [`r${i}`, roleOf({ name: `r${i}`, trust: PINNED }, true)]));
    iam.on(GetRoleCommand).callsFake(async (input: { RoleName: string }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { Role: roles.get(input.RoleName) };
    });
    const result = await scanAccount(client, { concurrency: 3 });
    expect(result.roles).toHaveLength(30);
    expect(peak).toBe(3);
  });

  it('records AccessDenied on one role, reads the others, and counts it in the progress', async () => {
    serve(
      [
        { name: 'a', trust: PINNED },
        { name: 'secret', trust: PINNED },
        { name: 'z', trust: PINNED },
      ],
      { getRoleError: (n) => (n === 'secret' ? serviceError('AccessDenied', 'User: arn:aws:iam::111122223333:user/ci is not authorized to perform: iam:GetRole') : undefined) },
    );
    const progress: string[] = [];
    const result = await scanAccount(client, { concurrency: 2, onProgress: (p) => progress.push(`${p.read}/${p.total}`) });
    expect(result.roles.map((r) => r.name)).toEqual(['a', 'z']);
    expect(result.failures).toEqual([
      {
        kind: 'role',
        arn: `arn:aws:iam::${ACCOUNT}:role/secret`,
        message: `cannot read role arn:aws:iam::${ACCOUNT}:role/secret: AccessDenied: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: iam:GetRole`,
      },
    ]);
    expect(progress).toEqual(['0/3', '1/3', '2/3', '3/3']);
  });

  it('skips a role deleted between ListRoles and GetRole', async () => {
    serve([{ name: 'a', trust: PINNED }], { getRoleError: () => new NoSuchEntityException({ message: 'Role a not found', $metadata: {} }) });
    const result = await scanAccount(client, { concurrency: 2 });
    expect(result.roles).toEqual([]);
    expect(result.failures).toEqual([]);
  });

  it('records a provider list it may not read, and still reads the roles', async () => {
    serve([{ name: 'a', trust: PINNED }]);
    iam.on(ListOpenIDConnectProvidersCommand).rejects(serviceError('AccessDenied', 'not authorized to perform: iam:ListOpenIDConnectProviders'));
    const result = await scanAccount(client, { concurrency: 2 });
    expect(result.roles).toHaveLength(1);
    expect(result.providers).toEqual([]);
    expect(result.failures).toEqual([{ kind: 'oidc-provider-list', message: 'cannot list OIDC providers: AccessDenied: not authorized to perform: iam:ListOpenIDConnectProviders' }]);
  });

  it('ends the scan when ListRoles fails, or when the credentials stop working', async () => {
    serve([{ name: 'a', trust: PINNED }]);
    iam.on(ListRolesCommand).rejects(serviceError('AccessDenied', 'not authorized to perform: iam:ListRoles'));
    await expect(scanAccount(client, { concurrency: 2 })).rejects.toThrow(new FatalScanError('cannot list IAM roles: AccessDenied: not authorized to perform: iam:ListRoles'));

    iam.reset();
    const roles = Array.from({ length: 20 }, (_, i) => ({ name: `r${String(i).padStart(2, '0')}`, trust: PINNED }));
    serve(roles, { getRoleError: (n) => (n === 'r03' ? serviceError('ExpiredToken', 'The security token included in the request is expired') : undefined) });
    const scan = scanAccount(client, { concurrency: 1 });
    await expect(scan).rejects.toBeInstanceOf(FatalScanError);
    await expect(scan).rejects.toThrow('AWS rejected the credentials: ExpiredToken: The security token included in the request is expired');
    // With one call in flight, nothing is read after the failure.
    expect(iam.commandCalls(GetRoleCommand)).toHaveLength(4);
  });
});

describe('describeAwsError', () => {
  it('says what went wrong in one line and which failures end the scan', () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(describeAwsError(noCredentials)).toMatchObject({ fatal: true, message: expect.stringMatching(/^no usable AWS credentials \(Could not load credentials from any providers\); /) });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(describeAwsError(refused)).toEqual({ fatal: true, message: 'cannot reach the IAM API: connect ECONNREFUSED 127.0.0.1:9' });
    expect(describeAwsError(serviceError('InvalidClientTokenId', 'The security token\nincluded in the request is invalid.'))).toEqual({
      fatal: true,
      message: 'AWS rejected the credentials: InvalidClientTokenId: The security token included in the request is invalid.',
    });
    expect(describeAwsError(serviceError('Throttling', 'Rate exceeded', 400))).toEqual({ fatal: false, message: 'Throttling: Rate exceeded' });
    expect(describeAwsError(new Error('plain'))).toEqual({ fatal: false, message: 'plain' });
  });
});

describe('createIamClient', () => {
  it('uses adaptive retry, the given endpoint and region, and us-east-1 when nothing names a region', async () => {
    const saved = { ...process.env };
    try {
      for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[k];
      const dir = tempDir();
      process.env['AWS_CONFIG_FILE'] = path.join(dir, 'config');
      process.env['AWS_SHARED_CREDENTIALS_FILE'] = path.join(dir, 'credentials');
      const fallback = await createIamClient({});
      expect(await fallback.config.region()).toBe(DEFAULT_REGION);
      expect(await fallback.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
      expect(await fallback.config.maxAttempts()).toBe(MAX_ATTEMPTS);
      const given = await createIamClient({ region: 'cn-north-1', endpointUrl: 'http://127.0.0.1:9/' });
      expect(await given.config.region()).toBe('cn-north-1');
      const endpoint = await given.config.endpoint!();
      expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:9');
      process.env['AWS_REGION'] = 'eu-west-1';
      expect(await (await createIamClient({})).config.region()).toBe('eu-west-1');
    } finally {
      process.env = saved;
    }
  });
});

describe('toInputs', () => {
  it('names files after the role ARN and keeps odd role paths inside the directory', () => {
    expect(roleFile({ arn: `arn:aws:iam::${ACCOUNT}:role/ci/prod/deploy`, name: 'deploy', path: '/ci/prod/' })).toBe(`${ACCOUNT}/role/ci/prod/deploy.json`);
    expect(roleFile({ arn: `arn:aws:iam::${ACCOUNT}:role/../x:y\\z/r`, name: 'r', path: '/../x:y\\z/' })).toBe(`${ACCOUNT}/role/%2E%2E/x%3Ay%5Cz/r.json`);
    expect(providerFile(PROVIDER_ARN)).toBe(`${ACCOUNT}/oidc-provider/${GITHUB}.json`);
    expect(safeSegment('.')).toBe('%2E');
    expect(safeSegment('...')).toBe('...');
    expect(safeSegment('é')).toBe('%C3%A9');
  });

  it("lowers roles through the get-role loader, with the provider's client-ID list as the accepted audiences", () => {
    const scanned = (name: string, trust: string) => ({
      arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      name,
      path: '/',
      role: { RoleName: name, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, Path: '/', AssumeRolePolicyDocument: JSON.parse(decodeURIComponent(trust)) },
    });
    const scan = { roles: [scanned('a', PINNED)], providers: [{ arn: PROVIDER_ARN, url: GITHUB, clientIds: ['sts.amazonaws.com'] }], failures: [] };
    const out = toInputs(scan, 'aws');
    expect(out.inputs[0]!.file).toBe(`aws/${ACCOUNT}/role/a.json`);
    expect(out.inputs[0]!.bindings[0]!.target).toMatchObject({ name: `arn:aws:iam::${ACCOUNT}:role/a`, account: ACCOUNT });
    expect(out.inputs[0]!.bindings[0]!.providerAudiences?.values).toEqual(['sts.amazonaws.com']);
    expect(JSON.parse(out.documents[0]!.text)).toEqual({ Role: scan.roles[0]!.role });
    const without = toInputs({ ...scan, providers: [] }, 'scan');
    expect(without.inputs[0]!.file).toBe(`scan/${ACCOUNT}/role/a.json`);
    expect(without.inputs[0]!.bindings[0]!.providerAudiences).toBeUndefined();
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function fedlintAws(args: string[], options: { cwd?: string; stderrIsTTY?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['aws', ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: options.cwd ?? tempDir(),
    env: {},
    isTTY: false,
    stderrIsTTY: options.stderrIsTTY ?? false,
  });
  return { code, stdout, stderr };
}

interface JsonReport {
  findings: Array<{ ruleId: string; level: string; file: string; line: number; resource: string; fingerprint: string }>;
  errors: Array<{ file: string; line: number; column: number; message: string }>;
}

describe('fedlint aws (mocked IAM)', () => {
  const ROLES: FakeRole[] = [
    { name: 'pinned', trust: PINNED },
    { name: 'no-subject', trust: NO_SUBJECT },
    { name: 'wildcard', path: '/ci/', trust: WILDCARD, maxSessionDuration: 43200 },
  ];

  it('reports findings per role, with the role ARN as resource, and exits 1', async () => {
    serve(ROLES);
    const r = await fedlintAws(['--format', 'json', '--region', 'us-east-1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    const byRole = (name: string) => report.findings.filter((f) => f.resource.endsWith(`:role/${name}`) || f.resource.endsWith(`/${name}`)).map((f) => f.ruleId);
    expect(byRole('pinned')).toEqual([]);
    expect(byRole('no-subject')).toContain('subject-missing');
    expect(byRole('wildcard')).toEqual(expect.arrayContaining(['subject-wildcard', 'session-ttl-excessive']));
    // The provider's client-ID list pins the audience: no audience-missing note for the role without an aud condition.
    expect(report.findings.map((f) => f.ruleId)).not.toContain('audience-missing');
    expect(report.findings.find((f) => f.ruleId === 'session-ttl-excessive')).toMatchObject({
      file: `aws/${ACCOUNT}/role/ci/wildcard.json`,
      resource: `arn:aws:iam::${ACCOUNT}:role/ci/wildcard`,
    });
  });

  it('reports a role it may not read as an input error, lints the rest, and exits 2', async () => {
    serve(ROLES, { getRoleError: (n) => (n === 'no-subject' ? serviceError('AccessDenied', 'not authorized to perform: iam:GetRole') : undefined) });
    const r = await fedlintAws(['--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `aws/${ACCOUNT}/role/no-subject.json:1:1: cannot read role arn:aws:iam::${ACCOUNT}:role/no-subject: AccessDenied: not authorized to perform: iam:GetRole\n`,
    );
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.errors).toHaveLength(1);
    expect(report.findings.map((f) => f.ruleId)).toContain('subject-wildcard');
  });

  it('says in one line that the scan could not run, and exits 2', async () => {
    serve(ROLES);
    iam.on(ListRolesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await fedlintAws([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^fedlint: no usable AWS credentials \(Could not load credentials from any providers\); [^\n]*\n$/);
  });

  it('draws a progress line on stderr only when stderr is a terminal', async () => {
    serve(ROLES);
    const tty = await fedlintAws(['--format', 'json'], { stderrIsTTY: true });
    expect(tty.stderr).toContain('fedlint aws: 0/3 roles read');
    expect(tty.stderr).toContain('fedlint aws: 3/3 roles read');
    // The line is erased before the report is written.
    expect(tty.stderr.endsWith('\r\x1b[K')).toBe(true);
    const quiet = await fedlintAws(['--format', 'json'], { stderrIsTTY: false });
    expect(quiet.stderr).toBe('');
  });

  it('--save writes get-role files that an offline lint reads to the same findings', async () => {
    serve(ROLES);
    const cwd = tempDir();
    const live = await fedlintAws(['--format', 'json', '--save', 'scan'], { cwd });
    expect(live.code).toBe(1);
    const files = readdirSync(path.join(cwd, 'scan'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort();
    expect(files.map((f) => f.split(path.sep).join('/'))).toEqual([`${ACCOUNT}/role/ci/wildcard.json`, `${ACCOUNT}/role/no-subject.json`, `${ACCOUNT}/role/pinned.json`]);
    const saved = JSON.parse(readFileSync(path.join(cwd, 'scan', ACCOUNT, 'role', 'ci', 'wildcard.json'), 'utf8'));
    expect(saved.Role).toMatchObject({ RoleName: 'wildcard', MaxSessionDuration: 43200, AssumeRolePolicyDocument: JSON.parse(decodeURIComponent(WILDCARD)) });
    let offline = '';
    const code = await main(['--format', 'json', 'scan'], { stdout: (t) => (offline += t), stderr: () => {}, cwd, env: {}, isTTY: false });
    expect(code).toBe(1);
    const shape = (text: string) => (JSON.parse(text) as JsonReport).findings.map((f) => [f.ruleId, f.level, f.file, f.line, f.resource, f.fingerprint].join(' '));
    // Same files, lines and fingerprints. The saved files hold roles only: offline, the OIDC provider's
    // client-ID list is not known, so a role without an aud condition gets the audience-missing note that
    // the live scan leaves out.
    const notes = shape(offline).filter((f) => f.startsWith('audience-missing note '));
    expect(notes).toEqual([expect.stringContaining(` scan/${ACCOUNT}/role/pinned.json `)]);
    expect(shape(live.stdout)).toEqual(shape(offline).filter((f) => !notes.includes(f)));
    expect(shape(live.stdout).every((f) => f.includes(' scan/'))).toBe(true);
  });

  it('writes valid SARIF with relative locations and the role ARN as logical location', async () => {
    serve(ROLES, { getRoleError: (n) => (n === 'pinned' ? serviceError('AccessDenied', 'denied') : undefined) });
    const r = await fedlintAws(['--format', 'sarif']);
    expect(r.code).toBe(2);
    const log = JSON.parse(r.stdout);
    expect(validateSarifSchema(log)).toEqual([]);
    const run = log.runs[0];
    expect(run.results.length).toBeGreaterThan(0);
    for (const result of run.results) {
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(new RegExp(`^aws/${ACCOUNT}/role/`));
      expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:role/`));
    }
    expect(run.invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation.uri).toBe(`aws/${ACCOUNT}/role/pinned.json`);
  });

  it('refuses bad options before calling AWS', async () => {
    serve(ROLES);
    for (const [args, message] of [
      [['--concurrency', '0'], /--concurrency <n>' argument '0' is invalid/],
      [['--path-prefix', 'ci/'], /^fedlint: --path-prefix ci\/: an IAM path starts with "\/"/],
      [['--endpoint-url', 'localhost:9'], /^fedlint: --endpoint-url localhost:9: expected an http:\/\/ or https:\/\/ URL/],
      [['--rule', 'no-such-rule'], /^fedlint: unknown rule id "no-such-rule"/],
    ] as const) {
      const r = await fedlintAws([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(iam.calls()).toHaveLength(0);
  });
});
