/**
 * GCP workload identity loaders: the shape matrix of gcloud / REST provider exports and IAM policies
 * (reference/gcp.md §3, §4, §5), Terraform plans (reference/terraform-plan.md §6.2), how members are joined
 * to the providers of their pool across inputs (src/loaders/gcp-trust.ts), and where every value is
 * located, asserted by line and column.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gcpIamPolicyLoader, gcpProviderLoader } from '../src/loaders/gcp-export.js';
import { assembleGcp, parseMember, type GcpFacts } from '../src/loaders/gcp-trust.js';
import { JSON_LOADERS, loadInput, type LoadedInput } from '../src/loaders/index.js';
import { PositionResolver } from '../src/loaders/positions.js';
import { terraformPlanLoader } from '../src/loaders/terraform-plan.js';
import type { Constraint, Location, TrustBinding } from '../src/model/types.js';
import { lintText } from './helpers/lint.js';

type Json = unknown;

const GH = 'https://token.actions.githubusercontent.com';
const POOL = 'projects/123456789012/locations/global/workloadIdentityPools/ci-pool';
const PROVIDER = `${POOL}/providers/github`;
const MAPPING = {
  'google.subject': 'assertion.sub',
  'attribute.repository': 'assertion.repository',
  'attribute.repository_id': 'assertion.repository_id',
  'attribute.repository_owner': 'assertion.repository_owner',
};

function provider(extra: Record<string, Json> = {}): Record<string, Json> {
  return {
    attributeCondition: "assertion.repository_id == '260064828'",
    attributeMapping: MAPPING,
    disabled: false,
    displayName: 'GitHub',
    name: PROVIDER,
    oidc: { issuerUri: GH },
    state: 'ACTIVE',
    ...extra,
  };
}

function iamPolicy(members: string[], role = 'roles/iam.workloadIdentityUser'): Json {
  return { bindings: [{ members, role }], etag: 'BwYf3Jx1qQk=', version: 1 };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** loadInput on a temporary file holding `value` as pretty JSON. */
