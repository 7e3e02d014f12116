/**
 * `fedlint aws` against a real IAM API on loopback: moto's server (`python3 -m moto.server`), started here
 * on a free port and stopped afterwards. Roles are created with the SDK, then scanned through the CLI's
 * main() with --endpoint-url and dummy credentials from the environment. Every AWS variable that could
 * send a request elsewhere is overridden for the whole file: AWS_ENDPOINT_URL points every SDK client (STS
 * for web identity included) at moto, and instance metadata is disabled.
 *
 * python3 with moto is a requirement of the suite (CI has it): without it these tests fail and say so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, type Tag } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ROOT } from './helpers/lint.js';
import { validateSarifSchema, validateSarifWithMultitool } from './helpers/sarif-validate.js';

const PYTHON = 'python3';
/** moto's default account. */
const ACCOUNT = '123456789012';
const GITHUB = 'token.actions.githubusercontent.com';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;
const BIN = path.join(ROOT, 'bin/fedlint.js');

/** Every directory the tests make (and moto's log) sits in one, removed at the end. */
const TMP = mkdtempSync(path.join(tmpdir(), 'fedlint-moto-'));
const tempDir = () => mkdtempSync(path.join(TMP, 'd-'));

/** A port nothing listens on at the moment (the kernel's choice for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Moto {
  url: string;
  child: ChildProcess;
}

async function startMoto(): Promise<Moto> {
  const check = spawnSync(PYTHON, ['-c', 'import moto, moto.server, flask; print(moto.__version__)'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    throw new Error(
      `The fedlint aws integration tests need ${PYTHON} with moto's server (pip install "moto[server]"), as CI has: ` +
        (check.error ? check.error.message : check.stderr.trim().split('\n').pop()),
    );
  }
  const port = await freePort();
  // The server logs every request: to a file, because a pipe that this process stops reading (while it
  // waits in spawnSync) would fill up and block the server.
  const log = path.join(TMP, 'moto.log');
  const fd = openSync(log, 'w');
  const child = spawn(PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const output = () => readFileSync(log, 'utf8');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto's server exited (${child.exitCode}) before answering:\n${output()}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`moto's server did not answer on ${url} within 30 s:\n${output()}`);
}

/** Forget every resource (between the suite's accounts and the 1,000-role measurement). */
async function resetMoto(moto: Moto): Promise<void> {
  const res = await fetch(`${moto.url}/moto-api/reset`, { method: 'POST' });
  expect(res.ok).toBe(true);
}

function githubTrust(condition: Record<string, Record<string, string>>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  });
}

const AUD = { [`${GITHUB}:aud`]: 'sts.amazonaws.com' };

/** The roles of the test account: each built to show one rule, or none. */
const ROLES: Array<{ name: string; path?: string; trust: string; maxSessionDuration?: number; tags?: Tag[] }> = [
  // No aud condition: the OIDC provider's client-ID list pins the audience.
  { name: 'gha-pinned', trust: githubTrust({ StringEquals: { [`${GITHUB}:sub`]: 'repo:acme/app:environment:production' } }) },
  { name: 'gha-no-subject', trust: githubTrust({ StringEquals: AUD }) },
  { name: 'gha-any-repo', trust: githubTrust({ StringEquals: AUD, StringLike: { [`${GITHUB}:sub`]: 'repo:*' } }) },
  {
    name: 'gha-long-session',
    path: '/ci/',
    trust: githubTrust({ StringEquals: { ...AUD, [`${GITHUB}:sub`]: 'repo:acme/app:ref:refs/heads/main' } }),
    maxSessionDuration: 43200,
  },
  // Its environment comes only from its tag, which ListRoles does not return: GetRole must have been read.
  {
    name: 'payments-deployer',
    path: '/deploy/',
    trust: githubTrust({ StringEquals: AUD, StringLike: { [`${GITHUB}:sub`]: 'repo:acme/payments:*' } }),
    tags: [{ Key: 'Environment', Value: 'production' }],
  },
  {
    name: 'lambda-exec',
    trust: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  },
];

