/**
 * Every vector of the shared conformance suites (../shared/conformance/subvectors) through `fedlint simulate`:
 * the vector's condition becomes a real input in the format its consumer reads, its claims become the token,
 * and the command's answer for that trust must be the vector's match / no-match (README of the suites: "The
 * matcher for the consumer must give the expected match/no-match, with no exceptions"). An 'unknown' answer
 * is a disagreement too.
 *
 * - aws-stringequals / aws-stringlike / aws-all: an IAM role trust policy (aws-policy) whose Federated
 *   principal is the vector's issuer (GitHub Actions or GitLab.com) and whose Condition block is the
 *   vector's, and nothing else; the token is the vector's claims with that issuer's iss.
 * - azure-fic-exact / azure-fic-flexible: a Graph federated identity credential (azure-fic) for the GitHub
 *   issuer with Entra's token-exchange audience and the vector's subject or claimsMatchingExpression; the
 *   token carries that issuer and audience, which the vectors leave out because they ask about the subject.
 * - gcp-cel: a gcloud provider export (gcp-provider) with the vector's attribute_condition and a GitHub
 *   mapping, plus an IAM policy (gcp-iam-policy) granting the whole pool, so that both the provider's verdict
 *   and the member's (joined through the pool) are checked; the token carries the provider's default audience.
 *
 * The command runs in process (src/cli/main.ts main()), reading the files it is given like any user's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

interface Leaf {
  consumer: string;
  claim?: string;
  pattern: string | string[];
}

interface Vector {
  id: string;
  issuer: string;
  subject: string;
  claims?: Record<string, string>;
  condition: Leaf | { consumer: 'aws-all'; of: Leaf[] };
  expect: 'match' | 'no-match';
}

const SUITES = ['github-aws.json', 'gitlab-aws.json', 'github-azure.json', 'github-azure-flexible.json', 'github-gcp.json'];
const EXPECTED_TOTAL = 78;
const ISSUERS: Record<string, string> = { github: 'https://token.actions.githubusercontent.com', gitlab: 'https://gitlab.com' };
const AZURE_AUDIENCE = 'api://AzureADTokenExchange';
const GCP_PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github';

const suites = SUITES.map((file) => ({
  file,
  vectors: (JSON.parse(readFileSync(new URL(`../../shared/conformance/subvectors/${file}`, import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors,
}));

/**
 * Vectors where `simulate` cannot agree, each with the reason. None today: a vector that comes to differ
 * must be listed here with why, and its actual answer is then asserted instead of the vector's.
 */
const DIFFERENT: Record<string, { reason: string; answer: 'admitted' | 'rejected' | 'unknown' }> = {};

/** The token of a vector: its claims (the subject alone when it has none), with what the trust's issuer needs. */
function claimsOf(v: Vector): Record<string, string> {
  return { ...(v.claims ?? { sub: v.subject }) };
}

function awsPolicy(v: Vector): unknown {
  const host = ISSUERS[v.issuer]!.slice('https://'.length);
  const leaves = v.condition.consumer === 'aws-all' ? (v.condition as { of: Leaf[] }).of : [v.condition as Leaf];
  const condition: Record<string, Record<string, string | string[]>> = {};
  for (const leaf of leaves) {
    const op = leaf.consumer === 'aws-stringlike' ? 'StringLike' : 'StringEquals';
    (condition[op] ??= {})[`${host}:${leaf.claim ?? 'sub'}`] = leaf.pattern;
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${host}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: condition,
      },
    ],
  };
}

function azureCredential(v: Vector): unknown {
  const leaf = v.condition as Leaf;
  const base = {
    '@odata.context': "https://graph.microsoft.com/beta/$metadata#applications('2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e')/federatedIdentityCredentials/$entity",
    audiences: [AZURE_AUDIENCE],
    id: '9e8d7c6b-5a49-4382-b1a0-9f8e7d6c5b4a',
    issuer: ISSUERS['github'],
    name: 'conformance',
  };
  return leaf.consumer === 'azure-fic-exact'
    ? { ...base, subject: leaf.pattern }
    : { ...base, subject: null, claimsMatchingExpression: { value: leaf.pattern, languageVersion: 1 } };
}