async function loadFile(value: Json, name = 'input.json'): Promise<LoadedInput & { text: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlint-gcp-'));
  dirs.push(dir);
  const text = typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`;
  writeFileSync(path.join(dir, name), text);
  const input = await loadInput(path.join(dir, name), name, { explicit: true });
  return { ...input, text };
}

/** Load several inputs and join their GCP facts, as the CLI does. */
async function bindingsOf(...values: Json[]): Promise<{ bindings: TrustBinding[]; inputs: Array<LoadedInput & { text: string }> }> {
  const inputs = await Promise.all(values.map((v, i) => loadFile(v, `input-${i}.json`)));
  for (const input of inputs) expect(input.errors).toEqual([]);
  const { bindings } = assembleGcp(inputs.flatMap((i) => (i.gcp ? [i.gcp] : [])));
  return { bindings, inputs };
}

/** Line, column and the text at a location. */
function where(text: string, at: Location): { line: number; column: number; text: string } {
  const r = new PositionResolver(text).resolve(at);
  const lines = text.split('\n');
  const covered = r.startLine === r.endLine ? lines[r.startLine - 1]!.slice(r.startColumn - 1, r.endColumn - 1) : lines[r.startLine - 1]!.slice(r.startColumn - 1);
  return { line: r.startLine, column: r.startColumn, text: covered };
}

function meaning(c: Constraint): string {
  switch (c.kind) {
    case 'patterns':
      return `${c.negated ? 'not ' : ''}${c.syntax}(${c.values.join('|')})`;
    case 'presence':
      return c.present ? 'present' : 'absent';
    case 'unknown':
      return `unknown: ${c.reason}`;
    case 'cel':
      return 'cel';
  }
}

function claimsOf(b: TrustBinding, withAudience = false): Record<string, string[]> {
  return Object.fromEntries(Object.entries(b.claims).filter(([k]) => withAudience || k !== 'aud').map(([k, v]) => [k, v.map(meaning)]));
}

function host(b: TrustBinding): string {
  return b.issuer.kind === 'exact' ? b.issuer.host : `${b.issuer.kind}: ${b.issuer.kind === 'unknown' ? b.issuer.reason : b.issuer.written}`;
}

// ---------------------------------------------------------------------------------------------------------

describe('sniffing by content', () => {
  const kindOf = (value: Json): string | undefined => JSON_LOADERS.find((l) => l.sniff(value))?.kind;

  it.each([
    ['providers describe', provider(), 'gcp-provider'],
    ['providers list', [provider(), provider({ name: `${POOL}/providers/gitlab` })], 'gcp-provider'],
    ['REST list', { workloadIdentityPoolProviders: [provider()], nextPageToken: 'x' }, 'gcp-provider'],
    ['REST list, empty', { workloadIdentityPoolProviders: [] }, 'gcp-provider'],
    ['a provider without a name', { attributeCondition: 'true', oidc: { issuerUri: GH } }, 'gcp-provider'],
    ['get-iam-policy', iamPolicy(['user:a@example.com']), 'gcp-iam-policy'],
    ['get-iam-policy with no bindings', { bindings: [], etag: 'ACAB', version: 1 }, 'gcp-iam-policy'],
    ['an AWS trust policy', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }, 'aws-policy'],
    ['a Terraform plan', { format_version: '1.2', resource_changes: [] }, 'terraform-plan'],
  ])('%s → %s', (_, value, kind) => {
    expect(kindOf(value)).toBe(kind);
  });

  it.each([
    ['an empty array', []],
    ['an empty gcloud policy (etag only)', { etag: 'ACAB' }],
    ['a pool describe', { name: POOL, state: 'ACTIVE', displayName: 'CI' }],
    ['an Azure federated credential', { issuer: GH, subject: 'repo:o/r:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'], name: 'gh' }],
    ['bindings of the wrong shape', { bindings: [{ role: 1 }], etag: 'x' }],
  ])('%s is not a GCP export', (_, value) => {
    expect([gcpProviderLoader, gcpIamPolicyLoader].some((l) => l.sniff(value))).toBe(false);
  });
});

describe('gcp-provider: describe, list and the REST list', () => {
  it('describe: one binding per disjunct, with the provider as target and the default audience', async () => {
    const { bindings, inputs } = await bindingsOf(provider({ attributeCondition: "assertion.repository_id == '1' || assertion.repository_id == '2'" }));
    expect(inputs[0]!.kind).toBe('gcp-provider');
    expect(bindings).toHaveLength(2);
    const [b] = bindings;
    expect(b!.provider).toBe('gcp');
    expect(b!.mechanism).toBe('oidc');
    expect(host(b!)).toBe('token.actions.githubusercontent.com');
    expect(b!.target).toEqual({ kind: 'gcp-workload-identity-provider', name: PROVIDER, account: '123456789012', at: { file: 'input-0.json', path: [] } });
    expect(bindings.map((x) => claimsOf(x))).toEqual([{ repository_id: ['exact(1)'] }, { repository_id: ['exact(2)'] }]);
    expect(claimsOf(b!, true)['aud']).toEqual([`exact(//iam.googleapis.com/${PROVIDER}|https://iam.googleapis.com/${PROVIDER})`]);
    expect(b!.source).toBe('gcp-provider');
    expect(b!.member).toBeUndefined();
  });

  it('positions: tests point at the condition string, the issuer at issuerUri', async () => {
    const { bindings, inputs } = await bindingsOf(provider());
    const text = inputs[0]!.text;
    const b = bindings[0]!;
    expect(where(text, b.claims['repository_id']![0]!.at)).toEqual({ line: 2, column: 25, text: `"assertion.repository_id == '260064828'"` });
    expect(where(text, b.principalAt)).toEqual({ line: 2, column: 25, text: `"assertion.repository_id == '260064828'"` });
    expect(where(text, b.issuer.at)).toEqual({ line: 13, column: 18, text: `"${GH}"` });
  });

  it('list and REST list give the same bindings as describe, located by index', async () => {
    const two = [provider(), provider({ name: `${POOL}/providers/second`, attributeCondition: "assertion.sub == 'repo:o/r:ref:refs/heads/main'" })];
    const list = await bindingsOf(two);
    const rest = await bindingsOf({ workloadIdentityPoolProviders: two });
    const strip = (bs: TrustBinding[]) => bs.map((b) => [b.target.name, claimsOf(b, true)]);
    expect(strip(list.bindings)).toEqual(strip(rest.bindings));
    expect(list.bindings.map((b) => b.target.at.path)).toEqual([[0], [1]]);
    expect(rest.bindings.map((b) => b.target.at.path)).toEqual([['workloadIdentityPoolProviders', 0], ['workloadIdentityPoolProviders', 1]]);
    expect(where(rest.inputs[0]!.text, rest.bindings[1]!.principalAt)).toEqual({ line: 20, column: 29, text: `"assertion.sub == 'repo:o/r:ref:refs/heads/main'"` });
  });

  it('snake_case spellings of the Terraform schema are read like camelCase', async () => {
    const camel = await bindingsOf(provider({ oidc: { issuerUri: GH, allowedAudiences: ['https://github.com/octo-org'] } }));
    const snake = await bindingsOf({
      attribute_condition: "assertion.repository_id == '260064828'",
      attribute_mapping: MAPPING,
      name: PROVIDER,
      oidc: { issuer_uri: GH, allowed_audiences: ['https://github.com/octo-org'] },
    });
    expect(snake.bindings.map((b) => claimsOf(b, true))).toEqual(camel.bindings.map((b) => claimsOf(b, true)));
    expect(where(snake.inputs[0]!.text, snake.bindings[0]!.claims['aud']![0]!.at).text).toBe('[');
    const aud = snake.bindings[0]!.claims['aud']![0]!;
    expect(aud.kind === 'patterns' && where(snake.inputs[0]!.text, aud.valueAt[0]!)).toEqual({ line: 13, column: 7, text: '"https://github.com/octo-org"' });
  });

  it('missing fields: no mapping, no condition, no name, no issuer', async () => {
    const { bindings } = await bindingsOf([
      { oidc: { issuerUri: GH }, attributeMapping: {}, displayName: 'bare' },
      { name: PROVIDER, oidc: {}, attributeCondition: 'true' },
    ]);
    const [bare, noIssuer] = bindings;
    expect(bare!.target.name).toBe('bare');
    expect(bare!.target.account).toBeUndefined();
    expect(claimsOf(bare!)).toEqual({});
    // Without its resource name the default audience cannot be spelled, but it is still the provider's own.
    expect(claimsOf(bare!, true)['aud']![0]).toMatch(/^unknown: the default audience is the provider's resource name/);
    expect(bare!.principalAt).toEqual(bare!.issuer.at);
    expect(host(noIssuer!)).toBe('unknown: the oidc block has no issuerUri');
  });

  it('an empty condition is no condition', async () => {
    const { bindings } = await bindingsOf(provider({ attributeCondition: '  ' }));
    expect(claimsOf(bindings[0]!)).toEqual({});
    expect(bindings[0]!.principalAt).toEqual(bindings[0]!.issuer.at);
  });

  it('disabled and deleted providers admit nothing', async () => {
    const { bindings } = await bindingsOf([provider({ disabled: true }), provider({ name: `${POOL}/providers/old`, state: 'DELETED', expireTime: '2026-06-01T00:00:00Z' })]);
    expect(bindings).toEqual([]);
  });

  it('an http issuer is recorded as insecure', async () => {
    const { bindings } = await bindingsOf(provider({ oidc: { issuerUri: 'http://gitlab.example.com/' } }));
    expect(bindings[0]!.issuer).toMatchObject({ kind: 'exact', host: 'gitlab.example.com', insecure: true });
  });

  it('aws: the caller ARN under the default mapping; not judged as an OIDC issuer', async () => {
    const { bindings } = await bindingsOf({
      name: `${POOL}/providers/aws`,
      aws: { accountId: '111122223333' },
      attributeCondition: "attribute.aws_role == 'arn:aws:sts::111122223333:assumed-role/ci-deployer'",
    });
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.mechanism).toBe('aws-principal');
    expect(host(bindings[0]!)).toBe('aws-account/111122223333');
    expect(claimsOf(bindings[0]!)).toEqual({ arn: ['iam-glob(arn:aws:sts::111122223333:assumed-role/ci-deployer/*)'] });
  });

  it('saml: the entityID of the metadata is the issuer; x509: the trust store is no issuer fedlint can name', async () => {
    const xml = '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"></md:EntityDescriptor>';
    const { bindings } = await bindingsOf([
      { name: `${POOL}/providers/saml`, saml: { idpMetadataXml: xml }, attributeMapping: { 'google.subject': 'assertion.subject' } },
      { name: `${POOL}/providers/mtls`, x509: { trustStore: { trustAnchors: [{ pemCertificate: '-----BEGIN CERTIFICATE-----' }] } }, attributeMapping: { 'google.subject': 'assertion.subject.dn.cn' } },
    ]);
    expect(bindings.map((b) => [b.mechanism, host(b)])).toEqual([
      ['saml', 'idp.example.com/saml'],
      ['x509', 'unknown: an X.509 trust store admits any certificate that chains to its anchors'],
    ]);
  });

  it('a condition that is not CEL is a problem naming it; the other providers are still read', async () => {
    const input = await loadFile([provider({ attributeCondition: "assertion.sub = 'x'" }), provider({ name: `${POOL}/providers/ok` })]);
    expect(input.problems).toHaveLength(1);
    expect(input.problems[0]!.message).toBe(`attributeCondition of ${PROVIDER} is not valid CEL: '=' is not an operator; equality is '==' (at character 15 of the condition)`);
    expect(where(input.text, input.problems[0]!.at)).toEqual({ line: 3, column: 27, text: `"assertion.sub = 'x'"` });
    const { bindings } = assembleGcp([input.gcp!]);
    expect(bindings.map((b) => b.target.name)).toEqual([`${POOL}/providers/ok`]);
  });

  it('through the CLI path: exit-2 error at file:line:col, and the rest of the run is still linted', async () => {
    const result = await lintText(JSON.stringify(provider({ attributeCondition: 'assertion.sub ==' }), null, 2), JSON.stringify(provider({ attributeCondition: 'true' }), null, 2));
    expect(result.errors).toEqual([
      { file: 'input-0.json', line: 2, column: 25, message: `attributeCondition of ${PROVIDER} is not valid CEL: expected an expression, found end of expression (at character 17 of the condition)` },
    ]);
    expect(result.findings.map((f) => [f.ruleId, f.at.file, f.range.startLine, f.range.startColumn])).toEqual([['subject-missing', 'input-1.json', 2, 25]]);
  });

  it('never throws on odd shapes', () => {
    const odd: Json[] = [
      { name: PROVIDER, oidc: null, attributeMapping: [] },
      { name: PROVIDER, oidc: { issuerUri: 7, allowedAudiences: 'x' }, attributeCondition: 3 },
      { workloadIdentityPoolProviders: [null, 1, 'x', [], { oidc: {} }] },
      [provider(), null],
      { name: PROVIDER, aws: { accountId: null }, saml: 'x' },
    ];
    for (const v of odd) {
      const r = gcpProviderLoader.load(v, 'f.json', 'f.json');
      expect(() => assembleGcp([r.gcp!])).not.toThrow();
    }
    for (const v of [{ bindings: [null, { role: 'r', members: [1, null, {}] }] }, { bindings: 'x' }, { bindings: [{ role: 'r' }] }]) {
      const r = gcpIamPolicyLoader.load(v, 'f.json', 'f.json');
      expect(r.gcp!.members).toEqual([]);
    }
  });
});