async function seed(client: IAMClient): Promise<void> {
  await client.send(new CreateOpenIDConnectProviderCommand({ Url: `https://${GITHUB}`, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'] }));
  for (const r of ROLES) {
    await client.send(
      new CreateRoleCommand({
        RoleName: r.name,
        Path: r.path ?? '/',
        AssumeRolePolicyDocument: r.trust,
        ...(r.maxSessionDuration ? { MaxSessionDuration: r.maxSessionDuration } : {}),
        ...(r.tags ? { Tags: r.tags } : {}),
      }),
    );
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function fedlint(args: string[], cwd = tempDir()): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: process.env, isTTY: false, stderrIsTTY: false });
  return { code, stdout, stderr };
}

interface Finding {
  ruleId: string;
  level: string;
  message: string;
  file: string;
  line: number;
  resource: string;
}

function findingsOf(run: Run): Finding[] {
  return (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
}

function rulesOn(findings: Finding[], roleArn: string, level?: string): string[] {
  return [...new Set(findings.filter((f) => f.resource === roleArn && (!level || f.level === level)).map((f) => f.ruleId))].sort();
}

const arn = (name: string, rolePath = '/') => `arn:aws:iam::${ACCOUNT}:role${rolePath}${name}`;

let moto: Moto;
const savedEnv = { ...process.env };
const scratch = tempDir();

/** The environment the scans run with: dummy keys, moto for every endpoint, no files or metadata service to read. */
function useEnv(extra: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    ...extra,
  });
}

const KEYS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

beforeAll(async () => {
  moto = await startMoto();
  useEnv(KEYS);
  const client = new IAMClient({ endpoint: moto.url });
  await seed(client);
  client.destroy();
}, 60_000);

afterAll(() => {
  process.env = savedEnv;
  moto?.child.kill();
  rmSync(TMP, { recursive: true, force: true });
});

describe('fedlint aws against moto', () => {
  it('reports the rules each role was built to show, the role ARN as resource, and exits 1', async () => {
    useEnv(KEYS);
    const r = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const findings = findingsOf(r);
    expect(rulesOn(findings, arn('gha-pinned'))).toEqual([]);
    expect(rulesOn(findings, arn('gha-no-subject'))).toContain('subject-missing');
    expect(rulesOn(findings, arn('gha-any-repo'))).toContain('subject-wildcard');
    expect(rulesOn(findings, arn('gha-long-session', '/ci/'))).toEqual(['session-ttl-excessive']);
    expect(rulesOn(findings, arn('lambda-exec'))).toEqual([]);
    const prod = findings.find((f) => f.resource === arn('payments-deployer', '/deploy/') && f.ruleId === 'unreviewed-context');
    expect(prod?.message).toContain('tag Environment=production');
    // The provider's client-ID list pins the audience of roles without an aud condition.
    expect(findings.map((f) => f.ruleId)).not.toContain('audience-missing');
    for (const f of findings) expect(f.file).toMatch(new RegExp(`^aws/${ACCOUNT}/role/.+\\.json$`));
  });

  it('exits 0 for the pinned role alone (--role-name), and scans only a path with --path-prefix', async () => {
    useEnv(KEYS);
    const pinned = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json', '--role-name', 'GHA-PINNED']);
    expect(pinned.code).toBe(0);
    expect(findingsOf(pinned).filter((f) => f.level === 'error')).toEqual([]);
    const ci = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json', '--path-prefix', '/ci/']);
    expect(ci.code).toBe(0);
    expect(findingsOf(ci).map((f) => `${f.ruleId} ${f.resource}`)).toEqual([`session-ttl-excessive ${arn('gha-long-session', '/ci/')}`]);
  });

  it('--save writes the roles as get-role files and the findings point into them', async () => {
    useEnv(KEYS);
    const cwd = tempDir();
    const r = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json', '--save', 'snapshot'], cwd);
    expect(r.code).toBe(1);
    const ttl = findingsOf(r).find((f) => f.ruleId === 'session-ttl-excessive')!;
    expect(ttl.file).toBe(`snapshot/${ACCOUNT}/role/ci/gha-long-session.json`);
    const text = readFileSync(path.join(cwd, ttl.file), 'utf8');
    expect(text.split('\n')[ttl.line - 1]).toContain('"MaxSessionDuration": 43200');
    const saved = JSON.parse(readFileSync(path.join(cwd, 'snapshot', ACCOUNT, 'role', 'deploy', 'payments-deployer.json'), 'utf8'));
    expect(saved.Role.Tags).toEqual([{ Key: 'Environment', Value: 'production' }]);
    expect(saved.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(ROLES[4]!.trust));
  });

  it('writes SARIF that the schema and GitHub code scanning accept', async () => {
    useEnv(KEYS);
    const r = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(validateSarifSchema(log)).toEqual([]);
    for (const result of log.runs[0].results) {
      expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^arn:aws:iam::123456789012:role\//);
    }
    const verdict = await validateSarifWithMultitool(r.stdout);
    expect(verdict.errors).toEqual([]);
    expect(verdict.warnings).toEqual([]);
  }, 120_000);

  it('takes web identity credentials from the environment, as when fedlint itself runs in CI through OIDC', async () => {
    const token = path.join(scratch, 'web-identity-token');
    writeFileSync(token, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOmFjbWUvYXBwIn0.');
    useEnv({ AWS_ROLE_ARN: arn('gha-pinned'), AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_SESSION_NAME: 'fedlint-test' });
    const r = await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json', '--role-name', 'gha-no-subject']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(rulesOn(findingsOf(r), arn('gha-no-subject'))).toContain('subject-missing');
  });

  it('says in one line that there are no credentials, and exits 2', async () => {
    useEnv({});
    const r = await fedlint(['aws', '--endpoint-url', moto.url]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^fedlint: no usable AWS credentials \([^\n]*\n$/);
  });

  it('says in one line that the endpoint cannot be reached, and exits 2', async () => {
    useEnv(KEYS);
    const closed = await freePort();
    const r = await fedlint(['aws', '--endpoint-url', `http://127.0.0.1:${closed}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`fedlint: cannot reach the IAM API: connect ECONNREFUSED 127.0.0.1:${closed}\n`);
  });
});

describe('loading the SDK', () => {
  /** The files of dist/ that the built CLI loads for these arguments, read through a module hook. */
  function distFilesLoaded(args: string[]): string[] {
    const hooks = 'export async function load(url, context, next) { if (url.includes("/dist/")) process.stderr.write("fedlint-test-load " + url + "\\n"); return next(url, context); }';
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], { encoding: 'utf8', env: process.env });
    return r.stderr
      .split('\n')
      .filter((l) => l.startsWith('fedlint-test-load '))
      .map((l) => new URL(l.slice('fedlint-test-load '.length)).pathname);
  }
  const holdsSdk = (file: string) => readFileSync(file, 'utf8').includes('node_modules/@aws-sdk/client-iam/');

  it('happens for `fedlint aws` only, not for --version', () => {
    useEnv(KEYS);
    const version = distFilesLoaded(['--version']);
    expect(version.length).toBeGreaterThan(0);
    expect(version.filter(holdsSdk)).toEqual([]);
    const aws = distFilesLoaded(['aws', '--endpoint-url', moto.url, '--role-name', 'lambda-exec']);
    expect(aws.filter(holdsSdk).length).toBeGreaterThan(0);
  });
});

/**
 * A measurement, not a check: seeding and scanning 1,000 roles takes long enough to be kept out of the
 * suite's time budget. Run it with `FEDLINT_AWS_SCALE=1 npx vitest run test/aws-moto.test.ts -t '1,000'`.
 */
describe.skipIf(!process.env['FEDLINT_AWS_SCALE'])('scale (FEDLINT_AWS_SCALE=1)', () => {
  it('scans 1,000 roles with the default concurrency', async () => {
    await resetMoto(moto);
    useEnv(KEYS);
    const client = new IAMClient({ endpoint: moto.url });
    const trusts = ROLES.map((r) => r.trust);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, k) =>
          client.send(new CreateRoleCommand({ RoleName: `scale-${String(i + k).padStart(4, '0')}`, AssumeRolePolicyDocument: trusts[(i + k) % trusts.length]!, Tags: [{ Key: 'Environment', Value: 'dev' }] })),
        ),
      );
    }
    client.destroy();
    const seeded = performance.now() - t0;
    const timings: number[] = [];
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      const r = spawnSync(process.execPath, [BIN, 'aws', '--endpoint-url', moto.url, '--no-color'], { encoding: 'utf8', env: process.env, maxBuffer: 64 << 20 });
      timings.push(performance.now() - start);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/; 1000 files linted\)\n$/);
    }
    const inProcess = performance.now();
    await fedlint(['aws', '--endpoint-url', moto.url, '--format', 'json']);
    const mainMs = performance.now() - inProcess;
    console.log(
      `1,000 roles: seeded in ${(seeded / 1000).toFixed(1)} s; \`fedlint aws\` (default concurrency) ${timings.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}; main() in process ${(mainMs / 1000).toFixed(2)} s`,
    );
    await resetMoto(moto);
  }, 600_000);
});