function gcpProvider(v: Vector): unknown {
  return {
    attributeCondition: (v.condition as Leaf).pattern,
    attributeMapping: {
      'attribute.repository': 'assertion.repository',
      'attribute.repository_id': 'assertion.repository_id',
      'attribute.repository_owner_id': 'assertion.repository_owner_id',
      'google.subject': 'assertion.sub',
    },
    disabled: false,
    displayName: 'GitHub Actions',
    name: GCP_PROVIDER,
    oidc: { issuerUri: ISSUERS['github'] },
    state: 'ACTIVE',
  };
}

const GCP_POLICY = {
  bindings: [
    {
      role: 'roles/iam.workloadIdentityUser',
      members: ['principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/*'],
    },
  ],
  etag: 'BwYconformance=',
  version: 1,
};

/** The input files and the token for a vector. */
function caseOf(v: Vector): { files: Record<string, unknown>; token: Record<string, unknown> } {
  const consumer = v.condition.consumer;
  if (consumer.startsWith('aws-')) {
    return { files: { 'role.json': awsPolicy(v) }, token: { iss: ISSUERS[v.issuer], ...claimsOf(v) } };
  }
  if (consumer.startsWith('azure-')) {
    return { files: { 'credential.json': azureCredential(v) }, token: { iss: ISSUERS['github'], aud: AZURE_AUDIENCE, ...claimsOf(v) } };
  }
  if (consumer === 'gcp-cel') {
    return {
      files: { 'provider.json': gcpProvider(v), 'policy.json': GCP_POLICY },
      token: { iss: ISSUERS['github'], aud: `https://iam.googleapis.com/${GCP_PROVIDER}`, ...claimsOf(v) },
    };
  }
  throw new Error(`${v.id}: no input format for consumer ${consumer}`);
}

interface Entry {
  resource: string;
  target: { kind: string; name: string };
  file: string;
}
interface Report {
  version: number;
  admitted: Entry[];
  rejected: Entry[];
  unknown: Entry[];
  errors: unknown[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function simulate(v: Vector): Promise<{ code: number; report: Report; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-conformance-simulate-'));
  dirs.push(dir);
  const { files, token } = caseOf(v);
  for (const [name, value] of Object.entries(files)) writeFileSync(path.join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  writeFileSync(path.join(dir, 'token.json'), JSON.stringify(token));
  let stdout = '';
  let stderr = '';
  const code = await main(['simulate', '--token', 'token.json', '--format', 'json', ...Object.keys(files)], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: {},
    isTTY: false,
  });
  return { code, report: JSON.parse(stdout) as Report, stderr };
}

/** The answers `simulate` gives for the vector's trust: one per trust the input holds. */
function answers(report: Report): Array<{ answer: string; kind: string }> {
  return (['admitted', 'rejected', 'unknown'] as const).flatMap((answer) => report[answer].map((e) => ({ answer, kind: e.target.kind })));
}

describe('conformance vectors through fedlint simulate', () => {
  it(`reads all ${EXPECTED_TOTAL} vectors of the ${SUITES.length} suites`, () => {
    expect(suites.flatMap((s) => s.vectors)).toHaveLength(EXPECTED_TOTAL);
  });

  it('lists differences only for vectors that exist', () => {
    const ids = new Set(suites.flatMap((s) => s.vectors.map((v) => v.id)));
    expect(Object.keys(DIFFERENT).filter((id) => !ids.has(id))).toEqual([]);
  });

  for (const { file, vectors } of suites) {
    describe(file, () => {
      for (const v of vectors) {
        const different = DIFFERENT[v.id];
        const want = different ? different.answer : v.expect === 'match' ? 'admitted' : 'rejected';
        it(`${v.id}: ${v.expect} → ${want}${different ? ` (differs: ${different.reason})` : ''}`, async () => {
          const { code, report, stderr } = await simulate(v);
          expect(stderr).toBe('');
          expect(code).toBe(0);
          expect(report.errors).toEqual([]);
          const got = answers(report);
          if (v.condition.consumer === 'gcp-cel') {
            // The provider's own verdict, and the pool-wide member's through it: both follow the condition.
            expect(got).toEqual(
              expect.arrayContaining([
                { answer: want, kind: 'gcp-workload-identity-provider' },
                { answer: want, kind: 'gcp-service-account' },
              ]),
            );
            expect(got).toHaveLength(2);
          } else {
            expect(got).toEqual([{ answer: want, kind: v.condition.consumer.startsWith('aws-') ? 'aws-iam-role' : 'azure-application' }]);
          }
        });
      }
    });
  }
});