describe('members', () => {
  const P = `//iam.googleapis.com/${POOL}`;
  it.each([
    [`principal:${P}/subject/repo:o/r:ref:refs/heads/main`, { scope: 'subject', pool: { id: 'ci-pool', projectNumber: '123456789012' }, value: 'repo:o/r:ref:refs/heads/main' }],
    [`principalSet:${P}/*`, { scope: 'pool', pool: { id: 'ci-pool', projectNumber: '123456789012' } }],
    [`principalSet:${P}/attribute.repository/octo-org/octo-repo`, { scope: 'attribute', pool: { id: 'ci-pool', projectNumber: '123456789012' }, attribute: 'repository', value: 'octo-org/octo-repo' }],
    [`principalSet:${P}/group/admins`, { scope: 'group', pool: { id: 'ci-pool', projectNumber: '123456789012' }, value: 'admins' }],
    [`principalSet:${P}/unknown-form/x`, { scope: 'other', pool: { id: 'ci-pool', projectNumber: '123456789012' } }],
    [
      'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/api',
      { scope: 'kubernetes', form: 'ksa', pool: { id: 'acme-prod.svc.id.goog', projectNumber: '123456789012' }, value: 'system:serviceaccount:payments:api' },
    ],
    [
      'principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/namespace/payments',
      { scope: 'kubernetes', form: 'namespace', pool: { id: 'acme-prod.svc.id.goog', projectNumber: '123456789012' }, value: 'payments' },
    ],
    [
      'principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/kubernetes.cluster/https://container.googleapis.com/v1/projects/acme-prod/locations/europe-west1/clusters/main',
      { scope: 'kubernetes', form: 'cluster', pool: { id: 'acme-prod.svc.id.goog', projectNumber: '123456789012' }, value: 'https://container.googleapis.com/v1/projects/acme-prod/locations/europe-west1/clusters/main' },
    ],
    [
      'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/kubernetes.serviceaccount.uid/4f3c2b1a',
      { scope: 'kubernetes', form: 'uid', pool: { id: 'acme-prod.svc.id.goog', projectNumber: '123456789012' }, value: '4f3c2b1a' },
    ],
    ['serviceAccount:acme-prod.svc.id.goog[payments/api]', { scope: 'kubernetes', form: 'ksa', pool: { id: 'acme-prod.svc.id.goog' }, value: 'system:serviceaccount:payments:api' }],
  ])('%s', (member, parsed) => {
    expect(parseMember(member)).toEqual(parsed);
  });

  it.each([
    'user:alice@example.com',
    'serviceAccount:deployer@acme.iam.gserviceaccount.com',
    'principalSet://iam.googleapis.com/locations/global/workforcePools/staff/group/admins',
    'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p',
    'allUsers',
  ])('%s is not a workload identity member', (member) => {
    expect(parseMember(member)).toBeUndefined();
  });
});

describe('joining members to the providers of their pool', () => {
  const member = (rest: string): string => `principalSet://iam.googleapis.com/${POOL}/${rest}`;

  it('one binding per provider of the pool, in another input, carrying only the member limit', async () => {
    const gitlab = provider({
      name: `${POOL}/providers/gitlab`,
      oidc: { issuerUri: 'https://gitlab.com' },
      attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.repository': 'assertion.project_path' },
      attributeCondition: "assertion.project_id == '42'",
    });
    const { bindings, inputs } = await bindingsOf([provider(), gitlab], iamPolicy([member('attribute.repository/octo-org/octo-repo')]));
    const members = bindings.filter((b) => b.member);
    expect(members.map((b) => [host(b), claimsOf(b)])).toEqual([
      ['token.actions.githubusercontent.com', { repository: ['exact(octo-org/octo-repo)'] }],
      ['gitlab.com', { project_path: ['exact(octo-org/octo-repo)'] }],
    ]);
    const b = members[0]!;
    expect(b.target).toEqual({ kind: 'gcp-service-account', name: 'input-1.json', at: { file: 'input-1.json', path: [] } });
    expect(b.actions).toEqual(['roles/iam.workloadidentityuser']);
    expect(b.member).toEqual({ value: member('attribute.repository/octo-org/octo-repo'), at: { file: 'input-1.json', path: ['bindings', 0, 'members', 0] }, scope: 'attribute', attribute: 'repository', providersPinned: true });
    expect(where(inputs[1]!.text, b.claims['repository']![0]!.at)).toEqual({ line: 5, column: 9, text: `"${member('attribute.repository/octo-org/octo-repo')}"` });
    // The provider's audience comes along, so audience rules judge the provider, not each member.
    expect(claimsOf(b, true)['aud']).toEqual([`exact(//iam.googleapis.com/${PROVIDER}|https://iam.googleapis.com/${PROVIDER})`]);
  });

  it('providersPinned only when every provider of the pool pins one unit', async () => {
    const open = provider({ name: `${POOL}/providers/owner`, attributeCondition: "assertion.repository_owner_id == '1342004'" });
    const pinned = await bindingsOf(provider(), iamPolicy([member('*')]));
    const mixed = await bindingsOf([provider(), open], iamPolicy([member('*')]));
    expect(pinned.bindings.filter((b) => b.member).map((b) => b.member!.providersPinned)).toEqual([true]);
    expect(mixed.bindings.filter((b) => b.member).map((b) => b.member!.providersPinned)).toEqual([undefined, undefined]);
  });

  it('another project number, or an unmapped attribute, does not join', async () => {
    const other = 'principalSet://iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/ci-pool/attribute.repository/o/r';
    const { bindings } = await bindingsOf(provider(), iamPolicy([other, member('attribute.environment/prod')]));
    const members = bindings.filter((b) => b.member);
    // The other project's pool stands in as its own issuer; the unmapped attribute never matches a token.
    expect(members.map((b) => [host(b), claimsOf(b)])).toEqual([['iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/ci-pool', { repository: ['exact(o/r)'] }]]);
  });

  it('without a provider in the run the pool stands in for the issuer, and subjects still compare', async () => {
    const { bindings } = await bindingsOf(iamPolicy([`principal://iam.googleapis.com/${POOL}/subject/repo:o/r:ref:refs/heads/main`, member('*')]));
    expect(bindings.map((b) => [host(b), b.member!.scope, claimsOf(b, true)])).toEqual([
      [`iam.googleapis.com/${POOL}`, 'subject', { aud: ['unknown: the providers of the pool are not among the inputs'], sub: ['exact(repo:o/r:ref:refs/heads/main)'] }],
      [`iam.googleapis.com/${POOL}`, 'pool', { aud: ['unknown: the providers of the pool are not among the inputs'] }],
    ]);
  });

  it('disabled providers are not joined', async () => {
    const { bindings } = await bindingsOf(provider({ disabled: true }), iamPolicy([member('*')]));
    expect(bindings.map(host)).toEqual([`iam.googleapis.com/${POOL}`]);
  });

  it('GKE: the project clusters are the issuer, the namespace is the tenant', async () => {
    const gke = 'projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog';
    const { bindings } = await bindingsOf(
      iamPolicy([
        `principal://iam.googleapis.com/${gke}/subject/ns/payments/sa/api`,
        `principalSet://iam.googleapis.com/${gke}/namespace/payments`,
        'serviceAccount:acme-prod.svc.id.goog[batch/worker]',
      ]),
    );
    expect(bindings.map((b) => [host(b), claimsOf(b)])).toEqual([
      ['container.googleapis.com/v1/projects/acme-prod', { sub: ['exact(system:serviceaccount:payments:api)'] }],
      ['container.googleapis.com/v1/projects/acme-prod', { sub: ['iam-glob(system:serviceaccount:payments:*)'] }],
      ['container.googleapis.com/v1/projects/acme-prod', { sub: ['exact(system:serviceaccount:batch:worker)'] }],
    ]);
  });

  it("through the rules: a provider's own problems are reported once, on the provider, not on its members", async () => {
    const weak = provider({ oidc: { issuerUri: 'http://gitlab.example.com' }, attributeCondition: "assertion.sub == 'project_path:g/p:ref_type:branch:ref:main'" });
    const members = iamPolicy([member('attribute.repository_id/1'), member('attribute.repository_id/2'), `principal://iam.googleapis.com/${POOL}/subject/x`]);
    const result = await lintText(JSON.stringify(weak, null, 2), JSON.stringify(members, null, 2));
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => [f.ruleId, f.resource])).toEqual([['issuer-unpinned', PROVIDER]]);
  });

  it('through the rules: one finding per member even when the pool has several providers', async () => {
    const second = provider({ name: `${POOL}/providers/second`, attributeCondition: "assertion.repository_owner_id == '1342004'" });
    const result = await lintText(JSON.stringify([provider(), second], null, 2), JSON.stringify(iamPolicy([member('*')]), null, 2));
    expect(result.findings.map((f) => [f.ruleId, f.level, f.at.file])).toEqual([
      // The first provider pins one repository but no ref, and the pool-wide member passes its pull requests on.
      ['unreviewed-context', 'warning', 'input-0.json'],
      ['subject-wildcard', 'warning', 'input-0.json'],
      ['subject-missing', 'error', 'input-1.json'],
    ]);
  });

  it('a role that is not impersonation is direct access to the resource, named with the role', async () => {
    const { bindings } = await bindingsOf(provider(), iamPolicy([member('attribute.repository_id/260064828')], 'roles/storage.objectAdmin'));
    expect(bindings.filter((b) => b.member).map((b) => b.target.kind + ' ' + b.target.name)).toEqual(['gcp-resource input-1.json (roles/storage.objectAdmin)']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Terraform plans
// ---------------------------------------------------------------------------------------------------------

interface PlanResource {
  address: string;
  type: string;
  name: string;
  module?: string;
  index?: string | number;
  mode?: 'managed' | 'data';
  actions?: string[];
  after: Record<string, Json>;
  unknown?: Record<string, Json>;
  sensitive?: Record<string, Json>;
  expressions?: Record<string, Json>;
}

/** A `terraform show -json` plan of these resources, with resource_changes and configuration. */
function planOf(resources: PlanResource[]): Json {
  const config: Record<string, Json> = { resources: [] as Json[], module_calls: {} };
  for (const r of resources) {
    const block = { address: `${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`, mode: r.mode ?? 'managed', type: r.type, name: r.name, expressions: r.expressions ?? {} };
    if (!r.module) (config['resources'] as Json[]).push(block);
    else {
      const name = r.module.split('.')[1]!.replace(/\[.*$/, '');
      const calls = config['module_calls'] as Record<string, { module: { resources: Json[] } }>;
      (calls[name] ??= { module: { resources: [] } }).module.resources.push(block);
    }
  }
  return {
    format_version: '1.2',
    terraform_version: '1.9.8',
    resource_changes: resources.map((r) => ({
      address: r.address,
      ...(r.module ? { module_address: r.module } : {}),
      mode: r.mode ?? 'managed',
      type: r.type,
      name: r.name,
      ...(r.index !== undefined ? { index: r.index } : {}),
      provider_name: 'registry.terraform.io/hashicorp/google',
      change: { actions: r.actions ?? ['create'], before: null, after: r.after, after_unknown: r.unknown ?? {}, before_sensitive: false, after_sensitive: r.sensitive ?? {} },
    })),
    configuration: { root_module: config },
  };
}

function tfProvider(address: string, after: Record<string, Json>, extra: Partial<PlanResource> = {}): PlanResource {
  const name = address.replace(/\[.*$/, '').split('.').pop()!;
  return {
    address,
    type: 'google_iam_workload_identity_pool_provider',
    name,
    after: {
      attribute_mapping: MAPPING,
      aws: [],
      disabled: false,
      oidc: [{ allowed_audiences: [], issuer_uri: GH, jwks_json: null }],
      project: 'acme-ci',
      saml: [],
      workload_identity_pool_id: 'ci-pool',
      workload_identity_pool_provider_id: name,
      x509: [],
      ...after,
    },
    unknown: { id: true, name: true, state: true },
    ...extra,
  };
}

function saMember(address: string, member: string | undefined, extra: Partial<PlanResource> = {}): PlanResource {
  const name = address.replace(/\[.*$/, '').split('.').pop()!;
  return {
    address,
    type: 'google_service_account_iam_member',
    name,
    after: {
      condition: [],
      ...(member !== undefined ? { member } : {}),
      role: 'roles/iam.workloadIdentityUser',
      service_account_id: 'projects/acme-prod/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com',
    },
    unknown: { etag: true, id: true, ...(member === undefined ? { member: true } : {}) },
    ...extra,
  };
}

describe('terraform-plan: GCP resources', () => {
  it('child modules and for_each: addresses, pool ids and the service account of each instance', async () => {
    const plan = planOf([
      tfProvider('module.wif["ci"].google_iam_workload_identity_pool_provider.github', { attribute_condition: "assertion.repository_id == '260064828'" }, { module: 'module.wif["ci"]' }),
      {
        address: 'module.wif["ci"].google_service_account.deployer["prod"]',
        module: 'module.wif["ci"]',
        type: 'google_service_account',
        name: 'deployer',
        index: 'prod',
        after: { account_id: 'deployer-prod', project: 'acme-prod' },
        unknown: { email: true, name: true },
      },
      {
        address: 'module.wif["ci"].google_service_account.deployer["dev"]',
        module: 'module.wif["ci"]',
        type: 'google_service_account',
        name: 'deployer',
        index: 'dev',
        after: { account_id: 'deployer-dev', project: 'acme-dev' },
        unknown: { email: true, name: true },
      },
      saMember('module.wif["ci"].google_service_account_iam_member.wif["prod"]', `principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/260064828`, {
        module: 'module.wif["ci"]',
        index: 'prod',
        after: { member: `principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/260064828`, role: 'roles/iam.workloadIdentityUser' },
        unknown: { service_account_id: true },
        expressions: { service_account_id: { references: ['google_service_account.deployer[each.key].name', 'google_service_account.deployer[each.key]', 'google_service_account.deployer', 'each.key'] } },
      }),
    ]);
    const { bindings, inputs } = await bindingsOf(plan);
    expect(inputs[0]!.kind).toBe('terraform-plan');
    const [prov, m] = bindings;
    expect(prov!.target).toMatchObject({ kind: 'gcp-workload-identity-provider', name: 'module.wif["ci"].google_iam_workload_identity_pool_provider.github', address: 'module.wif["ci"].google_iam_workload_identity_pool_provider.github' });
    expect(where(inputs[0]!.text, prov!.claims['repository_id']![0]!.at)).toEqual({ line: 38, column: 34, text: `"assertion.repository_id == '260064828'"` });
    expect(m!.target).toMatchObject({
      kind: 'gcp-service-account',
      name: 'module.wif["ci"].google_service_account.deployer["prod"]',
      address: 'module.wif["ci"].google_service_account_iam_member.wif["prod"]',
      environment: 'production',
    });
    expect(m!.member).toMatchObject({ scope: 'attribute', providersPinned: true });
    expect(claimsOf(m!)).toEqual({ repository_id: ['exact(260064828)'] });
  });

  it('an attribute_condition known only after apply: the trust is undetermined, located at after_unknown', async () => {
    const plan = planOf([
      tfProvider('google_iam_workload_identity_pool_provider.github', {}, {
        unknown: { attribute_condition: true, id: true, name: true },
        expressions: { attribute_condition: { references: ['local.condition'] } },
      }),
    ]);
    const { bindings, inputs } = await bindingsOf(plan);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.undetermined?.reason).toBe('the attribute_condition is known only after apply (it is built from local.condition)');
    expect(where(inputs[0]!.text, bindings[0]!.undetermined!.at)).toEqual({ line: 39, column: 34, text: 'true' });
    expect(inputs[0]!.text.split('\n')[38]).toBe('          "attribute_condition": true,');
    expect(claimsOf(bindings[0]!)['sub']).toEqual(['unknown: the attribute_condition is known only after apply (it is built from local.condition)']);
  });

  it('an issuer known only after apply: undetermined, and no issuer is guessed', async () => {
    const plan = planOf([tfProvider('google_iam_workload_identity_pool_provider.eks', { oidc: [{ allowed_audiences: [] }], attribute_condition: 'true' }, { unknown: { oidc: [{ issuer_uri: true }] } })]);
    const { bindings } = await bindingsOf(plan);
    expect(host(bindings[0]!)).toBe('unknown: issuer_uri is known only after apply');
    expect(bindings[0]!.undetermined?.reason).toBe("the provider's issuer_uri is known only after apply");
  });

  it('sensitive values mark the binding, and the flaw message does not quote them', async () => {
    const plan = planOf([tfProvider('google_iam_workload_identity_pool_provider.gitlab', { attribute_condition: 'assertion.project_id == 4815', oidc: [{ allowed_audiences: [], issuer_uri: 'https://gitlab.com' }] }, { sensitive: { attribute_condition: true } })]);
    const { bindings } = await bindingsOf(plan);
    expect(bindings[0]!.sensitive).toBe(true);
    expect(bindings[0]!.conditionFlaws?.[0]?.message).not.toContain('4815');
  });

  it('a member known only after apply, built from a pool, cannot be judged; one built from something else is not ours', async () => {
    const plan = planOf([
      saMember('google_service_account_iam_member.wif', undefined, { expressions: { member: { references: ['google_iam_workload_identity_pool.ci.name', 'google_iam_workload_identity_pool.ci'] } } }),
      saMember('google_service_account_iam_member.ci_sa', undefined, { expressions: { member: { references: ['google_service_account.ci.member', 'google_service_account.ci'] } } }),
    ]);
    const { bindings, inputs } = await bindingsOf(plan);
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.undetermined?.reason).toBe('the member of google_service_account_iam_member.wif is known only after apply (it is built from google_iam_workload_identity_pool.ci.name)');
    expect(where(inputs[0]!.text, bindings[0]!.undetermined!.at)).toMatchObject({ text: 'true' });
    expect(bindings[0]!.target.name).toBe('deployer@acme-prod.iam.gserviceaccount.com');
  });

  it('policy_data: members located inside the JSON string', async () => {
    const policyData = JSON.stringify({ bindings: [{ members: [`principalSet://iam.googleapis.com/${POOL}/*`], role: 'roles/iam.workloadIdentityUser' }] });
    const plan = planOf([
      tfProvider('google_iam_workload_identity_pool_provider.github', { attribute_condition: "assertion.repository_id == '260064828'" }),
      { address: 'google_service_account_iam_policy.deployer', type: 'google_service_account_iam_policy', name: 'deployer', after: { policy_data: policyData, service_account_id: 'projects/acme-prod/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com' } },
    ]);
    const { bindings, inputs } = await bindingsOf(plan);
    const m = bindings.find((b) => b.member)!;
    expect(m.member!.at.inner).toEqual(['bindings', 0, 'members', 0]);
    // The range is the inner JSON string, quotes included, inside the escaped policy_data string.
    const w = where(inputs[0]!.text, m.member!.at);
    expect(w.text).toBe(`\\"principalSet://iam.googleapis.com/${POOL}/*\\"`);
    expect(inputs[0]!.text.split('\n')[w.line - 1]!.slice(0, w.column - 1)).toMatch(/"policy_data": "\{\\"bindings\\":\[\{\\"members\\":\[$/);
    expect(m.target.name).toBe('deployer@acme-prod.iam.gserviceaccount.com');
  });

  it('policy_data known only after apply: read from the deferred data.google_iam_policy it is built from', async () => {
    const plan = planOf([
      {
        address: 'data.google_iam_policy.deployer',
        mode: 'data',
        type: 'google_iam_policy',
        name: 'deployer',
        actions: ['read'],
        after: { binding: [{ condition: [], members: [`principal://iam.googleapis.com/${POOL}/subject/repo:o/r:ref:refs/heads/main`, null], role: 'roles/iam.workloadIdentityUser' }] },
        unknown: { policy_data: true, binding: [{ members: [false, true] }] },
      },
      {
        address: 'google_service_account_iam_policy.deployer',
        type: 'google_service_account_iam_policy',
        name: 'deployer',
        after: { service_account_id: 'projects/acme-dev/serviceAccounts/deployer@acme-dev.iam.gserviceaccount.com' },
        unknown: { policy_data: true },
        expressions: { policy_data: { references: ['data.google_iam_policy.deployer.policy_data', 'data.google_iam_policy.deployer'] } },
      },
    ]);
    const { bindings } = await bindingsOf(plan);
    expect(bindings.map((b) => [b.member?.scope ?? 'undetermined', b.target.name, b.target.environment, b.member?.at.path ?? b.undetermined?.at.path])).toEqual([
      ['subject', 'deployer@acme-dev.iam.gserviceaccount.com', 'development', ['resource_changes', 0, 'change', 'after', 'binding', 0, 'members', 0]],
      ['undetermined', 'deployer@acme-dev.iam.gserviceaccount.com', 'development', ['resource_changes', 0, 'change', 'after_unknown', 'binding', 0, 'members', 1]],
    ]);
  });

  it('direct access: project, bucket and binding resources, named with the role', async () => {
    const m = `principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/260064828`;
    const plan = planOf([
      { address: 'google_project_iam_member.wif_user', type: 'google_project_iam_member', name: 'wif_user', after: { project: 'acme-prod', role: 'roles/iam.workloadIdentityUser', member: m } },
      { address: 'google_project_iam_member.viewer', type: 'google_project_iam_member', name: 'viewer', after: { project: 'acme-prod', role: 'roles/viewer', member: m } },
      { address: 'google_storage_bucket_iam_binding.artifacts', type: 'google_storage_bucket_iam_binding', name: 'artifacts', after: { bucket: 'acme-artifacts', role: 'roles/storage.objectAdmin', members: ['user:a@example.com', m] } },
    ]);
    const { bindings } = await bindingsOf(plan);
    expect(bindings.map((b) => [b.target.kind, b.target.name, b.member!.at.path.slice(-2)])).toEqual([
      ['gcp-project', 'project acme-prod (roles/iam.workloadIdentityUser on every service account of the project)', ['after', 'member']],
      ['gcp-project', 'project acme-prod (roles/viewer)', ['after', 'member']],
      ['gcp-resource', 'storage bucket acme-artifacts (roles/storage.objectAdmin)', ['members', 1]],
    ]);
    expect(bindings[0]!.target.environment).toBe('production');
  });

  it("the environment comes from the project's labels before the words of names", async () => {
    const m = `principalSet://iam.googleapis.com/${POOL}/attribute.repository_id/260064828`;
    const plan = planOf([
      { address: 'google_project.app', type: 'google_project', name: 'app', after: { project_id: 'app-dev-sandbox', labels: { env: 'prod' } } },
      {
        address: 'google_project_iam_member.deploy',
        type: 'google_project_iam_member',
        name: 'deploy',
        after: { role: 'roles/run.admin', member: m },
        unknown: { project: true },
        expressions: { project: { references: ['google_project.app.project_id', 'google_project.app'] } },
      },
    ]);
    const { bindings } = await bindingsOf(plan);
    expect(bindings.map((b) => [b.target.name, b.target.environment, b.target.environmentSource])).toEqual([
      ['project app-dev-sandbox (roles/run.admin)', 'production', 'project label env=prod'],
    ]);
  });

  it('aws, saml and x509 provider blocks, disabled providers and pools', async () => {
    const plan = planOf([
      {
        address: 'google_iam_workload_identity_pool.legacy',
        type: 'google_iam_workload_identity_pool',
        name: 'legacy',
        actions: ['no-op'],
        after: { workload_identity_pool_id: 'legacy-pool', disabled: true, name: 'projects/123456789012/locations/global/workloadIdentityPools/legacy-pool' },
      },
      tfProvider('google_iam_workload_identity_pool_provider.aws', { oidc: [], aws: [{ account_id: '111122223333' }], attribute_mapping: {}, attribute_condition: "attribute.aws_role == 'arn:aws:sts::111122223333:assumed-role/ci'" }),
      tfProvider('google_iam_workload_identity_pool_provider.saml', { oidc: [], saml: [{ idp_metadata_xml: '<EntityDescriptor entityID="https://sso.example.com/idp"/>' }] }),
      tfProvider('google_iam_workload_identity_pool_provider.mtls', { oidc: [], x509: [{ trust_store: [{ trust_anchors: [{ pem_certificate: 'x' }] }] }] }),
      tfProvider('google_iam_workload_identity_pool_provider.off', { disabled: true }),
      tfProvider('google_iam_workload_identity_pool_provider.in_legacy', { workload_identity_pool_id: null }, {
        unknown: { workload_identity_pool_id: true },
        expressions: { workload_identity_pool_id: { references: ['google_iam_workload_identity_pool.legacy.workload_identity_pool_id', 'google_iam_workload_identity_pool.legacy'] } },
      }),
    ]);
    const { bindings } = await bindingsOf(plan);
    expect(bindings.map((b) => [b.target.name, b.mechanism, host(b), claimsOf(b)])).toEqual([
      ['google_iam_workload_identity_pool_provider.aws', 'aws-principal', 'aws-account/111122223333', { arn: ['iam-glob(arn:aws:sts::111122223333:assumed-role/ci/*)'] }],
      ['google_iam_workload_identity_pool_provider.saml', 'saml', 'sso.example.com/idp', {}],
      ['google_iam_workload_identity_pool_provider.mtls', 'x509', 'unknown: an X.509 trust store admits any certificate that chains to its anchors', {}],
    ]);
  });

  it('google_service_account_key is a static credential located at its address', async () => {
    const plan = planOf([{ address: 'module.ci.google_service_account_key.ci', module: 'module.ci', type: 'google_service_account_key', name: 'ci', after: { key_algorithm: 'KEY_ALG_RSA_2048' }, unknown: { private_key: true }, sensitive: { private_key: true } }]);
    const input = await loadFile(plan);
    expect(input.credentials).toEqual([{ provider: 'gcp', kind: 'google_service_account_key', resource: 'module.ci.google_service_account_key.ci', at: { file: 'input.json', path: ['resource_changes', 0, 'address'] } }]);
    expect(where(input.text, input.credentials[0]!.at)).toEqual({ line: 6, column: 18, text: '"module.ci.google_service_account_key.ci"' });
  });

  it('resources on their way out grant nothing; state JSON is read like a plan', async () => {
    const m = `principalSet://iam.googleapis.com/${POOL}/*`;
    const deleted = planOf([saMember('google_service_account_iam_member.old', m, { actions: ['delete'] })]);
    expect((await bindingsOf(deleted)).bindings).toEqual([]);
    const state = {
      format_version: '1.0',
      terraform_version: '1.9.8',
      values: { root_module: { resources: [{ address: 'google_service_account_iam_member.wif', mode: 'managed', type: 'google_service_account_iam_member', name: 'wif', values: { member: m, role: 'roles/iam.workloadIdentityUser', service_account_id: 'deployer@acme-ci.iam.gserviceaccount.com' }, sensitive_values: {} }] } },
    };
    const { bindings } = await bindingsOf(state);
    expect(bindings.map((b) => [b.member?.scope, b.member?.at.path])).toEqual([['pool', ['values', 'root_module', 'resources', 0, 'values', 'member']]]);
  });

  it('a policy_data that is not JSON is a problem; the plan is still read', async () => {
    const plan = planOf([
      { address: 'google_project_iam_policy.p', type: 'google_project_iam_policy', name: 'p', after: { project: 'acme', policy_data: '{not json' } },
      tfProvider('google_iam_workload_identity_pool_provider.github', { attribute_condition: 'true' }),
    ]);
    const input = await loadFile(plan);
    expect(input.problems.map((p) => p.message)).toEqual(['policy_data of google_project_iam_policy.p is not valid JSON']);
    expect(assembleGcp([input.gcp as GcpFacts]).bindings).toHaveLength(1);
  });

  it('through the rules: a mapping known only after apply is a note, never a verdict', async () => {
    const plan = planOf([
      tfProvider('google_iam_workload_identity_pool_provider.github', { attribute_condition: "attribute.repository_id == '260064828'", attribute_mapping: null }, {
        unknown: { attribute_mapping: true, id: true, name: true },
      }),
    ]);
    const result = await lintText(JSON.stringify(plan, null, 2));
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => [f.ruleId, f.level, f.message])).toEqual([
      [
        'subject-missing',
        'note',
        'The subject limit of google_iam_workload_identity_pool_provider.github could not be judged: attribute.repository_id depends on the attribute_mapping, which is known only after apply. fedlint judges it once the value is known (lint the next plan, or the deployed configuration).',
      ],
    ]);
  });

  it('through the rules: a project-level grant to a whole pool says it covers every service account', async () => {
    const plan = planOf([
      tfProvider('google_iam_workload_identity_pool_provider.github', { attribute_condition: "assertion.repository_owner_id == '1342004'" }),
      { address: 'google_project_iam_member.wif', type: 'google_project_iam_member', name: 'wif', after: { project: 'acme-ci', role: 'roles/iam.workloadIdentityUser', member: `principalSet://iam.googleapis.com/${POOL}/*` } },
    ]);
    const result = await lintText(JSON.stringify(plan, null, 2));
    const pool = result.findings.filter((f) => f.ruleId === 'subject-missing');
    expect(pool.map((f) => [f.level, f.resource])).toEqual([['error', 'project acme-ci (roles/iam.workloadIdentityUser on every service account of the project)']]);
    expect(pool[0]!.message).toContain('Granted on the project, it lets them impersonate every service account of the project.');
    expect(pool[0]!.message).toContain('not every provider of the pool pins one workload');
  });

  it('never throws on odd shapes', () => {
    const odd: Json[] = [
      planOf([{ address: 'google_iam_workload_identity_pool_provider.x', type: 'google_iam_workload_identity_pool_provider', name: 'x', after: { oidc: 'x', attribute_mapping: 'y', attribute_condition: 5 } }]),
      planOf([{ address: 'google_project_iam_binding.x', type: 'google_project_iam_binding', name: 'x', after: { members: 'x', role: 5 } }]),
      planOf([{ address: 'google_project_iam_policy.x', type: 'google_project_iam_policy', name: 'x', after: { policy_data: '[1, 2]' } }]),
      planOf([{ address: 'google_service_account_iam_member.x', type: 'google_service_account_iam_member', name: 'x', after: { member: null, service_account_id: 7 } }]),
    ];
    for (const plan of odd) {
      const r = terraformPlanLoader.load(plan, 'f.json', 'f.json');
      expect(() => assembleGcp([r.gcp!])).not.toThrow();
    }
  });
});
